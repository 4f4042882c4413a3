import { DescribeContinuousBackupsCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * When the region's table was last backed up, for the compliance report: a port, so the report says only what the
 * environment can prove.
 */
export interface BackupStatus {
  /** The latest completed backup of the table (ISO 8601), or undefined when there is none to restore from. */
  lastBackup(): Promise<string | undefined>;
}

/** Locally: DynamoDB Local keeps no backups (and the drill's scratch copy is deleted when the drill ends). */
export const NO_BACKUPS: BackupStatus = { lastBackup: async () => undefined };

/** How long a backup status is kept by a function instance: the latest restorable time moves by the minute anyway. */
export const BACKUP_STATUS_CACHE_MS = 60_000;

export interface PointInTimeRecoveryStatusProps {
  /** A client with the function's own credentials: DescribeContinuousBackups on the table is its only DynamoDB grant. */
  readonly client: Pick<DynamoDBClient, 'send'>;
  readonly tableName: string;
  /** @default Date.now */
  readonly clock?: () => number;
}

/**
 * The table's point-in-time recovery: its latest restorable time is the newest completed backup there is (a few
 * minutes old; AWS Backup's daily snapshots of the same table are older by construction, so they are never the
 * latest). Undefined while point-in-time recovery is off. Kept for BACKUP_STATUS_CACHE_MS per function instance.
 */
export class PointInTimeRecoveryStatus implements BackupStatus {
  private cached?: { readonly at: number; readonly value: Promise<string | undefined> };
  private readonly clock: () => number;

  constructor(private readonly props: PointInTimeRecoveryStatusProps) {
    this.clock = props.clock ?? Date.now;
  }

  lastBackup(): Promise<string | undefined> {
    const now = this.clock();
    if (!this.cached || now - this.cached.at >= BACKUP_STATUS_CACHE_MS) {
      const value = this.describe();
      this.cached = { at: now, value };
      // A failed call is not kept: the next report asks again.
      value.catch(() => {
        if (this.cached?.value === value) this.cached = undefined;
      });
    }
    return this.cached.value;
  }

  private async describe(): Promise<string | undefined> {
    const { ContinuousBackupsDescription } = await this.props.client.send(new DescribeContinuousBackupsCommand({ TableName: this.props.tableName }));
    const recovery = ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
    if (recovery?.PointInTimeRecoveryStatus !== 'ENABLED' || !recovery.LatestRestorableDateTime) return undefined;
    return new Date(recovery.LatestRestorableDateTime).toISOString();
  }
}
