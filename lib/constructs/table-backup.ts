import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import type { IPlatformTable } from './platform-table';

export interface TableBackupProps {
  /** The table to back up. */
  readonly table: IPlatformTable;
  /**
   * Days a daily backup is kept.
   * @default 35
   */
  readonly dailyRetentionDays?: number;
  /**
   * Days a monthly backup is kept.
   * @default 365
   */
  readonly monthlyRetentionDays?: number;
}

/**
 * AWS Backup of the region's table into a vault of the same region. The plan has no copy actions: backups never
 * leave the residency region. Complements point-in-time recovery with longer-lived snapshots.
 */
export class TableBackup extends Construct {
  readonly vault: backup.BackupVault;
  readonly plan: backup.BackupPlan;

  constructor(scope: Construct, id: string, props: TableBackupProps) {
    super(scope, id);
    this.vault = new backup.BackupVault(this, 'Vault', { removalPolicy: RemovalPolicy.RETAIN });
    this.plan = new backup.BackupPlan(this, 'Plan', {
      backupVault: this.vault,
      backupPlanRules: [
        new backup.BackupPlanRule({
          ruleName: 'Daily',
          scheduleExpression: events.Schedule.cron({ hour: '3', minute: '0' }),
          deleteAfter: Duration.days(props.dailyRetentionDays ?? 35),
        }),
        new backup.BackupPlanRule({
          ruleName: 'Monthly',
          scheduleExpression: events.Schedule.cron({ day: '1', hour: '4', minute: '0' }),
          deleteAfter: Duration.days(props.monthlyRetentionDays ?? 365),
        }),
      ],
    });
    const selection = this.plan.addSelection('Table', {
      resources: [backup.BackupResource.fromArn(props.table.tableArn)],
    });
    Validations.of(selection).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      reason:
        'The AWS Backup service role uses the AWS-managed backup policy: it covers snapshot actions only (no item reads or writes) and follows new backup features',
    });
  }
}
