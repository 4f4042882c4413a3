import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as logsDestinations from 'aws-cdk-lib/aws-logs-destinations';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { addOperatorTopic } from './operator-topic';
import type { ServiceLevel } from '../../functions/billing/service-levels.catalogue';
import { METRIC_DIMENSIONS, METRIC_NAMES, METRICS_NAMESPACE, METRICS_SERVICE } from '../../functions/core/metric-names';

export interface PlatformObservabilityProps {
  /** Deployment stage: part of the dashboard and topic names. */
  readonly stage: string;
  /** The API stage's access log group: throttled requests (429) are counted from it. */
  readonly accessLogGroup: logs.ILogGroup;
  /**
   * The function the access log's 429 lines are delivered to (a subscription filter): it adds them to each tenant's
   * health and writes `Throttles` per tier.
   */
  readonly throttleRecorder: lambda.IFunction;
  /** Service levels by tier (plan id): one dashboard and one p99 and error-rate alarm each. */
  readonly serviceLevels: Readonly<Record<string, ServiceLevel>>;
  /** Dead-letter queues of the region by name: an alarm on each one's depth. */
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
  /** Work queues of the region by name, with the backlog (visible messages, for fifteen minutes) that raises an alarm. @default none */
  readonly workQueues?: Readonly<Record<string, { readonly queue: sqs.IQueue; readonly backlog: number }>>;
  /**
   * Operators' e-mail addresses subscribed to the alarm topic.
   * @default none
   */
  readonly alarmEmails?: readonly string[];
  /**
   * Server-error share over five minutes (of at least `minimumRequests`) that raises the platform alarm.
   * @default 0.05
   */
  readonly serverErrorRate?: number;
  /**
   * Requests in five minutes below which error rates do not alarm (a single failure of two requests is no outage).
   * @default 20
   */
  readonly minimumRequests?: number;
  /**
   * Throttled requests (429 by usage plans) within five minutes that raise the throttle alarm.
   * @default 100
   */
  readonly throttleThreshold?: number;
  /**
   * Authorizer refusals within five minutes that raise the denial-spike alarm (credential stuffing, a broken client).
   * @default 100
   */
  readonly authorizerDenialThreshold?: number;
}

const PERIOD = Duration.minutes(5);

/** A platform metric of the request metrics (namespace and `service` dimension of functions/observability). */
function platformMetric(metricName: string, statistic: string, dimensions: Record<string, string> = {}, label?: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { [METRIC_DIMENSIONS.service]: METRICS_SERVICE, ...dimensions },
    statistic,
    period: PERIOD,
    ...(label ? { label } : {}),
  });
}

/** Share of server errors among requests, zero below the minimum traffic. */
function serverErrorRate(dimensions: Record<string, string>, minimumRequests: number, label: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `IF(requests >= ${minimumRequests}, errors / requests, 0)`,
    usingMetrics: {
      requests: platformMetric(METRIC_NAMES.requests, 'Sum', dimensions),
      errors: platformMetric(METRIC_NAMES.serverErrors, 'Sum', dimensions),
    },
    period: PERIOD,
    label,
  });
}

const SLA_PERIOD = Duration.hours(1);

/** Share of an hour's requests answered without a server error; 1 below the minimum traffic (a quiet hour is no outage). */
function availability(dimensions: Record<string, string>, minimumRequests: number, label: string): cloudwatch.MathExpression {
  const hourly = (metricName: string) =>
    new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { [METRIC_DIMENSIONS.service]: METRICS_SERVICE, ...dimensions },
      statistic: 'Sum',
      period: SLA_PERIOD,
    });
  return new cloudwatch.MathExpression({
    expression: `IF(requests >= ${minimumRequests}, 1 - errors / requests, 1)`,
    usingMetrics: { requests: hourly(METRIC_NAMES.requests), errors: hourly(METRIC_NAMES.serverErrors) },
    period: SLA_PERIOD,
    label,
  });
}

/**
 * The region's observability: an encrypted operator topic that every alarm of the stack notifies, the platform
 * dashboard and one per tier (traffic, errors, p99 against the tier's SLA, throttles, quota refusals, cost drivers),
 * and the alarms on error rate, p99 and availability per tier, throttles, authorizer denial spikes, dead letters and audit verify
 * failures. Metric names and dimensions come from functions/core/metric-names.ts.
 */
export class PlatformObservability extends Construct {
  readonly topic: sns.Topic;
  readonly topicKey: kms.Key;
  readonly platformDashboard: cloudwatch.Dashboard;
  readonly tierDashboards: Readonly<Record<string, cloudwatch.Dashboard>>;
  readonly alarms: cloudwatch.Alarm[] = [];
  /** Requests the usage plans refused, counted from the access log (API Gateway answers them before any function). */
  readonly throttles: cloudwatch.Metric;
  /** Delivers the access log's 429 lines to the throttle recorder (per-tenant health, `Throttles` per tier). */
  readonly throttleSubscription: logs.SubscriptionFilter;

