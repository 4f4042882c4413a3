import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { addOperatorTopic } from './operator-topic';

export interface ControlPlaneAlarmsProps {
  /** Deployment stage: part of the topic name. */
  readonly stage: string;
  /** Dead-letter queues of the control plane by name: an alarm on each one's depth. */
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
  /** The provisioning state machine: an alarm on failed, timed-out and aborted executions. */
  readonly provisioning: sfn.IStateMachine;
  /** The control plane's functions by name: an alarm on each one's errors. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /**
   * Operators' e-mail addresses subscribed to the topic.
   * @default none
   */
  readonly alarmEmails?: readonly string[];
}

const PERIOD = Duration.minutes(5);

/**
 * The control plane's operator topic and alarms: dead letters of the onboarding rules, provisioning executions that
 * did not succeed (a tenant is then FAILED or stuck in offboarding), and function errors. Like the regions', the
 * topic notifies every alarm of the stack. Runbooks: docs/runbooks.md, one section per alarm.
 */
export class ControlPlaneAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly topicKey: kms.Key;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: ControlPlaneAlarmsProps) {
    super(scope, id);
    const operators = addOperatorTopic(this, {
      topicName: `agent-platform-${props.stage}-control-plane-alarms`,
      displayName: `Agent platform ${props.stage} control plane alarms`,
      keyDescription: `Encrypts the agent platform's (${props.stage}) control plane alarm topic`,
      alarmEmails: props.alarmEmails,
    });
    this.topic = operators.topic;
    this.topicKey = operators.key;

    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      this.alarm(
        `DeadLetters-${name}`,
        queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
        `Messages wait in the ${name} dead-letter queue`,
      );
    }
    const unsuccessful = new cloudwatch.MathExpression({
      expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)',
      label: 'Provisioning executions that did not succeed',
      period: PERIOD,
      usingMetrics: {
        failed: props.provisioning.metricFailed({ period: PERIOD, statistic: 'Sum' }),
        timedOut: props.provisioning.metricTimedOut({ period: PERIOD, statistic: 'Sum' }),
        aborted: props.provisioning.metricAborted({ period: PERIOD, statistic: 'Sum' }),
      },
    });
    this.alarm('ProvisioningFailures', unsuccessful, 'A provisioning or offboarding execution failed, timed out or was aborted');
    for (const [name, fn] of Object.entries(props.functions)) {
      this.alarm(`Errors-${name}`, fn.metricErrors({ period: PERIOD, statistic: 'Sum' }), `The ${name} function failed`);
    }
  }

  private alarm(id: string, metric: cloudwatch.IMetric, description: string): void {
    this.alarms.push(
      new cloudwatch.Alarm(this, id, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      }),
    );
  }
}
