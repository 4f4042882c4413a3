import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { startEventSourceMapping, startLocalRunQueue, type LocalRunQueue } from '../../../local/run-queue';

/**
 * The local runs queue keeps SQS's semantics that the run worker relies on: at-least-once delivery, a message not
 * deleted comes back after the visibility timeout with a higher receive count, the redrive policy moves it to the
 * dead-letter queue after maxReceiveCount receives, delays hold a message back, and the event source mapping deletes
 * only the messages of a batch its handler did not report as failed.
 */
const REGION = 'eu-central-1';
let queue: LocalRunQueue;

beforeEach(async () => {
  queue = await startLocalRunQueue({ region: REGION, visibilityTimeoutSeconds: 1, maxReceiveCount: 2, queueName: `q${Date.now()}` });
});

afterEach(async () => {
  await queue.stop();
});

const send = (body: string, delaySeconds?: number) =>
  queue.client.send(new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: body, ...(delaySeconds ? { DelaySeconds: delaySeconds } : {}) }));
const receive = (waitSeconds = 0) =>
  queue.client.send(
    new ReceiveMessageCommand({ QueueUrl: queue.queueUrl, WaitTimeSeconds: waitSeconds, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }),
  );

describe('the local runs queue (fauxqs)', () => {
  it('hides a received message for the visibility timeout, delivers it again with its receive count, then dead-letters it', async () => {
    // Prepare
    await send('m');
    // Act
    const first = await receive();
    const hidden = await receive();
    const second = await receive(2);
    const third = await receive(2);
    // Assess
    expect(first.Messages?.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([['m', '1']]);
    expect(hidden.Messages ?? []).toEqual([]);
    expect(second.Messages?.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([['m', '2']]);
    expect(third.Messages ?? []).toEqual([]);
    expect(await queue.depth()).toMatchObject({ visible: 0, deadLettered: 1 });
  });

  it('holds a delayed message back for its delay', async () => {
    // Act
    await send('later', 1);
    const early = await receive();
    const late = await receive(2);
    // Assess
    expect(early.Messages ?? []).toEqual([]);
    expect(late.Messages?.map((m) => m.Body)).toEqual(['later']);
  });

  it('deletes the messages of a batch that succeeded and delivers the reported failures again', async () => {
    // Prepare: the handler fails message "b" once.
    const deliveries: string[] = [];
    const handler = async (event: SQSEvent) => {
      deliveries.push(...event.Records.map((r) => `${r.body}:${r.attributes.ApproximateReceiveCount}`));
      return {
        batchItemFailures: event.Records.filter((r) => r.body === 'b' && r.attributes.ApproximateReceiveCount === '1').map((r) => ({
          itemIdentifier: r.messageId,
        })),
      };
    };
    await Promise.all([send('a'), send('b')]);
    // Act
    const mapping = startEventSourceMapping({ client: queue.client, queueUrl: queue.queueUrl, region: REGION, handler, concurrency: 1 });
    for (let i = 0; i < 100 && !deliveries.includes('b:2'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    await mapping.stop();
    // Assess
    expect(deliveries.sort()).toEqual(['a:1', 'b:1', 'b:2']);
    expect(await queue.depth()).toMatchObject({ visible: 0, inFlight: 0, deadLettered: 0 });
  });

  it('long-polls, and stops at once: the receives waiting on an empty queue are cancelled', async () => {
    // Prepare: two pollers waiting on the empty queue (a receive waits up to 20 s).
    const handler = async () => undefined;
    const mapping = startEventSourceMapping({ client: queue.client, queueUrl: queue.queueUrl, region: REGION, handler, concurrency: 2 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Act
    const started = Date.now();
    await mapping.stop();
    // Assess
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