  constructor(scope: Construct, id: string, props: PlatformObservabilityProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    const minimumRequests = props.minimumRequests ?? 20;

    const operators = addOperatorTopic(this, {
      topicName: `agent-platform-${props.stage}-alarms`,
      displayName: `Agent platform ${props.stage} alarms (${region})`,
      keyDescription: `Encrypts the agent platform's (${props.stage}) alarm topic`,
      alarmEmails: props.alarmEmails,
    });
    this.topic = operators.topic;
    this.topicKey = operators.key;

    const throttleFilter = new logs.MetricFilter(this, 'ThrottlesFilter', {
      logGroup: props.accessLogGroup,
      filterPattern: logs.FilterPattern.stringValue('$.status', '=', '429'),
      metricNamespace: METRICS_NAMESPACE,
      metricName: METRIC_NAMES.throttles,
      metricValue: '1',
      defaultValue: 0,
    });
    this.throttles = throttleFilter.metric({ statistic: 'Sum', period: PERIOD, label: 'Throttled requests (all tiers)' });
    this.throttleSubscription = new logs.SubscriptionFilter(this, 'ThrottlesSubscription', {
      logGroup: props.accessLogGroup,
      destination: new logsDestinations.LambdaDestination(props.throttleRecorder),
      filterPattern: logs.FilterPattern.stringValue('$.status', '=', '429'),
    });

    this.createAlarms(props, minimumRequests);
    this.platformDashboard = this.createPlatformDashboard(props, region);
    this.tierDashboards = Object.fromEntries(
      Object.entries(props.serviceLevels).map(([tier, level]) => [tier, this.createTierDashboard(props, region, tier, level, minimumRequests)]),
    );
  }

  private alarm(
    id: string,
    metric: cloudwatch.IMetric,
    threshold: number,
    description: string,
    evaluationPeriods = 1,
    comparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods,
      comparisonOperator,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    this.alarms.push(alarm);
    return alarm;
  }

  private createAlarms(props: PlatformObservabilityProps, minimumRequests: number): void {
    const errorRate = props.serverErrorRate ?? 0.05;
    this.alarm(
      'ServerErrorRate',
      serverErrorRate({}, minimumRequests, 'Server error rate'),
      errorRate,
      `${errorRate * 100} % or more of the requests of five minutes answered 5xx (at ${minimumRequests} requests or more)`,
    );
    for (const [tier, level] of Object.entries(props.serviceLevels)) {
      const dimensions = { [METRIC_DIMENSIONS.tier]: tier };
      this.alarm(
        `ServerErrorRate-${tier}`,
        serverErrorRate(dimensions, minimumRequests, `Server error rate (${tier})`),
        level.serverErrorRate,
        `The ${tier} tier's server error rate reached its SLA limit of ${level.serverErrorRate * 100} % over five minutes`,
      );
      this.alarm(
        `Availability-${tier}`,
        availability(dimensions, minimumRequests, `Availability (${tier})`),
        level.availability,
        `The ${tier} tier answered less than ${level.availability * 100} % of an hour's requests without a server error (its SLA)`,
        1,
        cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      );
      this.alarm(
        `LatencyP99-${tier}`,
        platformMetric(METRIC_NAMES.latency, 'p99', dimensions),
        level.p99LatencyMs,
        `The ${tier} tier's p99 latency was at or above its SLA of ${level.p99LatencyMs} ms for 15 minutes`,
        3,
      );
    }
    const throttles = props.throttleThreshold ?? 100;
    this.alarm('Throttles', this.throttles, throttles, `Usage plans refused ${throttles} or more requests within five minutes`);
    const denials = props.authorizerDenialThreshold ?? 100;
    this.alarm(
      'AuthorizerDenials',
      platformMetric(METRIC_NAMES.authorizerDenials, 'Sum'),
      denials,
      `The authorizer refused ${denials} or more requests within five minutes`,
    );
    this.alarm(
      'AuditVerifyFailures',
      platformMetric(METRIC_NAMES.auditVerifyFailures, 'Sum'),
      1,
      "An audit log verification found a tenant's hash chain broken",
    );
    this.createQueueAlarms(props);
  }

