import { createHash } from 'node:crypto';
import { attributeIs, conditionOf, itemAbsent, type Condition } from './conditions';
import { updateOf } from './updates';
import { TransactionCanceledException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ConflictError, QuotaExceededError, RateLimitedError } from '../core/errors';
import type { IdempotencyRequest } from '../core/request-conventions';
import { TenantCache } from '../core/tenant-cache';
import { timeOrderedId } from './ids';
import * as keys from './table-keys';
import {
  COUNTER_ATTRIBUTES,
  PLAN_ATTRIBUTE,
  type AuditChain,
  type AuditEvent,
  type PendingAuditEntry,
  type PlanSource,
  type QuotaChange,
  type QuotaPlan,
  type RetentionPort,
  type RetentionStamp,
} from './mutation.ports';
import { stampedPut, stampedUpdate } from './retention-stamp';
import { TABLE_SCHEMA } from './table.schema';

/**
 * The one way tenant data changes. A mutation is written as ONE TransactWriteItems holding
 *
 *   item change(s) + quota counter update(s) + metering counters + idempotency record + pending audit entry
 *
 * so it happens entirely or not at all. The audit entry is a new item with a time-ordered id and no link to any
 * other: no item of the tenant's log is written by two changes, so a tenant's writes do not serialize on its log (the
 * sealer links entries into the hash chain afterwards, audit/audit-sealer.ts). Contention (TransactionConflict) is
 * retried with jittered backoff; every other cancellation reason becomes a domain error:
 *
 * - an item's own condition → what its `onConditionFailed` says (NotFound, PreconditionFailed, Conflict…),
 * - a quota counter's `count < limit` → QuotaExceededError (429) with the limit and the current usage,
 * - the idempotency record exists → the stored response of the first request (or 409 when the body differs).
 *
 * Workflows, runs, users, invitations and API keys build their mutations on this module exactly as agents and
 * memories do: describe the writes, let the executor add the counters, the idempotency record and the audit entry.
 */

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
type WithoutTable<T> = Omit<NonNullable<T>, 'TableName'>;
export type PutInput = WithoutTable<TransactItem['Put']>;
export type UpdateInput = WithoutTable<TransactItem['Update']>;
export type DeleteInput = WithoutTable<TransactItem['Delete']>;
export type ConditionCheckInput = WithoutTable<TransactItem['ConditionCheck']>;

/** The item as it was when a condition failed (ALL_OLD), undefined when it did not exist. */
export type CurrentItem = Record<string, unknown> | undefined;

/** Turns a failed item condition into the error the caller should see. */
export type ConditionFailure = (current: CurrentItem) => Error;

/** One item change of a mutation (the table name is added by the executor). */
export type ItemWrite =
  | { readonly put: PutInput; readonly onConditionFailed?: ConditionFailure }
  | { readonly update: UpdateInput; readonly onConditionFailed?: ConditionFailure }
  | { readonly delete: DeleteInput; readonly onConditionFailed?: ConditionFailure }
  | { readonly check: ConditionCheckInput; readonly onConditionFailed?: ConditionFailure };

/** An unconditional increment of metering attributes (tokens, requests) of one item. */
export interface CounterIncrement {
  readonly key: { readonly pk: string; readonly sk: string };
  readonly add: Readonly<Record<string, number>>;
}

/** The response of a mutating request, stored with its Idempotency-Key and replayed for retries. */
export interface StoredResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Mutation {
  readonly tenantId: string;
  /** What the audit log records of this change. */
  readonly event: AuditEvent;
  readonly writes?: readonly ItemWrite[];
  /** Quota counters changed with the writes; increments are checked against the tenant's plan. */
  readonly quotas?: readonly QuotaChange[];
  readonly counters?: readonly CounterIncrement[];
  /** With a key, the mutation happens once per key: a retry gets `response` of the first request back. */
  readonly idempotency?: IdempotencyRequest;
  /** Stored with the idempotency record; required with `idempotency`. */
  readonly response?: StoredResponse;
}

