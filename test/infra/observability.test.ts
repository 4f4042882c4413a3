import { Match } from 'aws-cdk-lib/assertions';
import { PLAN_IDS } from '../../functions/billing/plan.catalogue';
import { runWorkerCapacity, SERVICE_LEVELS } from '../../functions/billing/service-levels.catalogue';
import { METRIC_NAMES, METRICS_NAMESPACE, METRICS_SERVICE } from '../../functions/core/metric-names';
import { buildFixture, CONFIG, logicalIdOf, templateOf } from './support/platform-fixture';

const fixture = buildFixture({ config: { ...CONFIG, alarmEmails: ['ops@platform.example'] } });

describe.each(CONFIG.regions)('observability of region %s', (region) => {
  const stack = fixture.stacks.regions.get(region)!;
  const { template, json } = templateOf(stack);
  const topicId = logicalIdOf(stack.observability.topic);

  it('has a platform dashboard and one dashboard per tier', () => {
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: `agent-platform-${CONFIG.stage}-${region}` });
    for (const tier of PLAN_IDS) {
      template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: `agent-platform-${CONFIG.stage}-${region}-${tier}` });
    }
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1 + PLAN_IDS.length);
  });

  it('gives every alarm of the stack, the existing ones included, the operator topic as alarm and OK action', () => {
    const alarms = Object.entries(json.Resources).filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThanOrEqual(15 + 2 * PLAN_IDS.length + 5);
    for (const [id, alarm] of alarms) {
      expect({ id, actions: alarm.Properties!.AlarmActions }).toEqual({ id, actions: [{ Ref: topicId }] });
      expect({ id, actions: alarm.Properties!.OKActions }).toEqual({ id, actions: [{ Ref: topicId }] });
    }
  });

  it('encrypts the topic with a rotated key CloudWatch may use, refuses plain HTTP and subscribes the configured e-mail', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue(), TopicName: `agent-platform-${CONFIG.stage}-alarms` });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] })]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@platform.example', TopicArn: { Ref: topicId } });
  });

  it('alarms on each tier’s p99 against its SLA and its server error rate, in the documented namespace and dimensions', () => {
    for (const tier of PLAN_IDS) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: METRICS_NAMESPACE,
        MetricName: METRIC_NAMES.latency,
        ExtendedStatistic: 'p99',
        Threshold: SERVICE_LEVELS[tier].p99LatencyMs,
        Dimensions: Match.arrayWith([
          { Name: 'service', Value: METRICS_SERVICE },
          { Name: 'tier', Value: tier },
        ]),
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Threshold: SERVICE_LEVELS[tier].serverErrorRate,
        Metrics: Match.arrayWith([
          Match.objectLike({
            MetricStat: Match.objectLike({
              Metric: { Namespace: METRICS_NAMESPACE, MetricName: METRIC_NAMES.serverErrors, Dimensions: Match.arrayWith([{ Name: 'tier', Value: tier }]) },
            }),
          }),
        ]),
      });
    }
  });

  it('alarms on each tier’s hourly availability below its SLA, from the catalogue', () => {
    for (const tier of PLAN_IDS) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Threshold: SERVICE_LEVELS[tier].availability,
        ComparisonOperator: 'LessThanThreshold',
        Metrics: Match.arrayWith([
          Match.objectLike({ Expression: Match.stringLikeRegexp('1 - errors / requests') }),
          Match.objectLike({
            Id: 'errors',
            MetricStat: Match.objectLike({
              Period: 3600,
              Metric: { Namespace: METRICS_NAMESPACE, MetricName: METRIC_NAMES.serverErrors, Dimensions: Match.arrayWith([{ Name: 'tier', Value: tier }]) },
            }),
          }),
        ]),
      });
    }
  });

  it('reserves the run workers of every tier for the run consumer, and lets the runs queue invoke no more at once', () => {
    const capacity = runWorkerCapacity(SERVICE_LEVELS);
    expect(capacity).toBe(Object.values(SERVICE_LEVELS).reduce((sum, level) => sum + level.runWorkers, 0));
    const consumerId = logicalIdOf(stack.functions['run-consumer'].function);
    expect(json.Resources[consumerId].Properties!.ReservedConcurrentExecutions).toBe(capacity);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: consumerId },
      ScalingConfig: { MaximumConcurrency: capacity },
    });
  });

  it('delivers the access log’s 429 lines to the throttle recorder, which may read tenant data only', () => {
    const recorder = stack.functions['throttle-recorder'];
    const recorderId = logicalIdOf(recorder.function);
    template.hasResourceProperties('AWS::Logs::SubscriptionFilter', {
      LogGroupName: { Ref: logicalIdOf(stack.api.accessLogGroup) },
      FilterPattern: '{ $.status = "429" }',
      DestinationArn: { 'Fn::GetAtt': [recorderId, 'Arn'] },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [recorderId, 'Arn'] },
      Principal: 'logs.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [logicalIdOf(stack.api.accessLogGroup), 'Arn'] },
    });
    const variables = Object.keys(json.Resources[recorderId].Properties!.Environment.Variables);
    expect(variables.filter((name) => name.endsWith('_DATA_ROLE_ARN'))).toEqual(['TENANT_DATA_ROLE_ARN']);
  });

  it('shows throttles per tier on each tier’s dashboard (written by the throttle recorder with the tier dimension)', () => {
    for (const tier of PLAN_IDS) {
      const dashboard = Object.values(json.Resources).find(
        (resource) =>
          resource.Type === 'AWS::CloudWatch::Dashboard' && resource.Properties?.DashboardName === `agent-platform-${CONFIG.stage}-${region}-${tier}`,
      )!;
      const body = JSON.stringify(dashboard.Properties!.DashboardBody);
      expect(body).toContain(`[\\"${METRICS_NAMESPACE}\\",\\"${METRIC_NAMES.throttles}\\",\\"service\\",\\"${METRICS_SERVICE}\\",\\"tier\\",\\"${tier}\\"`);
    }
  });

  it('alarms on throttles (counted from the access log), authorizer denial spikes, audit verify failures and dead letters', () => {
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.status = "429" }',
      MetricTransformations: [Match.objectLike({ MetricNamespace: METRICS_NAMESPACE, MetricName: METRIC_NAMES.throttles })],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: [Match.objectLike({ MetricStat: Match.objectLike({ Metric: { Namespace: METRICS_NAMESPACE, MetricName: METRIC_NAMES.throttles } }) })],
    });
    for (const metric of [METRIC_NAMES.authorizerDenials, METRIC_NAMES.auditVerifyFailures]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: METRICS_NAMESPACE,
        MetricName: metric,
        Dimensions: [{ Name: 'service', Value: METRICS_SERVICE }],
      });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(stack.memoryExpiry.failureQueue), 'QueueName'] } }],
    });
  });
});