  /** Dead letters waiting, and work queues falling behind. */
  private createQueueAlarms(props: PlatformObservabilityProps): void {
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      this.alarm(
        `DeadLetters-${name}`,
        queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
        1,
        `Messages wait in the ${name} dead-letter queue`,
      );
    }
    for (const [name, { queue, backlog }] of Object.entries(props.workQueues ?? {})) {
      this.alarm(
        `Backlog-${name}`,
        queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Minimum' }),
        backlog,
        `${backlog} or more messages waited in the ${name} queue for fifteen minutes`,
        3,
      );
    }
  }

  private createPlatformDashboard(props: PlatformObservabilityProps, region: string): cloudwatch.Dashboard {
    const dashboard = new cloudwatch.Dashboard(this, 'PlatformDashboard', {
      dashboardName: `agent-platform-${props.stage}-${region}`,
      defaultInterval: Duration.hours(3),
    });
    const byTier = (metricName: string, statistic: string) =>
      Object.keys(props.serviceLevels).map((tier) => platformMetric(metricName, statistic, { [METRIC_DIMENSIONS.tier]: tier }, tier));
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Requests by tier', left: byTier(METRIC_NAMES.requests, 'Sum'), stacked: true, width: 8 }),
      new cloudwatch.GraphWidget({
        title: 'Errors',
        left: [platformMetric(METRIC_NAMES.serverErrors, 'Sum', {}, '5xx'), platformMetric(METRIC_NAMES.clientErrors, 'Sum', {}, '4xx')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({ title: 'p99 latency by tier (ms)', left: byTier(METRIC_NAMES.latency, 'p99'), width: 8 }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Throttled requests (all, and by tier)',
        left: [this.throttles, ...byTier(METRIC_NAMES.throttles, 'Sum')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({ title: 'Quota refusals by tier', left: byTier(METRIC_NAMES.quotaRefusals, 'Sum'), width: 8 }),
      new cloudwatch.GraphWidget({
        title: 'Authorizer denials and audit verify failures',
        left: [
          platformMetric(METRIC_NAMES.authorizerDenials, 'Sum', {}, 'denials'),
          platformMetric(METRIC_NAMES.auditVerifyFailures, 'Sum', {}, 'audit failures'),
        ],
        width: 8,
      }),
    );
    dashboard.addWidgets(...this.costWidgets({}));
    dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 }));
    return dashboard;
  }

  private createTierDashboard(
    props: PlatformObservabilityProps,
    region: string,
    tier: string,
    level: ServiceLevel,
    minimumRequests: number,
  ): cloudwatch.Dashboard {
    const dimensions = { [METRIC_DIMENSIONS.tier]: tier };
    const dashboard = new cloudwatch.Dashboard(this, `TierDashboard-${tier}`, {
      dashboardName: `agent-platform-${props.stage}-${region}-${tier}`,
      defaultInterval: Duration.hours(3),
    });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: `Requests (${tier})`, left: [platformMetric(METRIC_NAMES.requests, 'Sum', dimensions, 'requests')], width: 8 }),
      new cloudwatch.GraphWidget({
        title: `Errors (${tier})`,
        left: [platformMetric(METRIC_NAMES.serverErrors, 'Sum', dimensions, '5xx'), platformMetric(METRIC_NAMES.clientErrors, 'Sum', dimensions, '4xx')],
        right: [serverErrorRate(dimensions, minimumRequests, 'server error rate')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: `p99 latency (${tier}, ms)`,
        left: [platformMetric(METRIC_NAMES.latency, 'p99', dimensions, 'p99')],
        leftAnnotations: [{ value: level.p99LatencyMs, label: `SLA ${level.p99LatencyMs} ms`, color: cloudwatch.Color.RED }],
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `Throttled requests (${tier})`,
        left: [platformMetric(METRIC_NAMES.throttles, 'Sum', dimensions, 'throttled')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: `Quota refusals (${tier})`,
        left: [platformMetric(METRIC_NAMES.quotaRefusals, 'Sum', dimensions, 'refusals')],
        width: 8,
      }),
      ...this.costWidgets(dimensions).slice(0, 1),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `Availability (${tier}, hourly)`,
        left: [availability(dimensions, minimumRequests, 'availability')],
        leftAnnotations: [{ value: level.availability, label: `SLA ${level.availability * 100} %`, color: cloudwatch.Color.RED }],
        width: 8,
      }),
    );
    return dashboard;
  }

  /** What drives cost: DynamoDB capacity units and model tokens (priced per tenant by the usage report). */
  private costWidgets(dimensions: Record<string, string>): cloudwatch.GraphWidget[] {
    return [
      new cloudwatch.GraphWidget({
        title: 'DynamoDB capacity units',
        left: [
          platformMetric(METRIC_NAMES.readCapacityUnits, 'Sum', dimensions, 'read units'),
          platformMetric(METRIC_NAMES.writeCapacityUnits, 'Sum', dimensions, 'write units'),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Model tokens and latency',
        left: [
          platformMetric(METRIC_NAMES.modelInputTokens, 'Sum', dimensions, 'input tokens'),
          platformMetric(METRIC_NAMES.modelOutputTokens, 'Sum', dimensions, 'output tokens'),
        ],
        right: [platformMetric(METRIC_NAMES.modelLatency, 'p99', dimensions, 'p99 model latency (ms)')],
        width: 8,
      }),
    ];
  }
}
