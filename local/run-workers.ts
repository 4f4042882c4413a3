import { join } from 'node:path';
import { JOB_QUEUE_MAX_RECEIVES } from '../functions/portability/job.queue';
import { RUN_QUEUE_MAX_RECEIVES } from '../functions/workflows/run.queue';
import {
  startEventSourceMapping,
  startLocalRunQueue,
  startSweepSchedule,
  type EventSourceMapping,
  type LocalRunQueue,
  type RunConsumerHandler,
  type SqsHandler,
  type SweepSchedule,
} from './run-queue';

/**
 * Locally, the run lease and the queue's visibility timeout (15 min in AWS, the consumer's timeout): a run whose
 * worker stopped is resumed within this bound, FAILED after RUN_MAX_ATTEMPTS of them.
 */
export const LOCAL_RUN_LEASE_SECONDS = 30;

/**
 * Locally, after how long the sweeper sends a run nothing delivered again (5 min in AWS), and how often it sweeps
 * (every minute in AWS): a QUEUED run whose message was lost starts within 40 s, a RUNNING one whose worker and
 * message are gone is resumed within 70 s (lease, then this bound, then the next sweep).
 */
export const LOCAL_RUN_REDRIVE_AFTER_SECONDS = 30;
export const LOCAL_RUN_SWEEP_SECONDS = 10;

/** Deliveries at once per region, as the event source mapping's maximum concurrency. */
const LOCAL_RUN_CONSUMERS = 4;

/** A kind of work queue as the region's CDK construct makes it: its name, lease, redrive and what its functions are told. */
export interface LocalQueueSpec {
  readonly name: string;
  readonly leaseSeconds: number;
  readonly maxReceives: number;
  readonly consumers: number;
  /** Messages per invocation (the event source mapping's batch size). */
  readonly batchSize: number;
  environment(queue: LocalRunQueue): Record<string, string>;
}

/** The runs queue (RunsQueue in AWS). */
export const RUNS_QUEUE: LocalQueueSpec = {
  name: 'runs',
  leaseSeconds: LOCAL_RUN_LEASE_SECONDS,
  maxReceives: RUN_QUEUE_MAX_RECEIVES,
  consumers: LOCAL_RUN_CONSUMERS,
  batchSize: 10,
  environment: (queue) => ({
    RUNS_QUEUE_URL: queue.queueUrl,
    SQS_ENDPOINT: queue.endpoint,
    RUN_LEASE_SECONDS: String(LOCAL_RUN_LEASE_SECONDS),
    RUN_REDRIVE_AFTER_SECONDS: String(LOCAL_RUN_REDRIVE_AFTER_SECONDS),
  }),
};

/** The jobs queue (JobsQueue in AWS): one job per invocation, a whole export within the lease. */
export const JOBS_QUEUE: LocalQueueSpec = {
  name: 'jobs',
  leaseSeconds: 900,
  maxReceives: JOB_QUEUE_MAX_RECEIVES,
  consumers: 2,
  batchSize: 1,
  // Its own variable: SQS_ENDPOINT is the runs queue's emulator, and every local function gets both.
  environment: (queue) => ({ JOBS_QUEUE_URL: queue.queueUrl, JOBS_SQS_ENDPOINT: queue.endpoint }),
};

export interface LocalQueueWorkers<H extends SqsHandler> {
  /** The environment of a region's functions that reach its queue. */
  environment(region: string): Record<string, string>;
  /** Starts the region's consumer (its handler is built on the first delivery, like a cold start). */
  consume(region: string, create: () => Promise<H>, log: (line: string) => void): void;
  stop(): Promise<void>;
}

export type LocalRunWorkers = LocalQueueWorkers<RunConsumerHandler>;

/**
 * One runs queue per region and their consumers, which (as the EventBridge schedule makes the function in AWS) also
 * sweep for runs no message will reach, unless `sweep` is false.
 */
export async function startLocalRunWorkers(
  regions: readonly string[],
  { queuesDir, sweep }: { readonly queuesDir?: string | undefined; readonly sweep: boolean },
): Promise<LocalRunWorkers> {
  const schedules: SweepSchedule[] = [];
  const workers = await startQueueWorkers<RunConsumerHandler>(regions, queuesDir, RUNS_QUEUE, (region, handler, log) => {
    if (sweep) schedules.push(startSweepSchedule({ region, everyMs: LOCAL_RUN_SWEEP_SECONDS * 1000, handler, log }));
  });
  return {
    ...workers,
    async stop() {
      await Promise.all(schedules.splice(0).map((schedule) => schedule.stop()));
      await workers.stop();
    },
  };
}

/** One export and import jobs queue per region and their consumers. */
export function startLocalJobWorkers(
  regions: readonly string[],
  { queuesDir }: { readonly queuesDir?: string | undefined },
): Promise<LocalQueueWorkers<SqsHandler>> {
  return startQueueWorkers<SqsHandler>(regions, queuesDir, JOBS_QUEUE);
}

/** One queue of the spec (with its dead-letter queue) per region on the local SQS emulator, and their consumers. */
async function startQueueWorkers<H extends SqsHandler>(
  regions: readonly string[],
  queuesDir: string | undefined,
  spec: LocalQueueSpec,
  onConsume?: (region: string, handler: () => Promise<H>, log: (line: string) => void) => void,
): Promise<LocalQueueWorkers<H>> {
  const queues = new Map<string, LocalRunQueue>();
  const mappings: EventSourceMapping[] = [];
  try {
    for (const region of regions) {
      queues.set(
        region,
        await startLocalRunQueue({
          region,
          queueName: spec.name,
          visibilityTimeoutSeconds: spec.leaseSeconds,
          maxReceiveCount: spec.maxReceives,
          ...(queuesDir ? { dataDir: join(queuesDir, spec.name === RUNS_QUEUE.name ? region : `${spec.name}-${region}`) } : {}),
        }),
      );
    }
  } catch (error) {
    await Promise.all([...queues.values()].map((queue) => queue.stop()));
    throw error;
  }
  const queueOf = (region: string) => {
    const queue = queues.get(region);
    if (!queue) throw new Error(`no ${spec.name} queue for region ${region}`);
    return queue;
  };
  return {
    environment(region) {
      return spec.environment(queueOf(region));
    },
    consume(region, create, log) {
      const queue = queueOf(region);
      let handler: Promise<H> | undefined;
      const handlerOf = () =>
        (handler ??= create().catch((error: unknown) => {
          handler = undefined;
          throw error;
        }));
      onConsume?.(region, handlerOf, log);
      mappings.push(
        startEventSourceMapping({
          client: queue.client,
          queueUrl: queue.queueUrl,
          region,
          concurrency: spec.consumers,
          batchSize: spec.batchSize,
          timeoutMs: spec.leaseSeconds * 1000,
          log,
          handler: async (event, context) => (await handlerOf())(event, context),
        }),
      );
    },
    async stop() {
      await Promise.all(mappings.splice(0).map((mapping) => mapping.stop()));
      await Promise.all([...queues.values()].map((queue) => queue.stop()));
    },
  };
}
