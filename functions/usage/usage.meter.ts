import { TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conditionOf, itemExists } from '../data/conditions';
import type { MeteredQuantities } from '../billing/pricing.catalogue';
import * as keys from '../data/table-keys';
import { TABLE_SCHEMA } from '../data/table.schema';
import { updateOf } from '../data/updates';
import type { CounterIncrement } from '../data/mutation.executor';
import { HEALTH_ATTRIBUTES, HEALTH_RETENTION_HOURS, hourOf, latencyBucketOf } from '../observability/tenant-health.attributes';
import type { ConsumedUnits } from '../observability/consumed-capacity.plugin';
import { monthOf } from '../quotas/quota.counters';

/** Attribute names of a usage period item (`T#<t>#USAGE` / `MONTH#YYYY-MM`): metered requests, tokens and cost quantities. */
export const USAGE_ATTRIBUTES = {
  requests: 'requests',
  tokens: 'tokens',
  /** Requests of day DD of the month: `requestsDay01` … `requestsDay31`. */
  requestsOfDay: (day: string) => `requestsDay${day}`,
  readUnits: 'readUnits',
  writeUnits: 'writeUnits',
  computeMbMs: 'computeMbMs',
  invocations: 'invocations',
  inputTokens: (modelId: string) => `inputTokens:${modelId}`,
  outputTokens: (modelId: string) => `outputTokens:${modelId}`,
  /** Prefixes of the per-model token attributes, to read them back. */
  inputTokensPrefix: 'inputTokens:',
  outputTokensPrefix: 'outputTokens:',
} as const;

/** Day of month (UTC) of a time, `DD`. */
export function dayOf(time: Date): string {
  return time.toISOString().slice(8, 10);
}

/** Metering increments that go into a mutation's transaction (e.g. tokens a run used). */
export const usageCounters = {
  tokens: (tenantId: string, time: Date, tokens: number): CounterIncrement => ({
    key: keys.usagePeriod(tenantId, monthOf(time)),
    add: { [USAGE_ATTRIBUTES.tokens]: tokens },
  }),
};

/** One delivery an invocation worked on for a tenant (a queue message), and how long it took. */
export interface TenantDelivery {
  readonly tenantId: string;
  readonly elapsedMs: number;
}

/** Runs one delivery for a tenant and records in `work` how long it took, whatever its outcome. */
export async function timedDelivery<T>(work: TenantDelivery[], tenantId: string, deliver: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await deliver();
  } finally {
    work.push({ tenantId, elapsedMs: performance.now() - started });
  }
}

/** What the meter learns of one request a function served for a tenant. */
export interface ServedRequest {
  readonly durationMs: number;
  /** The function's memory, for its Lambda cost. */
  readonly memoryMb: number;
  readonly status: number;
  /** Refused because a plan quota was used up (`quota-exceeded`). */
  readonly quotaRefused?: boolean;
}

export interface UsageMeterOptions {
  readonly db: (tenantId: string) => DynamoDBDocumentClient;
  readonly tableName: string;
  /**
   * Flush a tenant's figures once it has this many requests (served or throttled); a request that will make them
   * this many starts the write of those before it as it begins (startDue). @default 50
   */
  readonly flushEvery?: number;
  /** …or when its oldest unflushed figure is this old (checked on every request of any tenant). @default 10 s */
  readonly flushAfterMs?: number;
  /** @default Date.now */
  readonly clock?: () => number;
}

interface Pending {
  readonly since: number;
  readonly month: string;
  readonly hour: string;
  requests: number;
  /** Increments of the month's usage item. */
  readonly usage: Map<string, number>;
  /** Increments of the hour's health item. */
  readonly health: Map<string, number>;
}

/**
 * The one meter of a function instance: what each tenant's requests used (requests per month and day, DynamoDB
 * capacity units, Lambda duration × memory, model tokens) and how they went (per hour: requests, 4xx, 5xx, latency
 * histogram, throttles, quota refusals). Figures are summed in the container and written every `flushEvery`
 * requests or `flushAfterMs` (a write a request makes due starts as that request begins, beside its own work, and is
 * awaited before it answers): one UpdateItem adds to the tenant's usage item of the month, one to its health item
 * of the hour (two items, written side by side, not in a transaction: a transaction would cost twice the write
 * units and conflict with other containers flushing the same items). Only the first figures of a period, which
 * create its item, go in a transaction that checks the tenant's record: a purge deletes the record before the rest,
 * so figures another container still holds for a purged tenant create nothing afterwards (see `send`). The request
 * itself makes no extra call; a container that dies loses at most its unflushed figures, which metering accepts (the
 * usage plan, in API Gateway, is what throttles). Prices are applied when the estimate is read, so a price change
 * needs no migration.
 */
