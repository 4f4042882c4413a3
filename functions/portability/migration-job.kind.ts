import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from '../core/zod';
import { attributeIs, conditionOf, itemAbsent, itemExists, type Condition } from '../data/conditions';
import { tenantIdSchema } from '../data/keys';
import * as keys from '../data/table-keys';
import { TABLE_SCHEMA } from '../data/table.schema';
import { updateOf } from '../data/updates';
import { MIGRATION_STEPS } from './migration-steps';
import { JOB_STATES, jobErrorSchema, jobIdSchema, kindProgressSchema, MAX_JOB_KINDS, unfinished } from './portability-job.kind';

/**
 * A tenant's migration between regions as the platform records it: what was asked, where the job stands, the step
 * reached and the items per kind moved. A platform item (`P#MIGRATION#<tenantId>`), not tenant data: the tenant's data
 * leaves the source region, and the record must stay readable there and in the target.
 */

const regionSchema = z.string().check(z.maxLength(32), z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region name such as us-east-1'));

/** The body of a migration start: the region the tenant moves to. */
export const migrationBodySchema = z.strictObject({ to: regionSchema });

export const migrationJobSchema = z.strictObject({
  migrationId: jobIdSchema,
  tenantId: tenantIdSchema,
  from: regionSchema,
  to: regionSchema,
  state: z.enum(JOB_STATES),
  /** The last step done (absent until the export is done). */
  step: z.optional(z.enum(MIGRATION_STEPS)),
  /** Items and bytes per kind in the bundle the migration moves. */
  exported: z.array(kindProgressSchema).check(z.maxLength(MAX_JOB_KINDS)),
  /** Items per kind written into the target's table. */
  imported: z.array(kindProgressSchema).check(z.maxLength(MAX_JOB_KINDS)),
  errors: z.array(jobErrorSchema).check(z.maxLength(16)),
  createdAt: z.iso.datetime(),
  createdBy: z.string().check(z.maxLength(256)),
  updatedAt: z.iso.datetime(),
  /** Deliveries of the job's message that started work on it. */
  attempts: z.int().check(z.nonnegative()),
});
export type MigrationJob = z.infer<typeof migrationJobSchema>;

/**
 * How long a finished migration's records (the job in both regions, the key of its start) are kept before DynamoDB's
 * TTL removes them. They are platform items outside the data catalogue, so retention never reaches them, and in the
 * old region (which no longer homes the tenant) neither does the offboarding purge: without a lifetime they would stay
 * for ever. A quarter leaves operators and the old region's readers the outcome for well past any follow-up.
 */
export const MIGRATION_RECORD_DAYS = 90;

const { partitionKey: PK, sortKey: SK, ttlAttribute: TTL } = TABLE_SCHEMA;

/** Why a start was refused: another migration of the tenant runs, or the Idempotency-Key came with another request. */
export type MigrationStartRefusal = 'running' | 'idempotency-key';

/** A start's Idempotency-Key: its hash names the record, its fingerprint tells a retry from a misuse. */
export interface MigrationIdempotency {
  readonly keyHash: string;
  readonly fingerprint: string;
}

/** One region's copy of a tenant's migration records, through the platform data role of that region. */
export class MigrationJobRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(tenantId: string, migrationId: string): Promise<MigrationJob | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.migration(tenantId, migrationId), ConsistentRead: true }));
    return Item ? migrationJobSchema.parse(strip(Item)) : undefined;
  }

  /** The migration an Idempotency-Key started, with the fingerprint of its request. */
  async findStart(tenantId: string, keyHash: string): Promise<{ migrationId: string; fingerprint: string } | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.migrationIdempotency(tenantId, keyHash), ConsistentRead: true }));
    return Item ? { migrationId: String(Item.migrationId), fingerprint: String(Item.fingerprint) } : undefined;
  }

  /**
   * Records a new migration with the tenant's lock (and the key's record) in one transaction: refused, writing
   * nothing, while another migration of the tenant holds the lock (or takes it concurrently) or when the key was used
   * before.
   */
  async create(job: MigrationJob, idempotency?: MigrationIdempotency): Promise<MigrationStartRefusal | undefined> {
    return this.queue(job, [itemAbsent], idempotency);
  }

  /**
   * Queues a migration that stopped FAILED after its cut-over again, under the same id (its bundle is found again), with
   * the tenant's lock and the key's record: refused like a start, and as `running` when the record no longer stopped
   * there (another resume took it first).
   */
  async requeue(job: MigrationJob, idempotency?: MigrationIdempotency): Promise<MigrationStartRefusal | undefined> {
    return this.queue({ ...job, state: 'QUEUED', errors: [] }, [attributeIs('state', 'FAILED'), attributeIs('step', 'cut-over')], idempotency);
  }

  /** The tenant's latest migration (ids are time-ordered), finished or not. */
  async latest(tenantId: string): Promise<MigrationJob | undefined> {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :mark)',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: { ':pk': keys.migrationPartition(tenantId), ':mark': keys.migrationSortKeyPrefix() },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    return Items?.[0] ? migrationJobSchema.parse(strip(Items[0])) : undefined;
  }

  /** The record written as QUEUED (only where `record` holds), with the lock and the key's record, in one transaction. */
  private async queue(job: MigrationJob, record: readonly Condition[], idempotency?: MigrationIdempotency): Promise<MigrationStartRefusal | undefined> {
    const put = (Item: Record<string, unknown>, ...conditions: Condition[]) => ({ Put: { TableName: this.tableName, Item, ...conditionOf(...conditions) } });
    const lock = { ...keys.migrationLock(job.tenantId), migrationId: job.migrationId };
    const key = idempotency && {
      ...keys.migrationIdempotency(job.tenantId, idempotency.keyHash),
      migrationId: job.migrationId,
      fingerprint: idempotency.fingerprint,
    };
    const queued = put({ ...keys.migration(job.tenantId, job.migrationId), ...job }, ...record);
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: [put(lock, itemAbsent), queued, ...(key ? [put(key, itemAbsent)] : [])] }));
      return undefined;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      if (reasons[2]?.Code === 'ConditionalCheckFailed') return 'idempotency-key';
      // A conflict is another start of the tenant's migration in flight at the same moment: one of them wins the lock.
      if (reasons.slice(0, 2).some((reason) => ['ConditionalCheckFailed', 'TransactionConflict'].includes(reason?.Code ?? ''))) return 'running';
      throw error;
    }
  }

  /** Claims the migration for one more attempt while it is not finished; false when it is. */
  async claim(tenantId: string, migrationId: string, now: string): Promise<boolean> {
    try {
      const change = updateOf({ set: { state: 'RUNNING', updatedAt: now }, add: { attempts: 1 } }, itemExists, unfinished);
      await this.db.send(new UpdateCommand({ TableName: this.tableName, Key: keys.migration(tenantId, migrationId), ...change }));
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /**
   * Writes the record as it is now (the copy in the other region follows the source's), and the lock while it runs.
   * A finished record frees the lock, and it and its start's key get their lifetime (MIGRATION_RECORD_DAYS from the
   * end, so every copy of it expires at the same time).
   */
  async save(job: MigrationJob): Promise<void> {
    const finished = job.state === 'SUCCEEDED' || job.state === 'FAILED';
    const expiry = finished ? { [TTL]: expiryOf(job) } : {};
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.migration(job.tenantId, job.migrationId), ...job, ...expiry } }));
    if (!finished) {
      await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.migrationLock(job.tenantId), migrationId: job.migrationId } }));
      return;
    }
    await this.release(job.tenantId, job.migrationId);
    for (const key of await this.keysOf(job.tenantId, keys.migrationIdempotencySortKeyPrefix())) {
      if (key.migrationId !== job.migrationId) continue;
      const change = updateOf({ set: expiry }, itemExists);
      await this.db.send(new UpdateCommand({ TableName: this.tableName, Key: { [PK]: key[PK], [SK]: key[SK] }, ...change }));
    }
  }

  /**
   * Deletes every migration record of the tenant in this region (jobs, lock, keys): the offboarding purge's, as data
   * kept outside the catalogue. Never the purge of a migration's source: the record there shows the old region the
   * outcome. Safe to run again; returns how many went.
   */
  async deleteAll(tenantId: string): Promise<number> {
    const found = await this.keysOf(tenantId);
    for (const key of found) await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: { [PK]: key[PK], [SK]: key[SK] } }));
    return found.length;
  }

  /** Frees the tenant's lock if this migration holds it. */
  async release(tenantId: string, migrationId: string): Promise<void> {
    try {
      const held = { expression: '#migrationId = :migrationId', names: { '#migrationId': 'migrationId' }, values: { ':migrationId': migrationId } };
      await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.migrationLock(tenantId), ...conditionOf(held) }));
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    }
  }

  /** Takes back a resume whose message could not be sent: the record as it stopped, the lock freed, the key's record gone. */
  async restore(stopped: MigrationJob, idempotency?: MigrationIdempotency): Promise<void> {
    await this.save(stopped);
    if (idempotency)
      await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.migrationIdempotency(stopped.tenantId, idempotency.keyHash) }));
  }

  /** The keys (and migration ids) of the tenant's records (only those whose sort key starts with `mark`), every page. */
  private async keysOf(tenantId: string, mark?: string): Promise<Record<string, unknown>[]> {
    const found: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: mark ? '#pk = :pk AND begins_with(#sk, :mark)' : '#pk = :pk',
          ExpressionAttributeNames: { '#pk': PK, '#migrationId': 'migrationId', ...(mark ? { '#sk': SK } : {}) },
          ExpressionAttributeValues: { ':pk': keys.migrationPartition(tenantId), ...(mark ? { ':mark': mark } : {}) },
          ProjectionExpression: `#pk, ${SK}, #migrationId`,
          ConsistentRead: true,
          ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}),
        }),
      );
      found.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return found;
  }

  /** Takes back a start whose message could not be sent: the record, the lock and the key's record. */
  async discard(job: MigrationJob, idempotency?: MigrationIdempotency): Promise<void> {
    await this.release(job.tenantId, job.migrationId);
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.migration(job.tenantId, job.migrationId) }));
    if (idempotency) await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.migrationIdempotency(job.tenantId, idempotency.keyHash) }));
  }
}

/** The record without its keys and its lifetime. */
function strip(item: Record<string, unknown>): Record<string, unknown> {
  const { [PK]: _pk, [SK]: _sk, [TTL]: _ttl, ...rest } = item;
  return rest;
}

/** When a finished migration's records expire, in epoch seconds: MIGRATION_RECORD_DAYS after its last change. */
export function expiryOf(job: MigrationJob): number {
  return Math.floor(Date.parse(job.updatedAt) / 1000) + MIGRATION_RECORD_DAYS * 86_400;
}
