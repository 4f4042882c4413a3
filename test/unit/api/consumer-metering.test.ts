import type { SQSEvent } from 'aws-lambda';
import { createHandler as createJobConsumer } from '../../../functions/api/job-consumer';
import { createHandler } from '../../../functions/api/run-consumer';
import { parseRuntimeConfig } from '../../../functions/api/runtime-config';
import { createLogger } from '../../../functions/core/logger';
import type { RunWorker } from '../../../functions/workflows/run.worker';
import type { TenantDirectoryEntry } from '../../../functions/tenants/tenant.schema';
import { lambdaContext } from '../../support/rest-event';

/** A batch of queue messages, as an SQS event source hands it over. */
function sqsEvent(bodies: readonly unknown[]): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `m-${i}`,
      receiptHandle: `r-${i}`,
      body: JSON.stringify(body),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-central-1:000000000000:runs',
      awsRegion: 'eu-central-1',
    })),
  };
}

/** A batch of run messages, one per tenant named. */
function batch(...tenantIds: string[]): SQSEvent {
  return sqsEvent(tenantIds.map((tenantId, i) => ({ tenantId, workflowId: 'wf-1', runId: `run-${i}` })));
}

describe("the run consumer's Lambda time per tenant", () => {
  it("meters each batch's invocation to the tenants whose runs it executed, in proportion to their deliveries' time", async () => {
    // Prepare: one tenant's run takes three times the other's
    const metered: { memoryMb: number; durationMs: number; work: readonly { tenantId: string; elapsedMs: number }[] }[] = [];
    const workFor: Record<string, number> = { 'acme-a': 60, 'globex-b': 20 };
    const config = parseRuntimeConfig({ AWS_REGION: 'eu-central-1', TABLE_NAME: 't', LOG_LEVEL: 'ERROR' });
    const consumer = createHandler(config, {
      logger: createLogger('test', 'ERROR'),
      queue: { enqueue: async () => undefined },
      workerFor: (tenantId) =>
        ({
          handle: async () => {
            await new Promise((resolve) => setTimeout(resolve, workFor[tenantId]));
            return { kind: 'done' };
          },
        }) as unknown as RunWorker,
      meter: { addInvocation: (memoryMb, durationMs, work) => void metered.push({ memoryMb, durationMs, work }) },
    });

    // Act
    const started = performance.now();
    await consumer(batch('acme-a', 'globex-b'), { ...lambdaContext(), memoryLimitInMB: '512' });
    const took = performance.now() - started;

    // Assess: one invocation, its memory and duration, the two deliveries' times in it
    expect(metered).toHaveLength(1);
    const [{ memoryMb, durationMs, work }] = metered;
    expect(memoryMb).toBe(512);
    expect(durationMs).toBeGreaterThanOrEqual(55);
    expect(durationMs).toBeLessThanOrEqual(took);
    const elapsed = Object.fromEntries(work.map((delivery) => [delivery.tenantId, delivery.elapsedMs]));
    expect(Object.keys(elapsed).sort()).toEqual(['acme-a', 'globex-b']);
    expect(elapsed['acme-a']).toBeGreaterThan(elapsed['globex-b']);
    expect(elapsed['acme-a']).toBeLessThanOrEqual(durationMs);
  });

  it('meters nothing to anyone for a malformed message', async () => {
    // Prepare
    const metered: unknown[][] = [];
    const config = parseRuntimeConfig({ AWS_REGION: 'eu-central-1', TABLE_NAME: 't', LOG_LEVEL: 'ERROR' });
    const consumer = createHandler(config, {
      logger: createLogger('test', 'ERROR'),
      queue: { enqueue: async () => undefined },
      workerFor: () => ({}) as RunWorker,
      meter: { addInvocation: (_memoryMb, _durationMs, work) => void metered.push([...work]) },
    });
    const event = batch('acme-a');
    event.Records[0].body = '{"not":"a run"}';

    // Act
    const answer = await consumer(event, { ...lambdaContext(), memoryLimitInMB: '512' });

    // Assess
    expect(answer?.batchItemFailures).toEqual([{ itemIdentifier: 'm-0' }]);
    expect(metered).toEqual([[]]);
  });
});

