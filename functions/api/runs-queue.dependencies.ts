import { SQSClient } from '@aws-sdk/client-sqs';
import { ConfigError } from '../core/config';
import type { RunQueue } from '../workflows/run.queue';
import { SqsRunQueue } from '../workflows/run-queue.sqs';
import type { RuntimeConfig } from './runtime-config';

/*
 * The runs queue, apart from dependencies.ts so that only the functions that start or consume runs (workflows, the run
 * consumer) load the SQS client.
 */
const runQueues = new WeakMap<RuntimeConfig, RunQueue>();

/** The runs queue of a function instance; a function that starts runs cannot cold-start without RUNS_QUEUE_URL. */
export function runQueueOf(config: RuntimeConfig): RunQueue {
  const url = config.RUNS_QUEUE_URL;
  if (!url) throw new ConfigError('invalid runtime configuration: RUNS_QUEUE_URL: required by functions that start workflow runs');
  let queue = runQueues.get(config);
  if (!queue) {
    queue = new SqsRunQueue(new SQSClient({ region: config.AWS_REGION, ...(config.SQS_ENDPOINT ? { endpoint: config.SQS_ENDPOINT } : {}) }), url);
    runQueues.set(config, queue);
  }
  return queue;
}
