import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { attributeIs, conditionOf, itemAbsent, itemExists } from '../data/conditions';
import * as keys from '../data/table-keys';
import { TABLE_SCHEMA } from '../data/table.schema';
import { EMPTY_HEAD, SEALED_LANE, sealEntry, type AuditEntry, type ChainHead, type PendingAuditEntry } from './audit-chain';

/**
 * Links a tenant's pending audit entries into its hash chain, oldest id first. One sealing transaction takes up to
 * `batch` pending entries: each is deleted from the pending partition (it must still be there) and put, linked, at
 * its sequence number in the lane, and the lane's head moves from what was read to the last of them (it must still
 * be that). Two sealers of one tenant can therefore never fork the chain or seal an entry twice: the loser's
 * transaction is cancelled, it reads the head and the pending entries again and goes on. Sealing is idempotent: with
 * nothing pending it writes nothing.
 */

const PK = TABLE_SCHEMA.partitionKey;
const SK = TABLE_SCHEMA.sortKey;
const COLLECTION_PK = TABLE_SCHEMA.indexes.byCollection.partitionKey;
const COLLECTION_SK = TABLE_SCHEMA.indexes.byCollection.sortKey;

/** Entries per sealing transaction: two items each plus the head, within the 100 items of a transaction. */
export const SEAL_BATCH = 40;

export interface AuditSealerOptions {
  /** The tenant-scoped client of a tenant. */
  readonly db: (tenantId: string) => DynamoDBDocumentClient;
  readonly tableName: string;
  /** @default SEAL_BATCH */
  readonly batch?: number;
  /** Cancelled sealing transactions (another sealer won) tolerated in a row before giving up. @default 20 */
  readonly maxConflicts?: number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface SealResult {
  /** Entries this call sealed. */
  readonly sealed: number;
  /** The lane's head after the call. */
  readonly head: ChainHead;
}

export class AuditSealer {
  private readonly batch: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: AuditSealerOptions) {
    this.batch = options.batch ?? SEAL_BATCH;
    if (!Number.isInteger(this.batch) || this.batch < 1 || this.batch > 49) throw new RangeError(`batch must be 1 to 49, not ${this.batch}`);
    this.sleep = options.sleep ?? ((ms) => new Promise((done) => setTimeout(done, ms)));
  }

  /** Seals every entry of the tenant pending when the call reads them (and any that arrive meanwhile). */
  async seal(tenantId: string): Promise<SealResult> {
    let sealed = 0;
    let conflicts = 0;
    for (;;) {
      const head = await this.head(tenantId);
      const pending = await this.pending(tenantId);
      if (pending.length === 0) return { sealed, head };
      const entries = this.link(pending, head);
      try {
        await this.options.db(tenantId).send(new TransactWriteCommand({ TransactItems: this.transaction(tenantId, head, pending, entries) }));
        sealed += entries.length;
        conflicts = 0;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        if (++conflicts > (this.options.maxConflicts ?? 20)) throw new Error(`sealing tenant ${tenantId}'s audit log kept conflicting`);
        await this.sleep(Math.floor(Math.random() * Math.min(200, 5 * 2 ** conflicts)));
      }
    }
  }

  private async head(tenantId: string): Promise<ChainHead> {
    const { Item } = await this.options
      .db(tenantId)
      .send(new GetCommand({ TableName: this.options.tableName, Key: keys.auditHead(tenantId, SEALED_LANE), ConsistentRead: true }));
    return Item ? { seq: Item.seq as number, hash: String(Item.hash), time: String(Item.time) } : EMPTY_HEAD;
  }

  /** The oldest pending items (up to a batch), in id order. */
  private async pending(tenantId: string): Promise<Record<string, unknown>[]> {
    const { Items } = await this.options.db(tenantId).send(
      new QueryCommand({
        TableName: this.options.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PK },
        ExpressionAttributeValues: { ':pk': keys.auditPendingPartition(tenantId) },
        ConsistentRead: true,
        Limit: this.batch,
      }),
    );
    return Items ?? [];
  }

  private link(pending: readonly Record<string, unknown>[], head: ChainHead): AuditEntry[] {
    const entries: AuditEntry[] = [];
    let last = head;
    for (const item of pending) {
      const entry = sealEntry(pendingOf(item), SEALED_LANE, last);
      entries.push(entry);
      last = { seq: entry.seq, hash: entry.hash, time: entry.time };
    }
    return entries;
  }

  private transaction(tenantId: string, head: ChainHead, pending: readonly Record<string, unknown>[], entries: readonly AuditEntry[]) {
    const TableName = this.options.tableName;
    const moves = entries.flatMap((entry, i) => [
      { Delete: { TableName, Key: { [PK]: pending[i][PK], [SK]: pending[i][SK] }, ...conditionOf(itemExists) } },
      {
        Put: {
          TableName,
          Item: {
            ...keys.auditEntry(tenantId, SEALED_LANE, entry.seq),
            [COLLECTION_PK]: pending[i][COLLECTION_PK],
            [COLLECTION_SK]: pending[i][COLLECTION_SK],
            ...entry,
          },
          ...conditionOf(itemAbsent),
        },
      },
    ]);
    const last = entries[entries.length - 1];
    const headItem = { ...keys.auditHead(tenantId, SEALED_LANE), lane: SEALED_LANE, seq: last.seq, hash: last.hash, time: last.time };
    const unmoved = head.seq === 0 ? conditionOf(itemAbsent) : conditionOf(attributeIs('seq', head.seq), attributeIs('hash', head.hash));
    return [...moves, { Put: { TableName, Item: headItem, ...unmoved } }];
  }
}

/** The fields of a pending entry item. */
export function pendingOf(item: Record<string, unknown>): PendingAuditEntry {
  return {
    tenantId: String(item.tenantId),
    id: String(item.id),
    time: String(item.time),
    actor: String(item.actor),
    action: String(item.action),
    target: String(item.target),
    requestId: String(item.requestId),
    digest: String(item.digest),
  };
}
