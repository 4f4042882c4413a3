import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { PlatformFunction } from './platform-function';

export interface WorkQueueProps {
  /** What the queue holds, for the dead-letter queue's cdk-nag acknowledgement (e.g. `runs`). */
  readonly name: string;
  /** The consumer's timeout: a message comes back only once the invocation that held it can no longer be running. */
  readonly visibilityTimeout: Duration;
  /** Deliveries before a message moves to the dead-letter queue. */
  readonly maxReceiveCount: number;
}

export interface DeadLetterQueueProps {
  /**
   * KMS-managed for queues Lambda's event source mappings feed; SQS-managed where EventBridge delivers, which cannot
   * use the AWS managed KMS key.
   */
  readonly encryption: sqs.QueueEncryption.KMS_MANAGED | sqs.QueueEncryption.SQS_MANAGED;
  /** Why the queue has no dead-letter queue of its own (cdk-nag AwsSolutions-SQS3). */
  readonly reason: string;
}

/**
 * A dead-letter queue as every one of the platform: TLS-only, messages kept fourteen days, retained on stack
 * deletion, read by operators (its depth raises an alarm) rather than by a consumer that could fail in turn.
 */
export function createDeadLetterQueue(scope: Construct, id: string, props: DeadLetterQueueProps): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: props.encryption,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason: props.reason });
  return queue;
}

/**
 * A work queue as every consumer of the region has one: KMS-encrypted and TLS-only, messages kept four days, and a
 * dead-letter queue (createDeadLetterQueue).
 */
export function createWorkQueue(scope: Construct, props: WorkQueueProps): { queue: sqs.Queue; deadLetterQueue: sqs.Queue } {
  const deadLetterQueue = createDeadLetterQueue(scope, 'DeadLetterQueue', {
    encryption: sqs.QueueEncryption.KMS_MANAGED,
    reason: `This queue is the dead-letter queue of the ${props.name} queue: operators read it (its depth raises an alarm), no consumer that could fail`,
  });
  const queue = new sqs.Queue(scope, 'Queue', {
    encryption: sqs.QueueEncryption.KMS_MANAGED,
    enforceSSL: true,
    visibilityTimeout: props.visibilityTimeout,
    retentionPeriod: Duration.days(4),
    deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
  });
  return { queue, deadLetterQueue };
}

/** Checks that a consumer's timeout is the one its queue's visibility timeout and leases are built on. */
export function checkConsumerTimeout(scope: Construct, consumer: PlatformFunction, expected: Duration, what: string): void {
  const timeout = consumer.function.timeout;
  if (!timeout || timeout.toSeconds() !== expected.toSeconds()) {
    throw new Error(`${scope.node.path}: the ${what}'s timeout must be ${expected.toSeconds()} s, got ${timeout?.toSeconds()}`);
  }
}

/** The event source mapping's maximum concurrency, which Lambda allows from 2 to 1000. */
export function checkedMaxConcurrency(value: number): number {
  if (!Number.isInteger(value) || value < 2 || value > 1000) throw new Error(`maxConcurrency must be an integer from 2 to 1000, got ${value}`);
  return value;
}
