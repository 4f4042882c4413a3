import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Operation, OperationRequest } from '../core/http';
import { keys } from '../data/keys';
import type { CounterIncrement } from '../data/mutation.executor';
import { monthOf } from '../quotas/quota.counters';

/** Attribute names of a usage period item (`T#<t>#USAGE` / `MONTH#YYYY-MM`). */
export const USAGE_ATTRIBUTES = {
  requests: 'requests',
  tokens: 'tokens',
  /** Requests of day DD of the month: `requestsDay01` … `requestsDay31`. */
  requestsOfDay: (day: string) => `requestsDay${day}`,
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

export interface RequestMeterOptions {
  readonly db: (tenantId: string) => DynamoDBDocumentClient;
  readonly tableName: string;
  /** Flush a tenant's count once it reaches this many requests. @default 50 */
  readonly flushEvery?: number;
  /** …or when its oldest unflushed request is this old. @default 10 s */
  readonly flushAfterMs?: number;
  /** @default Date.now */
  readonly clock?: () => number;
}

interface Pending {
  count: number;
  since: number;
  month: string;
  day: string;
}

/**
 * Counts API requests per tenant per month and day. Counting in the container and adding the count in one
 * UpdateItem every `flushEvery` requests or `flushAfterMs` keeps metering off the request's own DynamoDB calls
 * (reads stay one call); a container that dies loses at most its unflushed counts, which is acceptable for
 * metering (throttling and quotas of requests are the usage plan's, in API Gateway).
 */
export class RequestMeter {
  private readonly pending = new Map<string, Pending>();
  private readonly clock: () => number;

  constructor(private readonly options: RequestMeterOptions) {
    this.clock = options.clock ?? Date.now;
  }

  /** Counts one request of the tenant, and flushes its count when due. */
  async count(tenantId: string): Promise<void> {
    const now = this.clock();
    const time = new Date(now);
    const month = monthOf(time);
    const day = dayOf(time);
    let entry = this.pending.get(tenantId);
    if (entry && (entry.month !== month || entry.day !== day)) {
      await this.flush(tenantId);
      entry = undefined;
    }
    if (!entry) {
      entry = { count: 0, since: now, month, day };
      this.pending.set(tenantId, entry);
    }
    entry.count += 1;
    if (entry.count >= (this.options.flushEvery ?? 50) || now - entry.since >= (this.options.flushAfterMs ?? 10_000)) {
      await this.flush(tenantId);
    }
  }

  /** Adds the tenant's pending count to its usage item (every tenant's when no tenant is given). */
  async flush(tenantId?: string): Promise<void> {
    const tenants = tenantId ? [tenantId] : [...this.pending.keys()];
    await Promise.all(
      tenants.map(async (id) => {
        const entry = this.pending.get(id);
        if (!entry || entry.count === 0) return;
        this.pending.delete(id);
        try {
          await this.options.db(id).send(
            new UpdateCommand({
              TableName: this.options.tableName,
              Key: keys.usagePeriod(id, entry.month),
              UpdateExpression: 'ADD #requests :n, #day :n',
              ExpressionAttributeNames: { '#requests': USAGE_ATTRIBUTES.requests, '#day': USAGE_ATTRIBUTES.requestsOfDay(entry.day) },
              ExpressionAttributeValues: { ':n': entry.count },
            }),
          );
        } catch {
          // Metering must never fail a request: the count is lost, the request is not.
        }
      }),
    );
  }
}

/** Wraps a group's operations so each request that reaches its operation is counted for its tenant. */
export function meterOperations<T extends Readonly<Record<string, Operation>>>(meter: Pick<RequestMeter, 'count'> | undefined, operations: T): T {
  if (!meter) return operations;
  return Object.fromEntries(
    Object.entries(operations).map(([id, operation]) => [
      id,
      async (request: OperationRequest) => {
        const tenantId = (request.path as { tenantId?: unknown }).tenantId;
        if (typeof tenantId === 'string') await meter.count(tenantId);
        return operation(request);
      },
    ]),
  ) as unknown as T;
}
