import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from '../core/zod';
import { fixedPartitions, isKey, writeBackAsIs, type DataKind } from '../data/data-kind';
import * as keys from '../data/table-keys';
import type { ItemWrite } from '../data/mutation.executor';
import { complianceSettingsSchema, type LegalHold } from './compliance-settings';

/**
 * The compliance kinds of the catalogue: a tenant's settings (compliance-settings.ts), and the records of its last
 * recovery drill and retention sweep, each one item in the tenant's compliance partition.
 */

export const complianceSettingsKind: DataKind = {
  name: 'compliance-settings',
  retention: 'operational',
  schema: complianceSettingsSchema,
  accessPatterns: [{ name: 'get the tenant settings' }],
  partitions: fixedPartitions(keys.compliancePartition),
  owns: (key, tenantId) => isKey(key, keys.complianceSettings(tenantId)),
  writeBack: writeBackAsIs,
  crossTenant: 'omit',
  holdsDeletion: (item) => {
    const hold = item.legalHold as LegalHold | undefined;
    return hold ? `is under a legal hold since ${hold.placedAt}` : undefined;
  },
};

/** The outcome of the last recovery drill that restored this tenant's data into a scratch table (it feeds the compliance report). */
export const drillRecordSchema = z.object({
  drilledAt: z.iso.datetime(),
  succeeded: z.boolean(),
  items: z.int().check(z.nonnegative()),
  auditEntries: z.int().check(z.nonnegative()),
  detail: z.string().check(z.maxLength(2048)),
});
export type DrillRecord = z.infer<typeof drillRecordSchema>;

const drillKey = (tenantId: string) => ({ pk: keys.compliancePartition(tenantId), sk: 'DRILL' });

export const drillRecordKind: DataKind = {
  name: 'drill-record',
  retention: 'operational',
  schema: drillRecordSchema,
  accessPatterns: [{ name: 'get the last drill of the tenant' }],
  partitions: fixedPartitions(keys.compliancePartition),
  owns: (key, tenantId) => isKey(key, drillKey(tenantId)),
  writeBack: writeBackAsIs,
  crossTenant: 'omit',
};

/** The write that records a drill's outcome for the tenant (replacing the previous one), for the drill's audited mutation. */
export function drillRecordWrite(tenantId: string, record: DrillRecord): ItemWrite {
  return { put: { Item: { ...drillKey(tenantId), ...drillRecordSchema.parse(record) } } };
}

/** The tenant's last drill, if any. */
export async function readDrillRecord(db: DynamoDBDocumentClient, tableName: string, tenantId: string): Promise<DrillRecord | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: drillKey(tenantId), ConsistentRead: true }));
  return Item ? drillRecordSchema.parse(Item) : undefined;
}

/** What the last retention sweep of the tenant did (it feeds the compliance report). */
export const sweepRecordSchema = z.object({
  sweptAt: z.iso.datetime(),
  /** True when a legal hold was on: the sweep deleted nothing and took every retention TTL off. */
  held: z.boolean(),
  deleted: z.int().check(z.nonnegative()),
  stamped: z.int().check(z.nonnegative()),
});
export type SweepRecord = z.infer<typeof sweepRecordSchema>;

const sweepKey = (tenantId: string) => ({ pk: keys.compliancePartition(tenantId), sk: 'SWEEP' });

export const sweepRecordKind: DataKind = {
  name: 'retention-sweep-record',
  retention: 'operational',
  schema: sweepRecordSchema,
  accessPatterns: [{ name: 'get the last retention sweep of the tenant' }],
  partitions: fixedPartitions(keys.compliancePartition),
  owns: (key, tenantId) => isKey(key, sweepKey(tenantId)),
  writeBack: writeBackAsIs,
  crossTenant: 'omit',
};

/** Records a retention sweep's outcome for the tenant (replacing the previous one). */
export async function recordSweep(db: DynamoDBDocumentClient, tableName: string, tenantId: string, record: SweepRecord): Promise<void> {
  await db.send(new PutCommand({ TableName: tableName, Item: { ...sweepKey(tenantId), ...sweepRecordSchema.parse(record) } }));
}

/** The tenant's last retention sweep, if any. */
export async function readSweepRecord(db: DynamoDBDocumentClient, tableName: string, tenantId: string): Promise<SweepRecord | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: sweepKey(tenantId), ConsistentRead: true }));
  return Item ? sweepRecordSchema.parse(Item) : undefined;
}