describe("the job consumer's Lambda time per tenant", () => {
  it("meters a tenant's own job to the tenant, and a migration to no tenant", async () => {
    // Prepare
    const metered: (readonly { tenantId: string; elapsedMs: number }[])[] = [];
    const config = parseRuntimeConfig({ AWS_REGION: 'eu-central-1', TABLE_NAME: 't', LOG_LEVEL: 'ERROR' });
    const consumer = createJobConsumer(config, {
      logger: createLogger('test', 'ERROR'),
      jobs: { run: async () => ({ kind: 'done' }) as never },
      migrations: { run: async () => ({ kind: 'done' }) as never },
      meter: { addInvocation: (_memoryMb, _durationMs, work) => void metered.push(work) },
    });

    // Act
    await consumer(sqsEvent([{ tenantId: 'acme-a', jobId: '01JZ0000000000000000000001' }]), { ...lambdaContext(), memoryLimitInMB: '512' });
    await consumer(sqsEvent([{ tenantId: 'acme-a', migrationId: '01JZ0000000000000000000002' }]), { ...lambdaContext(), memoryLimitInMB: '512' });

    // Assess
    expect(metered.map((work) => work.map((delivery) => delivery.tenantId))).toEqual([['acme-a'], []]);
  });
});

describe('the run consumer and tenants that are moved, suspended or offboarded', () => {
  it("sends a moving tenant's runs again later, leaves a moved or inactive tenant's runs, and runs an active one's", async () => {
    // Prepare: tenants of eu-central-1's queue: at home, being moved, moved to us-east-1, suspended, offboarding
    const config = parseRuntimeConfig({ AWS_REGION: 'eu-central-1', TABLE_NAME: 't', LOG_LEVEL: 'ERROR' });
    const move = { to: 'us-east-1', exportId: 'migration-1', since: '2026-12-01T00:00:00.000Z' };
    const entries: Record<string, TenantDirectoryEntry> = {
      'acme-a': directoryEntry('acme-a', 'eu-central-1'),
      'moving-b': { ...directoryEntry('moving-b', 'eu-central-1'), moving: move },
      'moved-c': { ...directoryEntry('moved-c', 'us-east-1'), moving: move },
      'suspended-d': { ...directoryEntry('suspended-d', 'eu-central-1'), status: 'SUSPENDED' },
      'leaving-e': { ...directoryEntry('leaving-e', 'eu-central-1'), status: 'OFFBOARDING' },
    };
    const handled: string[] = [];
    const sentAgain: { tenantId: string; delaySeconds?: number }[] = [];
    const consumer = createHandler(config, {
      logger: createLogger('test', 'ERROR'),
      queue: { enqueue: async (message, options) => void sentAgain.push({ tenantId: message.tenantId, delaySeconds: options?.delaySeconds }) },
      workerFor: (tenantId) =>
        ({
          handle: async () => {
            handled.push(tenantId);
            return { kind: 'done' };
          },
        }) as unknown as RunWorker,
      directory: { get: async (tenantId) => entries[tenantId] },
      region: 'eu-central-1',
    });

    // Act
    const outcome = await consumer(batch('acme-a', 'moving-b', 'moved-c', 'suspended-d', 'leaving-e'), lambdaContext());

    // Assess: no message is handed back (a long move must not dead-letter its runs), only the active one at home ran;
    // the runs left wait in the table, for the sweeper to send again once their tenant is active here
    expect(outcome?.batchItemFailures).toEqual([]);
    expect(handled).toEqual(['acme-a']);
    expect(sentAgain).toEqual([{ tenantId: 'moving-b', delaySeconds: 30 }]);
  });
});

function directoryEntry(tenantId: string, region: string): TenantDirectoryEntry {
  return { tenantId, slug: tenantId, region, status: 'ACTIVE', emailDomains: [], branding: {} };
}
