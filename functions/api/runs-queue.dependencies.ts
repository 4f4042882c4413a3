import { ConfigError } from '../core/config';
import { onFirstUse } from '../core/on-first-use';
import type { RunQueue } from '../workflows/run.queue';
import type { RuntimeConfig } from './runtime-config';

/*
 * The runs queue, apart from dependencies.ts so that only the functions that start or consume runs (workflows, the run
 * consumer) can reach it; they load the SQS client at their first send, so the workflow routes that only read never
 * load it.
 */
const runQueues = new WeakMap<RuntimeConfig, RunQueue>();

/** The runs queue of a function instance; a function that starts runs cannot cold-start without RUNS_QUEUE_URL. */
export function runQueueOf(config: RuntimeConfig): RunQueue {
  const url = config.RUNS_QUEUE_URL;
  if (!url) throw new ConfigError('invalid runtime configuration: RUNS_QUEUE_URL: required by functions that start workflow runs');
  let queue = runQueues.get(config);
  if (!queue) {
    queue = onFirstUse(() => {
      const { createSqsClient, SqsRunQueue } = require('../workflows/run-queue.sqs') as typeof import('../workflows/run-queue.sqs');
      return new SqsRunQueue(createSqsClient(config.AWS_REGION, config.SQS_ENDPOINT), url);
    });
    runQueues.set(config, queue);
  }
  return queue;
}
