import { join } from 'node:path';
import { JOB_QUEUE_MAX_RECEIVES } from '../functions/portability/job.queue';
import { RUN_QUEUE_MAX_RECEIVES } from '../functions/workflows/run.queue';
import { startEventSourceMapping, startLocalRunQueue, type EventSourceMapping, type LocalRunQueue, type SqsHandler } from './run-queue';

/**
 * Locally, the run lease and the queue's visibility timeout (15 min in AWS, the consumer's timeout): a run whose
 * worker stopped is resumed within this bound, FAILED after RUN_MAX_ATTEMPTS of them.
 */
export const LOCAL_RUN_LEASE_SECONDS = 30;

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
  environment: (queue) => ({ RUNS_QUEUE_URL: queue.queueUrl, SQS_ENDPOINT: queue.endpoint, RUN_LEASE_SECONDS: String(LOCAL_RUN_LEASE_SECONDS) }),
};

/** The jobs queue (JobsQueue in AWS): one job per invocation, a whole export within the lease. */
export const JOBS_QUEUE: LocalQueueSpec = {
  name: 'jobs',
  leaseSeconds: 900,
  maxReceives: JOB_QUEUE_MAX_RECEIVES,
  consumers: 2,
  batchSize: 1,
  environment: (queue) => ({ JOBS_QUEUE_URL: queue.queueUrl, SQS_ENDPOINT: queue.endpoint }),
};

export interface LocalRunWorkers {
  /** The environment of a region's functions that reach its runs queue. */
  environment(region: string): Record<string, string>;
  /** Starts the region's consumer (its handler is built on the first delivery, like a cold start). */
  consume(region: string, create: () => Promise<SqsHandler>, log: (line: string) => void): void;
  stop(): Promise<void>;
}

/** One runs queue (with its dead-letter queue) per region on the local SQS emulator, and their consumers. */
export async function startLocalRunWorkers(regions: readonly string[], queuesDir?: string, spec: LocalQueueSpec = RUNS_QUEUE): Promise<LocalRunWorkers> {
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
      let handler: Promise<SqsHandler> | undefined;
      mappings.push(
        startEventSourceMapping({
          client: queue.client,
          queueUrl: queue.queueUrl,
          region,
          concurrency: spec.consumers,
          batchSize: spec.batchSize,
          timeoutMs: spec.leaseSeconds * 1000,
          log,
          handler: async (event) => {
            handler ??= create().catch((error: unknown) => {
              handler = undefined;
              throw error;
            });
            return (await handler)(event);
          },
        }),
      );
    },
    async stop() {
      await Promise.all(mappings.splice(0).map((mapping) => mapping.stop()));
      await Promise.all([...queues.values()].map((queue) => queue.stop()));
    },
  };
}