export class UsageMeter {
  private readonly pending = new Map<string, Pending>();
  /** Writes of a period that ended, started when the next one's first figure came: the request awaits them too. */
  private readonly closing = new Set<Promise<void>>();
  /** Writes a request started as it began (startDue), each awaited by that request; a flush awaits them all. */
  private readonly begun = new Set<Promise<void>>();
  private readonly clock: () => number;
  private readonly flushEvery: number;
  private readonly flushAfterMs: number;

  constructor(private readonly options: UsageMeterOptions) {
    this.clock = options.clock ?? Date.now;
    this.flushEvery = options.flushEvery ?? 50;
    this.flushAfterMs = options.flushAfterMs ?? 10_000;
  }

  /** Capacity units a call of the tenant consumed. */
  addCapacity(tenantId: string, units: ConsumedUnits): void {
    const entry = this.entryOf(tenantId);
    add(entry.usage, USAGE_ATTRIBUTES.readUnits, units.readUnits);
    add(entry.usage, USAGE_ATTRIBUTES.writeUnits, units.writeUnits);
  }

  /** Tokens one model invocation of the tenant used. */
  addTokens(tenantId: string, modelId: string, input: number, output: number): void {
    const entry = this.entryOf(tenantId);
    add(entry.usage, USAGE_ATTRIBUTES.inputTokens(modelId), input);
    add(entry.usage, USAGE_ATTRIBUTES.outputTokens(modelId), output);
  }

  /**
   * The Lambda time of one invocation that worked for tenants without serving their requests (a batch of queue
   * messages, delivered at once): each tenant gets the share of the invocation, and of its duration × memory, that
   * its deliveries took of the time they took together (an equal share each where none took any). Written with the
   * next flush.
   */
  addInvocation(memoryMb: number, durationMs: number, work: readonly TenantDelivery[]): void {
    if (work.length === 0) return;
    const total = work.reduce((sum, delivery) => sum + Math.max(0, delivery.elapsedMs), 0);
    const billedMbMs = Math.max(1, Math.ceil(durationMs)) * memoryMb;
    for (const delivery of work) {
      const share = total > 0 ? Math.max(0, delivery.elapsedMs) / total : 1 / work.length;
      const entry = this.entryOf(delivery.tenantId);
      add(entry.usage, USAGE_ATTRIBUTES.invocations, share);
      add(entry.usage, USAGE_ATTRIBUTES.computeMbMs, billedMbMs * share);
    }
  }

  /** One request a function served for the tenant; flushes what is due. */
  async addRequest(tenantId: string, request: ServedRequest): Promise<void> {
    const entry = this.entryOf(tenantId);
    const day = dayOf(new Date(this.clock()));
    add(entry.usage, USAGE_ATTRIBUTES.requests, 1);
    add(entry.usage, USAGE_ATTRIBUTES.requestsOfDay(day), 1);
    add(entry.usage, USAGE_ATTRIBUTES.invocations, 1);
    add(entry.usage, USAGE_ATTRIBUTES.computeMbMs, Math.max(1, Math.ceil(request.durationMs)) * request.memoryMb);
    add(entry.health, HEALTH_ATTRIBUTES.requests, 1);
    add(entry.health, HEALTH_ATTRIBUTES.clientErrors, request.status >= 400 && request.status < 500 ? 1 : 0);
    add(entry.health, HEALTH_ATTRIBUTES.serverErrors, request.status >= 500 ? 1 : 0);
    add(entry.health, HEALTH_ATTRIBUTES.quotaRefusals, request.quotaRefused ? 1 : 0);
    add(entry.health, HEALTH_ATTRIBUTES.latencyTotalMs, Math.round(request.durationMs));
    add(entry.health, HEALTH_ATTRIBUTES.latencyBucket(latencyBucketOf(request.durationMs)), 1);
    entry.requests += 1;
    await this.flushDue(tenantId);
  }

