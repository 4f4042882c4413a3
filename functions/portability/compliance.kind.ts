import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from '../core/zod';
import { fixedPartitions, isKey, RETENTION_CLASSES, writeBackAsIs, type DataKind } from '../data/data-kind';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../data/keys';
import type { ItemWrite } from '../data/mutation.executor';

/**
 * A tenant's compliance settings: how long each data class of the catalogue is kept, and a legal hold that suspends
 * every deletion of the tenant's data (retention, purges at member removal, offboarding, migration, restore) until
 * it is lifted. One item per tenant, in its own partition.
 */

/**
 * Days an item of a class is kept; absent: kept until the tenant deletes it (or offboards). The period deletes the
 * items of the class's expiring kinds (DataKind.expiry) once it has passed since their last write; for the audit
 * class it is a minimum the log always meets, since the hash chain is kept whole while the tenant exists.
 */
export const retentionDaysSchema = z.int().check(z.gte(1), z.lte(36_500));

export const retentionSettingsSchema = z.strictObject(Object.fromEntries(RETENTION_CLASSES.map((name) => [name, z.optional(retentionDaysSchema)])));
export type RetentionSettings = Partial<Record<(typeof RETENTION_CLASSES)[number], number>>;

export const legalHoldSchema = z.strictObject({
  reason: z.string().check(z.minLength(1), z.maxLength(1024)),
  placedAt: z.iso.datetime(),
  placedBy: z.string().check(z.maxLength(256)),
});
export type LegalHold = z.infer<typeof legalHoldSchema>;

export const complianceSettingsSchema = z.object({
  retention: retentionSettingsSchema,
  legalHold: z.optional(legalHoldSchema),
  updatedAt: z.iso.datetime(),
  version: z.int().check(z.positive()),
});
export type ComplianceSettings = z.infer<typeof complianceSettingsSchema>;

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

/** The tenant's settings as stored, if any. */
export async function readComplianceSettings(db: DynamoDBDocumentClient, tableName: string, tenantId: string): Promise<ComplianceSettings | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: keys.complianceSettings(tenantId), ConsistentRead: true }));
  return Item ? complianceSettingsSchema.parse(Item) : undefined;
}

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
