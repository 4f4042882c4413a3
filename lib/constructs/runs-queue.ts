import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RUN_QUEUE_MAX_RECEIVES } from '../../functions/workflows/run.queue';
import { stepBudgetMs, DEFAULT_STEP_POLICY } from '../../functions/workflows/run.executor';
import type { PlatformFunction } from './platform-function';
import { checkConsumerTimeout, checkedMaxConcurrency, createWorkQueue } from './work-queue';

/**
 * The consumer's timeout, Lambda's longest. It is also the queue's visibility timeout and the run lease: a message
 * comes back only once the invocation that held it can no longer be running, and its run's lease has run out then.
 */
export const RUN_CONSUMER_TIMEOUT = Duration.minutes(15);

export interface RunsQueueProps {
  /** The run worker (functions/api/run-consumer.ts); its timeout must be RUN_CONSUMER_TIMEOUT. */
  readonly consumer: PlatformFunction;
  /** Functions that start runs: they may send to the queue. */
  readonly producers: readonly PlatformFunction[];
  /**
   * Messages per invocation; each names one run, and the runs of a batch execute concurrently.
   * @default 5
   */
  readonly batchSize?: number;
  /**
   * Invocations of the consumer at once, for all tenants together (each tenant is held to its plan's concurrent runs).
   * @default 50
   */
  readonly maxConcurrency?: number;
  /**
   * How often the consumer sweeps for runs no message will reach (run.sweeper.ts): a run whose message was lost is
   * sent again within the redrive bound (RUN_REDRIVE_AFTER_SECONDS) plus this interval.
   * @default Duration.minutes(1)
   */
  readonly sweepEvery?: Duration;
}

/**
 * Durable workflow runs: an encrypted, TLS-only SQS queue whose messages name runs, read by the run worker with
 * partial batch failures (ReportBatchItemFailures), and a dead-letter queue kept 14 days that receives a message
 * after RUN_QUEUE_MAX_RECEIVES deliveries (the run is FAILED with the reason by then; the region's observability
 * alarms on its depth).
 */
export class RunsQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly eventSource: sources.SqsEventSource;
  /** Invokes the consumer on a schedule to send stuck runs again. */
  readonly sweepSchedule: events.Rule;

  constructor(scope: Construct, id: string, props: RunsQueueProps) {
    super(scope, id);
    checkConsumerTimeout(this, props.consumer, RUN_CONSUMER_TIMEOUT, 'run consumer');
    if (stepBudgetMs(DEFAULT_STEP_POLICY) >= RUN_CONSUMER_TIMEOUT.toMilliseconds()) {
      throw new Error(`${this.node.path}: one step may take ${stepBudgetMs(DEFAULT_STEP_POLICY)} ms, longer than the run lease`);
    }
    const batchSize = props.batchSize ?? 5;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10) throw new Error(`batchSize must be an integer from 1 to 10, got ${batchSize}`);
    const maxConcurrency = checkedMaxConcurrency(props.maxConcurrency ?? 50);
    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = createWorkQueue(this, {
      name: 'runs',
      visibilityTimeout: RUN_CONSUMER_TIMEOUT,
      maxReceiveCount: RUN_QUEUE_MAX_RECEIVES,
    }));

    this.eventSource = new sources.SqsEventSource(this.queue, { batchSize, reportBatchItemFailures: true, maxConcurrency });
    props.consumer.function.addEventSource(this.eventSource);
    // The consumer sends runs that must wait (no free concurrent-run slot) back to the queue with a delay.
    for (const fn of [props.consumer, ...props.producers]) {
      this.queue.grantSendMessages(fn.function);
      fn.function.addEnvironment('RUNS_QUEUE_URL', this.queue.queueUrl);
    }
    props.consumer.function.addEnvironment('RUN_LEASE_SECONDS', String(RUN_CONSUMER_TIMEOUT.toSeconds()));
    this.sweepSchedule = this.createSweepSchedule(props.consumer, props.sweepEvery ?? Duration.minutes(1));
  }

  /** The same function sweeps, so the sweep has exactly the consumer's grants (tenant data, the directory, the queue). */
  private createSweepSchedule(consumer: PlatformFunction, every: Duration): events.Rule {
    if (every.toSeconds() < 60 || every.toSeconds() > 3600) throw new Error(`sweepEvery must be from 1 to 60 minutes, got ${every.toSeconds()} s`);
    return new events.Rule(this, 'SweepSchedule', {
      description: 'Sends workflow runs that no queue message will reach to the runs queue again',
      schedule: events.Schedule.rate(every),
      // A missed sweep is made good by the next one.
      targets: [new targets.LambdaFunction(consumer.function, { retryAttempts: 0 })],
    });
  }
}
