import { Aws, type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { SCRATCH_TABLE_INFIX } from '../../functions/portability/recovery-drill';
import { DataAccessRole, READ_ACTIONS, TENANT_LEADING_KEY_PATTERN, TENANT_SESSION_TAG } from './data-access-roles';
import type { PlatformFunction } from './platform-function';
import type { IPlatformTable } from './platform-table';

/** Weekly, Sunday 05:15 UTC: after the daily AWS Backup (03:00), when the platform is quietest. */
export const RECOVERY_DRILL_SCHEDULE = events.Schedule.cron({ weekDay: 'SUN', hour: '5', minute: '15' });

/** How long the state machine waits between two looks at the restoring table. */
export const RESTORE_POLL_INTERVAL = Duration.minutes(2);

/**
 * Looks at the restoring table before the drill gives up: 180 × 2 minutes = 6 hours, past which a restore of the
 * region's table is an incident of its own (the runbook's RecoveryDrillFailures section).
 */
export const MAX_RESTORE_POLLS = 180;

/** Item actions a point-in-time restore needs on the table it creates (DynamoDB writes the copy as the caller). */
const RESTORE_TARGET_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:BatchWriteItem',
];

/** A table the drill restores: its ARNs, and how it is encrypted (the restored copy is encrypted the same way). */
export type RestorableTable = IPlatformTable & { readonly encryption: dynamodb.TableEncryptionV2 };

export interface RecoveryDrillProps {
  /** The region's table: what is restored, and where each tenant's outcome is recorded (by the drill function). */
  readonly table: RestorableTable;
  /** The table's physical name (fixed per stage): scratch tables are named `<name>-drill-<epoch ms>`. */
  readonly tableName: string;
  /**
   * The function that checks the restored copy per tenant (functions/api/recovery-drill.ts), already bound to the
   * region's data roles; it is given the scratch role here.
   */
  readonly drill: PlatformFunction;
  /**
   * When the drill runs.
   * @default RECOVERY_DRILL_SCHEDULE (weekly)
   */
  readonly schedule?: events.Schedule;
  /**
   * Looks at the restoring table, RESTORE_POLL_INTERVAL apart, before the drill fails.
   * @default MAX_RESTORE_POLLS
   */
  readonly maxPolls?: number;
}

/**
 * The scheduled recovery drill of a region: a state machine restores the region's table to a scratch table at its
 * latest restorable time (point-in-time recovery), waits until it is ACTIVE, has the drill function check every
 * tenant homed in the region in that copy and record the outcome (in rounds of about 10 minutes, one invocation each,
 * until no tenant is left; a tenant too large for one round goes on in the next where it paused), and always deletes the scratch table, also when a step failed (then the execution fails
 * and RecoveryDrillFailures alarms).
 *
 * The table calls are Step Functions' own AWS SDK integrations, not Lambda steps: a restore runs for minutes to
 * hours, which a Wait loop spends without compute, and each call's permission is a statement of the state machine's
 * role scoped to the source table or the scratch tables. Only the per-tenant checks, which need the catalogue, run
 * in a function.
 */
