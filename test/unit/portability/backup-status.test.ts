import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BACKUP_STATUS_CACHE_MS, NO_BACKUPS, PointInTimeRecoveryStatus } from '../../../functions/portability/backup-status';

/** A client that answers DescribeContinuousBackups with the given description and records the tables asked about. */
function continuousBackups(describe: () => unknown) {
  const tables: string[] = [];
  const client = {
    send: async (command: { input: { TableName: string } }) => {
      tables.push(command.input.TableName);
      return { ContinuousBackupsDescription: describe() };
    },
  } as unknown as Pick<DynamoDBClient, 'send'>;
  return { client, tables };
}

const enabled = (at: string) => ({
  ContinuousBackupsStatus: 'ENABLED',
  PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'ENABLED', LatestRestorableDateTime: new Date(at) },
});

describe('backup status of the compliance report', () => {
  it("reports the table's latest restorable time while point-in-time recovery is on", async () => {
    // Prepare
    const { client, tables } = continuousBackups(() => enabled('2026-12-03T04:00:00Z'));

    // Act
    const last = await new PointInTimeRecoveryStatus({ client, tableName: 'agent-platform-dev' }).lastBackup();

    // Assess
    expect(last).toBe('2026-12-03T04:00:00.000Z');
    expect(tables).toEqual(['agent-platform-dev']);
  });

  it('reports no backup while point-in-time recovery is off', async () => {
    // Prepare
    const { client } = continuousBackups(() => ({
      ContinuousBackupsStatus: 'ENABLED',
      PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'DISABLED' },
    }));

    // Act / Assess
    expect(await new PointInTimeRecoveryStatus({ client, tableName: 't' }).lastBackup()).toBeUndefined();
  });

  it('asks DynamoDB once per cache lifetime, and again after a failed call', async () => {
    // Prepare
    let now = 0;
    let fail = true;
    const { client, tables } = continuousBackups(() => {
      if (fail) throw new Error('throttled');
      return enabled(new Date(now).toISOString());
    });
    const status = new PointInTimeRecoveryStatus({ client, tableName: 't', clock: () => now });

    // Act
    const failed = await status.lastBackup().catch((error: Error) => error.message);
    fail = false;
    const first = await status.lastBackup();
    now += BACKUP_STATUS_CACHE_MS - 1;
    const cached = await status.lastBackup();
    now += 1;
    const fresh = await status.lastBackup();

    // Assess
    expect(failed).toBe('throttled');
    expect(first).toBe(new Date(0).toISOString());
    expect(cached).toBe(first);
    expect(fresh).toBe(new Date(BACKUP_STATUS_CACHE_MS).toISOString());
    expect(tables).toHaveLength(3);
  });

  it('reports no backup locally, where DynamoDB Local keeps none', async () => {
    expect(await NO_BACKUPS.lastBackup()).toBeUndefined();
  });
});