  /** One request of the tenant the gateway refused by its usage plan (429) before any function ran. */
  async addThrottle(tenantId: string): Promise<void> {
    const entry = this.entryOf(tenantId);
    add(entry.health, HEALTH_ATTRIBUTES.throttles, 1);
    entry.requests += 1;
    await this.flushDue(tenantId);
  }

  /**
   * Requests of the tenant the gateway refused by its usage plan within one UTC hour (`YYYY-MM-DDTHH`), as a log of
   * the gateway's answers reports them after the fact: added at once to that hour's health item (one UpdateItem).
   * Unlike the per-request figures this write is not swallowed: the caller says what became of it.
   */
  async addThrottlesOfHour(tenantId: string, hour: string, count: number): Promise<void> {
    if (count <= 0) return;
    await this.send(tenantId, keys.tenantHealthHour(tenantId, hour), new Map([[HEALTH_ATTRIBUTES.throttles, count]]), {
      [TABLE_SCHEMA.ttlAttribute]: healthExpiryOf(hour),
    });
  }

  /**
   * Starts writing the tenant's figures when the request that begins now will make them due (its count or their age),
   * so that the write runs beside the request's own work instead of after it. The figures of the request itself go
   * to the next write. What it writes are the figures of requests served before, whatever becomes of this one (a
   * write creates no item once the tenant's record is purged: see send). Returns the write, for the request to await
   * before it answers (in Lambda, what a request leaves running is frozen with the container), or undefined when
   * nothing is due; other requests of the instance do not wait for it.
   */
  startDue(tenantId: string): Promise<void> | undefined {
    const entry = this.pending.get(tenantId);
    if (!entry || (entry.requests + 1 < this.flushEvery && this.clock() - entry.since < this.flushAfterMs)) return undefined;
    return track(this.begun, this.flushEntry(tenantId, entry));
  }

  /**
   * Drops the pending figures of a tenant whose requests are not attributed (no record in this region): nothing is
   * written for it, and made-up tenant ids cannot make the container keep entries. Resolves once the writes of ended
   * periods (which the request's figures may have started) are done.
   */
  async discard(tenantId: string): Promise<void> {
    this.pending.delete(tenantId);
    await Promise.all(this.closing);
  }

  /** Writes the pending figures (every tenant's when none is named), and awaits the writes already begun. */
  async flush(tenantId?: string): Promise<void> {
    const tenants = tenantId ? [tenantId] : [...this.pending.keys()];
    await Promise.all([...tenants.map((id) => this.flushEntry(id, this.pending.get(id))), ...this.closing, ...this.begun]);
  }

  /**
   * Writes what is due: the named tenant's figures when it has enough, and any tenant's that waited long enough (a
   * quiet tenant is not left behind). The writes of ended periods are awaited as well: in Lambda, what a request
   * leaves running when it answers is frozen with the container and may never be sent.
   */
  async flushDue(tenantId?: string): Promise<void> {
    const now = this.clock();
    const due = [...this.pending].filter(([id, entry]) => (id === tenantId && entry.requests >= this.flushEvery) || now - entry.since >= this.flushAfterMs);
    await Promise.all([...due.map(([id, entry]) => this.flushEntry(id, entry)), ...this.closing]);
  }

  private async flushEntry(tenantId: string, entry: Pending | undefined): Promise<void> {
    if (!entry) return;
    if (this.pending.get(tenantId) === entry) this.pending.delete(tenantId);
    await Promise.all([
      this.addTo(tenantId, keys.usagePeriod(tenantId, entry.month), entry.usage),
      this.addTo(tenantId, keys.tenantHealthHour(tenantId, entry.hour), entry.health, { [TABLE_SCHEMA.ttlAttribute]: healthExpiryOf(entry.hour) }),
    ]);
  }

  private async addTo(tenantId: string, key: { pk: string; sk: string }, increments: Map<string, number>, set: Record<string, number> = {}): Promise<void> {
    try {
      await this.send(tenantId, key, increments, set);
    } catch {
      // Metering must never fail a request: the figures are lost, the request is not.
    }
  }

