import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface RegionAlarmsProps {
  /** The region's API: alarms on its 5xx answers. */
  readonly api: apigw.RestApi;
  /** The region's functions by name: alarms on their throttles. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** The region's table: alarms on throttled reads and writes. */
  readonly table: dynamodb.ITableV2;
  /** Stream consumers by name whose records must not wait: an alarm when the oldest record waited a minute. @default none */
  readonly streamConsumers?: Readonly<Record<string, lambda.IFunction>>;
  /**
   * 5xx answers within five minutes that raise the API alarm.
   * @default 5
   */
  readonly serverErrorThreshold?: number;
}

/**
 * The region's alarms: API 5xx answers, throttled functions, throttled table requests. Their actions are added by
 * PlatformObservability, which notifies its operator topic from every alarm of the stack.
 */
export class RegionAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: RegionAlarmsProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, threshold: number, description: string) => {
      this.alarms.push(
        new cloudwatch.Alarm(this, alarmId, {
          metric,
          threshold,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          alarmDescription: description,
        }),
      );
    };

    const serverErrors = props.serverErrorThreshold ?? 5;
    alarm(
      'ApiServerErrors',
      props.api.metricServerError({ period, statistic: 'Sum' }),
      serverErrors,
      `The API answered ${serverErrors} or more 5xx within 5 minutes`,
    );

    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(`Throttles-${name}`, fn.metricThrottles({ period, statistic: 'Sum' }), 1, `Lambda throttled invocations of the ${name} function`);
    }

    const tableThrottles = new cloudwatch.MathExpression({
      expression: 'FILL(reads, 0) + FILL(writes, 0)',
      label: 'Throttled table requests',
      period,
      usingMetrics: {
        reads: props.table.metric('ReadThrottleEvents', { period, statistic: 'Sum' }),
        writes: props.table.metric('WriteThrottleEvents', { period, statistic: 'Sum' }),
      },
    });
    alarm('TableThrottles', tableThrottles, 1, 'DynamoDB throttled reads or writes of the table');

    for (const [name, fn] of Object.entries(props.streamConsumers ?? {})) {
      const iteratorAge = fn.metric('IteratorAge', { period: Duration.minutes(1), statistic: 'Maximum' });
      alarm(`StreamDelay-${name}`, iteratorAge, 60_000, `The ${name} function's oldest stream record waited a minute or more`);
    }
  }
}
