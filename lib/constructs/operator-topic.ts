import { Aspects, RemovalPolicy, Stack, type IAspect } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct, IConstruct } from 'constructs';

export interface OperatorTopicOptions {
  /** The topic's name (SNS names are regional: the region stack and the control plane name theirs apart). */
  readonly topicName: string;
  /** The topic's display name. */
  readonly displayName: string;
  /** Describes the key. */
  readonly keyDescription: string;
  /**
   * Operators' e-mail addresses subscribed to the topic.
   * @default none
   */
  readonly alarmEmails?: readonly string[];
}

/** Adds the topic as alarm and OK action of every alarm of the stack, including those other constructs make. */
class NotifyEveryAlarm implements IAspect {
  private readonly notified = new WeakSet<cloudwatch.Alarm>();
  constructor(private readonly action: actions.SnsAction) {}
  visit(node: IConstruct): void {
    if (!(node instanceof cloudwatch.Alarm) || this.notified.has(node)) return;
    this.notified.add(node);
    node.addAlarmAction(this.action);
    node.addOkAction(this.action);
  }
}

/**
 * The operator topic of a stack, made in `scope` as `AlarmTopicKey` and `AlarmTopic` (ids kept from the region's
 * observability construct, so its resources keep their logical ids): encrypted with its own key, TLS only, the
 * configured operators subscribed, and the alarm and OK action of every alarm the stack has.
 */
export function addOperatorTopic(scope: Construct, options: OperatorTopicOptions): { readonly topic: sns.Topic; readonly key: kms.Key } {
  const key = new kms.Key(scope, 'AlarmTopicKey', { description: options.keyDescription, enableKeyRotation: true, removalPolicy: RemovalPolicy.DESTROY });
  // CloudWatch publishes alarm notifications to the encrypted topic: it needs the key for that, and nothing else.
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudWatchAlarmsPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
    }),
  );
  const topic = new sns.Topic(scope, 'AlarmTopic', { topicName: options.topicName, displayName: options.displayName, masterKey: key, enforceSSL: true });
  for (const email of options.alarmEmails ?? []) topic.addSubscription(new subscriptions.EmailSubscription(email));
  Aspects.of(Stack.of(scope)).add(new NotifyEveryAlarm(new actions.SnsAction(topic)));
  return { topic, key };
}