export type MutationOutcome = { readonly replayed: false; readonly entry: PendingAuditEntry } | { readonly replayed: true; readonly response: StoredResponse };

/** Records audit entries that change nothing else (cross-tenant admin access, sign-ins…). */
export interface AuditPort {
  /**
   * Appends one entry to the tenant's log, sealed like every other; `checks` (condition checks only) go into the
   * same transaction, so the entry is written only while they hold.
   */
  record(tenantId: string, event: AuditEvent, checks?: readonly ItemWrite[]): Promise<PendingAuditEntry>;
}

/** Too many writers on the same items: the client should retry shortly. */
export class MutationContentionError extends RateLimitedError {
  override readonly name: string = 'MutationContentionError';
  constructor(detail: string) {
    super(detail, { retryAfterSeconds: 1 });
  }
}

export interface MutationExecutorOptions {
  /** The tenant-scoped client of a tenant (`isolation.forTenant`). */
  readonly db: (tenantId: string) => DynamoDBDocumentClient;
  readonly tableName: string;
  readonly plans: PlanSource;
  /** The audit log's rules (audit/audit-chain.ts's HASH_CHAIN). */
  readonly chain: AuditChain;
  /**
   * The tenant's retention, stamped on every item written of a kind its class's period expires (write time and
   * TTL): the one place every kind's writes pass. @default nothing stamped
   */
  readonly retention?: RetentionPort;
  /** @default 16 */
  readonly maxAttempts?: number;
  /** How long an Idempotency-Key is remembered. @default 24 h */
  readonly idempotencyTtlSeconds?: number;
  /** @default Date.now */
  readonly clock?: () => number;
  /** @default Math.random */
  readonly random?: () => number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

const IDEMPOTENCY = { fingerprint: 'fingerprint', response: 'response', requestId: 'requestId' } as const;

type Role =
  | { readonly kind: 'write'; readonly write: ItemWrite }
  | { readonly kind: 'quota'; readonly change: QuotaChange; readonly limit: number; readonly plan: QuotaPlan }
  | { readonly kind: 'plan' | 'counter' | 'idempotency' | 'entry' };

/** One item of a transaction, with what it is there for (to explain a cancellation). */
type Part = readonly [TransactItem, Role];

interface Attempt {
  readonly items: TransactItem[];
  readonly roles: Role[];
  readonly entry: PendingAuditEntry;
}

export class MutationExecutor implements AuditPort {
  private readonly lastTimes = new TenantCache<number>({ capacity: 1_000 });
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxAttempts: number;

  constructor(private readonly options: MutationExecutorOptions) {
    this.clock = options.clock ?? Date.now;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => new Promise((done) => setTimeout(done, ms)));
    this.maxAttempts = options.maxAttempts ?? 16;
  }

  /**
   * The stored response of an Idempotency-Key, if its record is live: for operations that read before they write
   * and may fail on a retry (404, 412) only because the first request already did the work.
   */
  findReplay(tenantId: string, idempotency: IdempotencyRequest): Promise<StoredResponse | undefined> {
    return findIdempotentResponse(this.options.db(tenantId), this.options.tableName, tenantId, idempotency, this.clock());
  }

  /** Appends an audit entry that goes with no other change. */
  async record(tenantId: string, event: AuditEvent, checks: readonly ItemWrite[] = []): Promise<PendingAuditEntry> {
    if (checks.some((write) => !('check' in write))) throw new Error('an audit record only takes condition checks besides its entry');
    const outcome = await this.execute({ tenantId, event, writes: checks });
    if (outcome.replayed) throw new Error('an audit record without idempotency key cannot be a replay');
    return outcome.entry;
  }

