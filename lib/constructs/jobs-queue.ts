import { Duration } from 'aws-cdk-lib';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { JOB_QUEUE_MAX_RECEIVES } from '../../functions/portability/job.queue';
import type { PlatformFunction } from './platform-function';
import { checkConsumerTimeout, checkedMaxConcurrency, createWorkQueue } from './work-queue';

/** The job consumer's timeout, Lambda's longest; also the queue's visibility timeout. */
export const JOB_CONSUMER_TIMEOUT = Duration.minutes(15);

export interface JobsQueueProps {
  /** The job consumer (functions/api/job-consumer.ts); its timeout must be JOB_CONSUMER_TIMEOUT. */
  readonly consumer: PlatformFunction;
  /** Functions that start jobs: they may send to the queue. */
  readonly producers: readonly PlatformFunction[];
  /**
   * Invocations of the consumer at once, for all tenants together.
   * @default 10
   */
  readonly maxConcurrency?: number;
}

/**
 * Tenants' export and import jobs: an encrypted, TLS-only SQS queue whose messages name jobs, read one at a time per
 * invocation (a job streams a whole tenant), with partial batch failures and a dead-letter queue kept 14 days that
 * receives a message after JOB_QUEUE_MAX_RECEIVES deliveries (the last one records the job FAILED).
 */
export class JobsQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: JobsQueueProps) {
    super(scope, id);
    checkConsumerTimeout(this, props.consumer, JOB_CONSUMER_TIMEOUT, 'job consumer');
    const maxConcurrency = checkedMaxConcurrency(props.maxConcurrency ?? 10);
    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = createWorkQueue(this, {
      name: 'jobs',
      visibilityTimeout: JOB_CONSUMER_TIMEOUT,
      maxReceiveCount: JOB_QUEUE_MAX_RECEIVES,
    }));
    props.consumer.function.addEventSource(new sources.SqsEventSource(this.queue, { batchSize: 1, reportBatchItemFailures: true, maxConcurrency }));
    for (const fn of props.producers) {
      this.queue.grantSendMessages(fn.function);
      fn.function.addEnvironment('JOBS_QUEUE_URL', this.queue.queueUrl);
    }
  }
}
