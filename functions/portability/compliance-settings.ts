import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from '../core/zod';
import { RETENTION_CLASSES } from '../data/data-kind';
import * as keys from '../data/table-keys';

/**
 * A tenant's compliance settings: how long each data class of the catalogue is kept, and a legal hold that suspends
 * every deletion of the tenant's data (retention, purges at member removal, offboarding, migration, restore) until
 * it is lifted. One item per tenant, in its own partition; its kind is in compliance.kind.ts. Apart from the kinds so
 * that the groups that only read the settings (retention on write) bundle neither the kinds nor their schemas.
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

/** The tenant's settings as stored, if any. */
export async function readComplianceSettings(db: DynamoDBDocumentClient, tableName: string, tenantId: string): Promise<ComplianceSettings | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: keys.complianceSettings(tenantId), ConsistentRead: true }));
  return Item ? complianceSettingsSchema.parse(Item) : undefined;
}
