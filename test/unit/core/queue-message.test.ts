import type { SQSEvent } from 'aws-lambda';
import { createHandler as createJobConsumer } from '../../../functions/api/job-consumer';
import { parseRuntimeConfig } from '../../../functions/api/runtime-config';
import { createLogger } from '../../../functions/core/logger';
import { queueMessageOf } from '../../../functions/core/queue-message';
import type { JobMessage } from '../../../functions/portability/job.queue';
import { jobMessageSchema } from '../../../functions/portability/job.queue';
import type { PortabilityJobService } from '../../../functions/portability/portability-job.service';

describe('queueMessageOf', () => {
  it('reads a body of the schema', () => {
    expect(queueMessageOf(jobMessageSchema, '{"tenantId":"acme","sweep":"retention"}')).toEqual({ tenantId: 'acme', sweep: 'retention' });
  });

  it.each([
    ['text that is not JSON', 'not json'],
    ['an empty body', ''],
    ['JSON of another shape', '{"tenantId":"acme","jobId":"x","extra":1}'],
    ['JSON that is no object', '[1,2]'],
  ])('answers undefined for %s', (_name, body) => {
    expect(queueMessageOf(jobMessageSchema, body)).toBeUndefined();
  });
});

describe('the job consumer', () => {
  const record = (messageId: string, body: string): SQSEvent['Records'][number] => ({
    messageId,
    receiptHandle: 'r',
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'test', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-central-1:000000000000:jobs',
    awsRegion: 'eu-central-1',
  });

  it('hands a malformed message back towards the dead-letter queue and runs the others', async () => {
    const ran: JobMessage[] = [];
    const run = async (message: JobMessage) => {
      ran.push(message);
      return { kind: 'done' as const };
    };
    const jobs = { run } as unknown as PortabilityJobService;
    const config = parseRuntimeConfig({ AWS_REGION: 'eu-central-1', TABLE_NAME: 'table', LOG_LEVEL: 'ERROR' });
    const consumer = createJobConsumer(config, { logger: createLogger('job-consumer', 'ERROR'), jobs });
    const event: SQSEvent = {
      Records: [record('good', '{"tenantId":"acme","sweep":"retention"}'), record('not-json', '{"tenantId":'), record('other-shape', '{"jobId":"x"}')],
    };
    await expect(consumer(event)).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: 'not-json' }, { itemIdentifier: 'other-shape' }] });
    expect(ran).toEqual([{ tenantId: 'acme', sweep: 'retention' }]);
  });
});
