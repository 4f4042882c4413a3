import { join } from 'node:path';
import {
  startEventSourceMapping,
  startLocalRunQueue,
  startSweepSchedule,
  type EventSourceMapping,
  type LocalRunQueue,
  type RunConsumerHandler,
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

export interface LocalRunWorkers {
  /** The environment of a region's functions that reach its runs queue. */
  environment(region: string): Record<string, string>;
  /** Starts the region's consumer (its handler is built on the first delivery, like a cold start). */
  consume(region: string, create: () => Promise<RunConsumerHandler>, log: (line: string) => void): void;
  stop(): Promise<void>;
}

/** One runs queue (with its dead-letter queue) per region on the local SQS emulator, and their consumers. */
export async function startLocalRunWorkers(
  regions: readonly string[],
  { queuesDir, sweep }: { readonly queuesDir?: string | undefined; readonly sweep: boolean },
): Promise<LocalRunWorkers> {
  const queues = new Map<string, LocalRunQueue>();
  const mappings: EventSourceMapping[] = [];
  const schedules: SweepSchedule[] = [];
  try {
    for (const region of regions) {
      queues.set(
        region,
        await startLocalRunQueue({ region, visibilityTimeoutSeconds: LOCAL_RUN_LEASE_SECONDS, ...(queuesDir ? { dataDir: join(queuesDir, region) } : {}) }),
      );
    }
  } catch (error) {
    await Promise.all([...queues.values()].map((queue) => queue.stop()));
    throw error;
  }
  const queueOf = (region: string) => {
    const queue = queues.get(region);
    if (!queue) throw new Error(`no runs queue for region ${region}`);
    return queue;
  };
  return {
    environment(region) {
      const queue = queueOf(region);
      return {
        RUNS_QUEUE_URL: queue.queueUrl,
        SQS_ENDPOINT: queue.endpoint,
        RUN_LEASE_SECONDS: String(LOCAL_RUN_LEASE_SECONDS),
        RUN_REDRIVE_AFTER_SECONDS: String(LOCAL_RUN_REDRIVE_AFTER_SECONDS),
      };
    },
    consume(region, create, log) {
      const queue = queueOf(region);
      let handler: Promise<RunConsumerHandler> | undefined;
      const handlerOf = () =>
        (handler ??= create().catch((error: unknown) => {
          handler = undefined;
          throw error;
        }));
      // The sweep schedule (an EventBridge rule in AWS) invokes the same function.
      if (sweep) schedules.push(startSweepSchedule({ region, everyMs: LOCAL_RUN_SWEEP_SECONDS * 1000, handler: handlerOf, log }));
      mappings.push(
        startEventSourceMapping({
          client: queue.client,
          queueUrl: queue.queueUrl,
          region,
          concurrency: LOCAL_RUN_CONSUMERS,
          timeoutMs: LOCAL_RUN_LEASE_SECONDS * 1000,
          log,
          handler: async (event) => (await handlerOf())(event),
        }),
      );
    },
    async stop() {
      await Promise.all(schedules.splice(0).map((schedule) => schedule.stop()));
      await Promise.all(mappings.splice(0).map((mapping) => mapping.stop()));
      await Promise.all([...queues.values()].map((queue) => queue.stop()));
    },
  };
}