  /** Writes the mutation in one transaction, or throws a domain error and writes nothing. */
  async execute(mutation: Mutation): Promise<MutationOutcome> {
    if (mutation.idempotency && !mutation.response) throw new Error('a mutation with an idempotency key needs its response');
    const { tenantId } = mutation;
    let freshPlan = false;
    let lastReason = 'no attempt';
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const built = await this.build(mutation, freshPlan);
      try {
        await this.options.db(tenantId).send(new TransactWriteCommand({ TransactItems: built.items }));
        return { replayed: false, entry: built.entry };
      } catch (error) {
        if (!(error instanceof TransactionCanceledException) || !error.CancellationReasons) throw error;
        const verdict = this.classify(mutation, built, error.CancellationReasons);
        if (verdict.kind === 'fail') throw verdict.error;
        if (verdict.kind === 'replay') return { replayed: true, response: verdict.response };
        freshPlan = verdict.freshPlan;
        lastReason = verdict.reason;
        if (verdict.backoff || attempt > 2) await this.sleep(this.backoffMs(attempt));
      }
    }
    throw new MutationContentionError(`too many concurrent changes, try again (${lastReason})`);
  }

  /** Full jitter: uniform in [0, min(cap, base·2^attempt)). */
  private backoffMs(attempt: number): number {
    return Math.floor(this.random() * Math.min(250, 5 * 2 ** attempt));
  }

  /** Entry times strictly increase per tenant within this container (entries of one container seal in their order). */
  private nextTime(tenantId: string): number {
    const ms = Math.max(this.clock(), (this.lastTimes.get(tenantId, 'clock') ?? 0) + 1);
    this.lastTimes.set(tenantId, 'clock', ms);
    return ms;
  }

  /** The transaction of one attempt: the caller's writes, quota counters, plan check, counters, idempotency record and pending audit entry. */
  private async build(mutation: Mutation, freshPlan: boolean): Promise<Attempt> {
    const increments = (mutation.quotas ?? []).filter((change) => change.delta > 0);
    const plan = increments.length > 0 ? await this.options.plans.planOf(mutation.tenantId, { fresh: freshPlan }) : undefined;
    const ms = this.nextTime(mutation.tenantId);
    const entry = this.options.chain.pendingEntry(mutation.tenantId, timeOrderedId(ms), new Date(ms).toISOString(), mutation.event);
    const writes = mutation.writes ?? [];
    const stamps = await this.stampsOf(mutation.tenantId, ms, writes);
    const parts: Part[] = [
      ...writes.map((write, i) => this.writePart(write, stamps[i])),
      ...(mutation.quotas ?? []).map((change) => this.quotaPart(change, plan)),
      ...(plan ? [this.planPart(mutation.tenantId, plan)] : []),
      ...(mutation.counters ?? []).map((counter) => this.counterPart(counter)),
      ...(mutation.idempotency && mutation.response ? [this.idempotencyPart(mutation, mutation.idempotency, mutation.response)] : []),
      this.entryPart(entry),
    ];
    if (parts.length > 100) throw new Error(`a mutation holds at most 100 items, this one ${parts.length}`);
    return { items: parts.map(([item]) => item), roles: parts.map(([, role]) => role), entry };
  }

  /** The retention stamp of each write's item (Puts and Updates only), from the tenant's settings. */
  private async stampsOf(tenantId: string, ms: number, writes: readonly ItemWrite[]): Promise<readonly (RetentionStamp | undefined)[]> {
    const { retention } = this.options;
    if (!retention) return [];
    const keyOf = (item: Record<string, unknown> | undefined) => ({ pk: String(item?.[TABLE_SCHEMA.partitionKey]), sk: String(item?.[TABLE_SCHEMA.sortKey]) });
    const keys = writes.map((write) => ('put' in write ? keyOf(write.put.Item) : 'update' in write ? keyOf(write.update.Key) : { pk: '', sk: '' }));
    return retention.stamps(tenantId, Math.floor(ms / 1000), keys);
  }

  /** A caller's write; a Put or Update of an item retention applies to carries its stamp. */
  private writePart(write: ItemWrite, stamp: RetentionStamp | undefined): Part {
    const TableName = this.options.tableName;
    const role: Role = { kind: 'write', write };
    const failed = { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } as const;
    if ('put' in write) return [{ Put: { ...(stamp ? stampedPut(write.put, stamp) : write.put), TableName, ...failed } }, role];
    if ('update' in write) return [{ Update: { ...(stamp ? stampedUpdate(write.update, stamp) : write.update), TableName, ...failed } }, role];
    if ('delete' in write) return [{ Delete: { ...write.delete, TableName, ...failed } }, role];
    return [{ ConditionCheck: { ...write.check, TableName, ...failed } }, role];
  }

  /** A quota counter moved by the change; an increment is checked against the plan's limit. */
  private quotaPart(change: QuotaChange, plan: QuotaPlan | undefined): Part {
    const update = { TableName: this.options.tableName, Key: change.counter.key };
    const add = { [COUNTER_ATTRIBUTES.count]: change.delta, [COUNTER_ATTRIBUTES.bytes]: change.bytes ?? 0 };
    // A counter kept on the byCollection index (memory counters of every agent) carries its index keys on every change.
    const { collection } = change.counter;
    const set = collection
      ? { [TABLE_SCHEMA.indexes.byCollection.partitionKey]: collection.pk, [TABLE_SCHEMA.indexes.byCollection.sortKey]: collection.sk }
      : undefined;
    const changes = set ? { add, set } : { add };
    if (!(change.delta > 0 && plan)) return [{ Update: { ...update, ...updateOf(changes) } }, { kind: 'counter' }];
    const limit = plan.limits[change.counter.quota];
    const max = limit - change.delta;
    const withinLimit: Condition = {
      expression: max >= 0 ? '(attribute_not_exists(#count) OR #count <= :max)' : '#count <= :max',
      names: { '#count': COUNTER_ATTRIBUTES.count },
      values: { ':max': max },
    };
    return [
      { Update: { ...update, ...updateOf(changes, withinLimit), ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } },
      { kind: 'quota', change, limit, plan },
    ];
  }

  /** The plan the limits were read from is still the tenant's. */
  private planPart(tenantId: string, plan: QuotaPlan): Part {
    const check = { TableName: this.options.tableName, Key: keys.tenantProfile(tenantId), ...conditionOf(attributeIs(PLAN_ATTRIBUTE, plan.id)) };
    return [{ ConditionCheck: check }, { kind: 'plan' }];
  }

  private counterPart(counter: CounterIncrement): Part {
    return [{ Update: { TableName: this.options.tableName, Key: counter.key, ...updateOf({ add: counter.add }) } }, { kind: 'counter' }];
  }

  private idempotencyPart(mutation: Mutation, idempotency: IdempotencyRequest, response: StoredResponse): Part {
    const nowSeconds = Math.floor(this.clock() / 1000);
    const item = {
      ...keys.idempotency(mutation.tenantId, sha256(idempotency.key)),
      [IDEMPOTENCY.fingerprint]: idempotency.fingerprint,
      [IDEMPOTENCY.response]: JSON.stringify(response),
      [IDEMPOTENCY.requestId]: mutation.event.requestId,
      [TABLE_SCHEMA.ttlAttribute]: nowSeconds + (this.options.idempotencyTtlSeconds ?? 86_400),
    };
    // An expired record that TTL has not removed yet no longer holds the key.
    const free: Condition = {
      expression: '(attribute_not_exists(#pk) OR #ttl < :now)',
      names: { '#pk': TABLE_SCHEMA.partitionKey, '#ttl': TABLE_SCHEMA.ttlAttribute },
      values: { ':now': nowSeconds },
    };
    return [
      { Put: { TableName: this.options.tableName, Item: item, ...conditionOf(free), ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } },
      { kind: 'idempotency' },
    ];
  }

  private entryPart(entry: PendingAuditEntry): Part {
    const item = {
      ...keys.auditPending(entry.tenantId, entry.id),
      [TABLE_SCHEMA.indexes.byCollection.partitionKey]: keys.auditCollection(entry.tenantId),
      [TABLE_SCHEMA.indexes.byCollection.sortKey]: keys.auditCollectionSortKey(entry.time, entry.id),
      ...entry,
    };
    return [{ Put: { TableName: this.options.tableName, Item: item, ...conditionOf(itemAbsent) } }, { kind: 'entry' }];
  }

  private classify(
    mutation: Mutation,
    attempt: Attempt,
    reasons: { Code?: string; Item?: Record<string, AttributeValue> }[],
  ): { kind: 'fail'; error: Error } | { kind: 'replay'; response: StoredResponse } | { kind: 'retry'; freshPlan: boolean; backoff: boolean; reason: string } {
    const failed = (kind: Role['kind']) =>
      reasons.flatMap((reason, i) =>
        reason.Code === 'ConditionalCheckFailed' && attempt.roles[i].kind === kind
          ? [{ role: attempt.roles[i], current: reason.Item ? unmarshall(reason.Item) : undefined }]
          : [],
      );

    const [idempotent] = failed('idempotency');
    if (idempotent) {
      const current = idempotent.current;
      if (!current) return { kind: 'retry', freshPlan: false, backoff: true, reason: 'idempotency record vanished' };
      if (current[IDEMPOTENCY.fingerprint] !== mutation.idempotency?.fingerprint) {
        return {
          kind: 'fail',
          error: new ConflictError('this Idempotency-Key was already used with a different request', { reason: 'idempotency-key-reused' }),
        };
      }
      return { kind: 'replay', response: JSON.parse(String(current[IDEMPOTENCY.response])) as StoredResponse };
    }
    if (failed('plan').length > 0) return { kind: 'retry', freshPlan: true, backoff: false, reason: 'plan changed' };
    const [write] = failed('write');
    if (write && write.role.kind === 'write') {
      const onFailed = write.role.write.onConditionFailed;
      return { kind: 'fail', error: onFailed ? onFailed(write.current) : new ConflictError('the target changed meanwhile') };
    }
    const [quota] = failed('quota');
    if (quota && quota.role.kind === 'quota') {
      const { change, limit, plan } = quota.role;
      const usage = Number(quota.current?.[COUNTER_ATTRIBUTES.count] ?? 0);
      return {
        kind: 'fail',
        error: new QuotaExceededError(`the ${plan.title} plan allows ${limit} ${change.counter.label}; ${usage} in use`, {
          quota: change.counter.quota,
          limit,
          usage,
          plan: plan.id,
        }),
      };
    }
    // Two ids made at once collide with odds of 2^-80; the next attempt makes a new one.
    if (failed('entry').length > 0) return { kind: 'retry', freshPlan: false, backoff: false, reason: 'audit entry id taken' };
    if (reasons.some((reason) => reason.Code === 'TransactionConflict')) {
      return { kind: 'retry', freshPlan: false, backoff: true, reason: 'transaction conflict' };
    }
    const codes = reasons.map((reason) => reason.Code ?? 'None').join(',');
    return { kind: 'fail', error: new Error(`transaction cancelled: ${codes}`) };
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The key of an Idempotency-Key's record (the key is hashed: any visible ASCII, no separator worries). */
export function idempotencyRecordKey(tenantId: string, idempotencyKey: string) {
  return keys.idempotency(tenantId, sha256(idempotencyKey));
}

/** Reads the stored response of an Idempotency-Key, if a live record exists (for operations that read first). */
export async function findIdempotentResponse(
  db: DynamoDBDocumentClient,
  tableName: string,
  tenantId: string,
  idempotency: IdempotencyRequest,
  nowMs: number,
): Promise<StoredResponse | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: idempotencyRecordKey(tenantId, idempotency.key), ConsistentRead: true }));
  if (!Item || Number(Item[TABLE_SCHEMA.ttlAttribute]) < Math.floor(nowMs / 1000)) return undefined;
  if (Item[IDEMPOTENCY.fingerprint] !== idempotency.fingerprint) {
    throw new ConflictError('this Idempotency-Key was already used with a different request', { reason: 'idempotency-key-reused' });
  }
  return JSON.parse(String(Item[IDEMPOTENCY.response])) as StoredResponse;
}
