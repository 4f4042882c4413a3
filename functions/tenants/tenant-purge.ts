import { BatchWriteCommand, GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../core/errors';
import { enumerateKeys, type DataKind, type StoredKey } from '../data/data-kind';
import { TABLE_SCHEMA } from '../data/table.schema';

const { partitionKey: PK, sortKey: SK } = TABLE_SCHEMA;

/**
 * Tenant data kept outside the catalogue's items (the credential store's secrets, the tenant's migration records under
 * platform keys), deleted by the offboarding purge.
 */
export interface TenantDataElsewhere {
  /** Deletes all of the tenant's data there, found without the table's items; safe to run again; how many went. */
  deleteAll(tenantId: string): Promise<number>;
}

export interface TenantPurgeOptions {
  /**
   * Stores beyond the catalogue's items whose tenant data goes too: the offboarding purge names the credential store
   * and the migration records; the purge of a restore (which writes the tenant's items back) leaves them alone, and
   * that of a migration's source names only the credential store (its secrets were copied to the target; the
   * migration's record must outlive the source's purge, it shows the old region the outcome).
   * @default none: only the table's items are deleted
   */
  readonly elsewhere?: readonly TenantDataElsewhere[];
}

/** Most batch rounds for one batch of 25 before the purge gives up (DynamoDB kept returning unprocessed items). */
const MAX_BATCH_ROUNDS = 9;

/** Most passes over the catalogue before the purge gives up: items kept appearing under the tenant's keys. */
const MAX_PASSES = 3;

/**
 * Deletes a tenant's data in its home region, kind by kind from the catalogue it is given, through the
 * tenant-scoped client (so it cannot touch another tenant's keys). Every kind is enumerated by key before anything
 * is deleted, since some kinds are found through others (a workflow's runs through the nested-partition registry).
 * Data elsewhere goes after the legal-hold check and before the items, and is found by the tenant's name there rather
 * than through items, so a purge retried after the items went still finds it. The catalogue is enumerated again after
 * each pass of deletes until it comes back empty: an item created while the first pass ran (the first usage figures of
 * a period, which a meter writes only while the tenant's record exists, and the record goes first) is found by the next.
 */
export class TenantPurge {
  constructor(
    private readonly db: (tenantId: string) => DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly catalogue: readonly DataKind[],
    private readonly options: TenantPurgeOptions = {},
  ) {}

  /**
   * Deletes the tenant's data elsewhere, then every item of every kind, in catalogue order; returns how many items
   * (and things elsewhere) went. Safe to run again. Refused (409, nothing deleted) while the tenant is under a legal hold.
   */
  async purge(tenantId: string): Promise<number> {
    const db = this.db(tenantId);
    const enumerate = () => Promise.all(this.catalogue.map((kind) => enumerateKeys(kind, tenantId, db, this.tableName)));
    let perKind = await enumerate();
    await this.refuseUnderLegalHold(db, tenantId, perKind);
    let deleted = 0;
    for (const store of this.options.elsewhere ?? []) deleted += await store.deleteAll(tenantId);
    for (let pass = 1; perKind.some((keys) => keys.length > 0); pass++) {
      if (pass > MAX_PASSES) throw new Error(`purge did not finish: items of tenant ${tenantId} still appeared after ${MAX_PASSES} passes`);
      for (const keys of perKind) deleted += await this.deleteAll(db, keys);
      perKind = await enumerate();
    }
    return deleted;
  }

  /** Items of kinds that can hold deletion (a legal hold) are read first: while one holds, nothing is deleted. */
  private async refuseUnderLegalHold(db: DynamoDBDocumentClient, tenantId: string, perKind: readonly (readonly StoredKey[])[]): Promise<void> {
    for (const [i, kind] of this.catalogue.entries()) {
      if (!kind.holdsDeletion) continue;
      for (const key of perKind[i]) {
        const { Item } = await db.send(new GetCommand({ TableName: this.tableName, Key: { [PK]: key.pk, [SK]: key.sk }, ConsistentRead: true }));
        const held = Item ? kind.holdsDeletion(Item) : undefined;
        if (held) throw new ConflictError(`tenant ${tenantId} ${held}: none of its data is deleted until the hold is lifted`);
      }
    }
  }

  private async deleteAll(db: DynamoDBDocumentClient, keys: readonly StoredKey[]): Promise<number> {
    for (let i = 0; i < keys.length; i += 25) {
      await this.deleteBatch(db, keys.slice(i, i + 25));
    }
    return keys.length;
  }

  private async deleteBatch(db: DynamoDBDocumentClient, batch: readonly StoredKey[]): Promise<void> {
    let requests: Record<string, unknown>[] = batch.map((key) => ({ DeleteRequest: { Key: { [PK]: key.pk, [SK]: key.sk } } }));
    for (let round = 0; requests.length > 0; round++) {
      if (round >= MAX_BATCH_ROUNDS) throw new Error(`purge did not finish: DynamoDB kept ${requests.length} deletes unprocessed`);
      const { UnprocessedItems } = await db.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests as never } }));
      requests = (UnprocessedItems?.[this.tableName] ?? []) as Record<string, unknown>[];
      if (requests.length > 0) await new Promise((done) => setTimeout(done, 50 * 2 ** round));
    }
  }
}
