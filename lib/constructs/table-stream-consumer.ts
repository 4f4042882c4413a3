import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { PlatformFunction } from './platform-function';
import type { IPlatformTable } from './platform-table';

export interface TableStreamConsumerProps {
  /** The table whose stream is read. */
  readonly table: IPlatformTable;
  /** The function the records go to. */
  readonly consumer: PlatformFunction;
  /** Which records reach the function (Lambda event filtering); records that match none are dropped before it runs. */
  readonly filters: readonly Record<string, unknown>[];
  /**
   * Records per invocation.
   * @default 25
   */
  readonly batchSize?: number;
  /**
   * Retries of a failing batch (halved each time) before its records go to the failure queue.
   * @default 5
   */
  readonly retryAttempts?: number;
}

/**
 * A function subscribed to the table's stream from its tip (LATEST), for filtered records only. A failing batch is
 * split and retried; what still fails is described in an encrypted, TLS-only queue kept for 14 days (the records
 * themselves stay in the stream for 24 hours).
 */
export class TableStreamConsumer extends Construct {
  /** Where Lambda describes batches that failed every retry (shard, sequence numbers), for replay. */
  readonly failureQueue: sqs.Queue;
  readonly eventSource: sources.DynamoEventSource;
  /** The function the records go to; its role may read the stream and send to the failure queue. */
  readonly consumer: PlatformFunction;

  constructor(scope: Construct, id: string, props: TableStreamConsumerProps) {
    super(scope, id);
    this.consumer = props.consumer;
    const batchSize = props.batchSize ?? 25;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
      throw new Error(`batchSize must be an integer from 1 to 10000, got ${batchSize}`);
    }
    const retryAttempts = props.retryAttempts ?? 5;
    if (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > 10_000) {
      throw new Error(`retryAttempts must be an integer from 0 to 10000, got ${retryAttempts}`);
    }
    if (props.filters.length === 0) throw new Error(`${this.node.path}: a stream consumer needs at least one filter`);

    this.failureQueue = new sqs.Queue(this, 'FailureQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.failureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the on-failure destination of the stream consumer: it receives descriptions of failed batches and is read by operators, never by a consumer that could fail',
    });

    this.eventSource = new sources.DynamoEventSource(props.table.table, {
      startingPosition: lambda.StartingPosition.LATEST,
      batchSize,
      bisectBatchOnError: true,
      retryAttempts,
      onFailure: new sources.SqsDlq(this.failureQueue),
      filters: [...props.filters],
    });
    props.consumer.function.addEventSource(this.eventSource);
  }
}