export class RecoveryDrill extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly rule: events.Rule;
  /** Reads of one tenant's keys (tenant session tag) in the scratch tables, for the drill function only. */
  readonly scratchRole: DataAccessRole;
  readonly alarm: cloudwatch.Alarm;
  /** ARN pattern of the scratch tables: the only tables the drill creates, reads and deletes. */
  readonly scratchTableArns: string;

  constructor(scope: Construct, id: string, props: RecoveryDrillProps) {
    super(scope, id);
    const maxPolls = props.maxPolls ?? MAX_RESTORE_POLLS;
    if (!Number.isInteger(maxPolls) || maxPolls < 1 || maxPolls > 1_000) throw new Error(`maxPolls must be an integer from 1 to 1000, got ${maxPolls}`);
    this.scratchTableArns = `arn:${Aws.PARTITION}:dynamodb:${Aws.REGION}:${Aws.ACCOUNT_ID}:table/${props.tableName}${SCRATCH_TABLE_INFIX}*`;
    this.scratchRole = this.createScratchRole(props);

    const logGroup = new logs.LogGroup(this, 'StateMachineLogs', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.RETAIN });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      queryLanguage: sfn.QueryLanguage.JSONATA,
      definitionBody: sfn.DefinitionBody.fromChainable(this.definition(props, maxPolls)),
      timeout: Duration.hours(12),
      tracingEnabled: true,
      // Execution data is table names and per-tenant outcomes (tenant ids, counts), which the logs may keep.
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    this.grantEncryption(props.table.encryption);
    this.acknowledgeGrants(props);

    this.rule = new events.Rule(this, 'Schedule', {
      description: `Recovery drill of ${props.tableName} in ${Stack.of(this).region}: restore to a scratch table, verify every tenant, delete it`,
      schedule: props.schedule ?? RECOVERY_DRILL_SCHEDULE,
      targets: [new targets.SfnStateMachine(this.stateMachine, { retryAttempts: 2 })],
    });
    this.alarm = this.createAlarm();
  }

  /** The drill function reads the scratch tables as the tenant data role reads the live one: one tenant's keys per session. */
  private createScratchRole(props: RecoveryDrillProps): DataAccessRole {
    const role = new DataAccessRole(this, 'ScratchData', {
      table: { tableArn: this.scratchTableArns, indexArns: [] },
      leadingKeyPattern: TENANT_LEADING_KEY_PATTERN,
      actions: READ_ACTIONS,
      requiredSessionTag: TENANT_SESSION_TAG,
      description: `Reads of one tenant's keys (T#<${TENANT_SESSION_TAG} session tag>#*) of the recovery drill's scratch tables`,
    });
    role.grantAssume(props.drill.role);
    props.drill.function.addEnvironment('DRILL_SCRATCH_ROLE_ARN', role.roleArn);
    return role;
  }

  private definition(props: RecoveryDrillProps, maxPolls: number): sfn.IChainable {
    const failed = { errors: [sfn.Errors.ALL], assign: { failure: '{% $states.errorOutput %}' } };
    const cleanUp = this.deleteScratchTable();
    const restore = this.restore(props);
    restore.addCatch(cleanUp, failed);
    const describe = tasks.CallAwsService.jsonata(this, 'DescribeScratchTable', {
      service: 'dynamodb',
      action: 'describeTable',
      iamAction: 'dynamodb:DescribeTable',
      iamResources: [this.scratchTableArns],
      parameters: { TableName: '{% $scratchTable %}' },
      assign: { polls: '{% $polls + 1 %}', status: '{% $states.result.Table.TableStatus %}' },
    });
    describe.addCatch(cleanUp, failed);
    const drill = tasks.LambdaInvoke.jsonata(this, 'DrillTenants', {
      comment:
        "One round: checks the region's tenants after $after (going on with a paused one from $resume) in the scratch table for about 10 minutes and records each outcome; the last round fails when any tenant's drill failed",
      lambdaFunction: props.drill.function,
      payload: sfn.TaskInput.fromObject({
        scratchTable: '{% $scratchTable %}',
        after: '{% $after %}',
        drilled: '{% $drilled %}',
        failed: '{% $failedTenants %}',
        resume: '{% $resume %}',
      }),
      outputs: '{% $states.result.Payload %}',
      assign: {
        after: '{% $states.result.Payload.next %}',
        drilled: '{% $states.result.Payload.tenants %}',
        failedTenants: '{% $states.result.Payload.failedTotal %}',
        resume: '{% $states.result.Payload.resume %}',
      },
      taskTimeout: sfn.Timeout.duration(Duration.minutes(16)),
    });
    drill.addCatch(cleanUp, failed);
    const moreTenants = sfn.Choice.jsonata(this, 'MoreTenants')
      .when(sfn.Condition.jsonata('{% $after != null or $resume != null %}'), drill)
      .otherwise(cleanUp);
    const tooLong = sfn.Pass.jsonata(this, 'RestoreTookTooLong', {
      assign: { failure: { Error: 'RestoreTimedOut', Cause: `the scratch table was not ACTIVE after ${maxPolls} looks` } },
    }).next(cleanUp);
    const wait = sfn.Wait.jsonata(this, 'WaitForRestore', { time: sfn.WaitTime.duration(RESTORE_POLL_INTERVAL) });
    const restored = sfn.Choice.jsonata(this, 'Restored')
      .when(sfn.Condition.jsonata("{% $status = 'ACTIVE' %}"), drill.next(moreTenants))
      .when(sfn.Condition.jsonata(`{% $polls >= ${maxPolls} %}`), tooLong)
      .otherwise(wait);
    return sfn.Pass.jsonata(this, 'NameScratchTable', {
      assign: {
        scratchTable: `{% '${props.tableName}${SCRATCH_TABLE_INFIX}' & $string($millis()) %}`,
        polls: 0,
        status: 'NONE',
        failure: null,
        after: null,
        drilled: 0,
        failedTenants: 0,
        resume: null,
      },
    }).next(restore.next(wait.next(describe.next(restored))));
  }

  /** Restores the table at its latest restorable time to the scratch table, encrypted as the table is, billed on demand. */
  private restore(props: RecoveryDrillProps): tasks.CallAwsService {
    return tasks.CallAwsService.jsonata(this, 'RestoreToScratchTable', {
      service: 'dynamodb',
      action: 'restoreTableToPointInTime',
      iamAction: 'dynamodb:RestoreTableToPointInTime',
      iamResources: [props.table.tableArn, this.scratchTableArns],
      additionalIamStatements: [new iam.PolicyStatement({ actions: RESTORE_TARGET_ACTIONS, resources: [this.scratchTableArns] })],
      parameters: {
        SourceTableArn: props.table.tableArn,
        TargetTableName: '{% $scratchTable %}',
        UseLatestRestorableTime: true,
        BillingModeOverride: 'PAY_PER_REQUEST',
        SSESpecificationOverride: sseOf(props.table.encryption),
      },
    });
  }

  /**
   * Deletes the scratch table, then ends as the drill went. A table still restoring (the polls ran out) cannot be
   * deleted yet: the delete is retried until it can. A restore that never created the table leaves nothing to delete.
   */
  private deleteScratchTable(): sfn.IChainable {
    const outcome = sfn.Choice.jsonata(this, 'DrillOutcome')
      .when(sfn.Condition.jsonata('{% $failure = null %}'), new sfn.Succeed(this, 'DrillSucceeded'))
      .otherwise(sfn.Fail.jsonata(this, 'DrillFailed', { error: '{% $failure.Error %}', cause: '{% $substring($string($failure.Cause), 0, 1900) %}' }));
    const remove = tasks.CallAwsService.jsonata(this, 'DeleteScratchTable', {
      service: 'dynamodb',
      action: 'deleteTable',
      iamAction: 'dynamodb:DeleteTable',
      iamResources: [this.scratchTableArns],
      parameters: { TableName: '{% $scratchTable %}' },
    });
    remove.addRetry({ errors: ['DynamoDb.ResourceInUseException'], interval: Duration.minutes(5), maxAttempts: 36, backoffRate: 1 });
    remove.addRetry({ errors: ['DynamoDb.LimitExceededException', 'DynamoDb.InternalServerErrorException'], interval: Duration.seconds(30), maxAttempts: 6 });
    remove.addCatch(outcome, { errors: ['DynamoDb.ResourceNotFoundException'] });
    remove.addCatch(
      sfn.Fail.jsonata(this, 'ScratchTableNotDeleted', {
        error: 'ScratchTableNotDeleted',
        cause: "{% 'delete ' & $scratchTable & ' by hand: ' & $substring($string($states.input), 0, 1500) %}",
      }),
      { errors: [sfn.Errors.ALL] },
    );
    return remove.next(outcome);
  }

  /** A restore under a customer managed key needs that key: the state machine to write the copy, the drill to read it. */
  private grantEncryption(encryption: dynamodb.TableEncryptionV2): void {
    const key = encryption.tableKey;
    if (encryption.type !== dynamodb.TableEncryption.CUSTOMER_MANAGED || !key) return;
    key.grant(this.stateMachine.role, 'kms:DescribeKey', 'kms:CreateGrant', 'kms:Decrypt', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*');
    key.grantDecrypt(this.scratchRole.role);
  }

  private createAlarm(): cloudwatch.Alarm {
    const period = Duration.minutes(5);
    return new cloudwatch.Alarm(this, 'RecoveryDrillFailures', {
      metric: new cloudwatch.MathExpression({
        expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)',
        label: 'Recovery drill executions that did not succeed',
        period,
        usingMetrics: {
          failed: this.stateMachine.metricFailed({ period, statistic: 'Sum' }),
          timedOut: this.stateMachine.metricTimedOut({ period, statistic: 'Sum' }),
          aborted: this.stateMachine.metricAborted({ period, statistic: 'Sum' }),
        },
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: 'A recovery drill failed (a tenant failed its checks, the restore failed or took too long), timed out or was aborted',
    });
  }

  /** Why each wildcard of the drill's grants stays. */
  private acknowledgeGrants(props: RecoveryDrillProps): void {
    const scratch = `arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table/${props.tableName}${SCRATCH_TABLE_INFIX}*`;
    const functionId = Stack.of(this).getLogicalId(props.drill.function.node.defaultChild as CfnElement);
    Validations.of(this.stateMachine.role).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::${scratch}]`,
        reason:
          "The drill's scratch tables are named per run when it starts: it restores into, describes and deletes tables named after the region's table with the drill suffix, and no other",
      },
      { id: `AwsSolutions-IAM5[Resource::<${functionId}.Arn>:*]`, reason: "Step Functions' Lambda integration grant on the drill function's versions" },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'CloudWatch Logs delivery and X-Ray tracing of the state machine: these actions have no resource-level permissions',
      },
    );
    Validations.of(this.scratchRole.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${scratch}]`,
      reason: "Scratch tables are named per run: reads of the tenant's own keys (LeadingKeys with the session's TenantId) of the drill's scratch tables only",
    });
  }
}

/** The restore's encryption: the same kind of key as the table's (DynamoDB's own key when SSE is not enabled). */
export function sseOf(encryption: dynamodb.TableEncryptionV2): Record<string, unknown> {
  switch (encryption.type) {
    case dynamodb.TableEncryption.CUSTOMER_MANAGED:
      return { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: encryption.tableKey?.keyArn };
    case dynamodb.TableEncryption.AWS_MANAGED:
      return { Enabled: true, SSEType: 'KMS' };
    default:
      return { Enabled: false };
  }
}