  /**
   * Adds to an item of the tenant's. To an item that exists: one UpdateItem on condition that it does. To one that
   * does not (the first figures of a month or hour, or an item a purge deleted): a transaction that creates it only
   * while the tenant's record exists, so no figure brings back an item of a tenant whose data was purged. When the
   * record is gone the figures are dropped; when another container created the item meanwhile, the update is sent again.
   */
  private async send(tenantId: string, key: { pk: string; sk: string }, increments: Map<string, number>, set: Record<string, number> = {}): Promise<void> {
    const adds = [...increments].filter(([, value]) => value > 0);
    if (adds.length === 0) return;
    const change = { add: Object.fromEntries(adds), ...(Object.keys(set).length > 0 ? { set } : {}) };
    const db = this.options.db(tenantId);
    const { tableName } = this.options;
    for (let attempt = 0; ; attempt++) {
      try {
        await db.send(new UpdateCommand({ TableName: tableName, Key: key, ...updateOf(change, itemExists) }));
        return;
      } catch (error) {
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      }
      try {
        await db.send(
          new TransactWriteCommand({
            TransactItems: [
              { ConditionCheck: { TableName: tableName, Key: keys.tenantProfile(tenantId), ...conditionOf(itemExists) } },
              { Update: { TableName: tableName, Key: key, ...updateOf(change) } },
            ],
          }),
        );
        return;
      } catch (error) {
        const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
        if ((error as Error).name !== 'TransactionCanceledException' || !reasons) throw error;
        if (reasons[0]?.Code === 'ConditionalCheckFailed') return;
        if (attempt >= 1) throw error;
      }
    }
  }

  private entryOf(tenantId: string): Pending {
    const now = new Date(this.clock());
    const month = monthOf(now);
    const hour = hourOf(now);
    let entry = this.pending.get(tenantId);
    if (entry && (entry.month !== month || entry.hour !== hour)) {
      // The figures belong to the period they happened in: the old entry goes to its own items, written while the
      // request goes on and awaited before it answers (flushDue).
      track(this.closing, this.flushEntry(tenantId, entry));
      entry = undefined;
    }
    if (!entry) {
      entry = { since: now.getTime(), month, hour, requests: 0, usage: new Map(), health: new Map() };
      this.pending.set(tenantId, entry);
    }
    return entry;
  }
}

/** Keeps a write in `writes` until it is done (flushEntry never rejects: addTo swallows). */
function track(writes: Set<Promise<void>>, write: Promise<void>): Promise<void> {
  const tracked = write.finally(() => writes.delete(tracked));
  writes.add(tracked);
  return tracked;
}

/** When DynamoDB's TTL deletes the health item of an hour: the retention after the hour's start, and an hour more. */
function healthExpiryOf(hour: string): number {
  return Math.floor(Date.parse(`${hour}:00:00Z`) / 1000) + (HEALTH_RETENTION_HOURS + 1) * 3600;
}

function add(increments: Map<string, number>, attribute: string, value: number): void {
  if (value > 0) increments.set(attribute, (increments.get(attribute) ?? 0) + value);
}

/** The metered cost quantities of a usage period item (zero where nothing was metered). */
export function costQuantitiesOf(item: Readonly<Record<string, unknown>> | undefined, storageBytes: number): MeteredQuantities {
  const numberOf = (attribute: string) => Number(item?.[attribute] ?? 0);
  const tokens: Record<string, { input: number; output: number }> = {};
  for (const [attribute, value] of Object.entries(item ?? {})) {
    const input = attribute.startsWith(USAGE_ATTRIBUTES.inputTokensPrefix);
    if (!input && !attribute.startsWith(USAGE_ATTRIBUTES.outputTokensPrefix)) continue;
    const modelId = attribute.slice((input ? USAGE_ATTRIBUTES.inputTokensPrefix : USAGE_ATTRIBUTES.outputTokensPrefix).length);
    const entry = (tokens[modelId] ??= { input: 0, output: 0 });
    if (input) entry.input += Number(value);
    else entry.output += Number(value);
  }
  return {
    apiRequests: numberOf(USAGE_ATTRIBUTES.requests),
    readUnits: numberOf(USAGE_ATTRIBUTES.readUnits),
    writeUnits: numberOf(USAGE_ATTRIBUTES.writeUnits),
    computeMbMs: numberOf(USAGE_ATTRIBUTES.computeMbMs),
    invocations: numberOf(USAGE_ATTRIBUTES.invocations),
    tokens,
    storageBytes,
  };
}
