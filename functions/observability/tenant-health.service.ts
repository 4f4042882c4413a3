import { SERVICE_LEVELS, type ServiceLevel } from '../billing/service-levels.catalogue';
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as keys from '../data/table-keys';
import { TABLE_SCHEMA } from '../data/table.schema';
import { HEALTH_ATTRIBUTES, hourOf, LATENCY_BUCKETS_MS, LATENCY_OVERFLOW_BUCKET } from './tenant-health.attributes';
import type { HealthWindow, TenantHealth, TenantHealthRanking } from './tenant-health.schema';

type Item = Readonly<Record<string, unknown>>;
type Quotas = Record<keyof TenantHealth['quotaHeadroom'], { readonly used: number; readonly limit: number }>;

/** One tenant of the region as the ranking lists it. */
export type RankedTenant = Pick<TenantHealthRanking['items'][number], 'tenantId' | 'slug' | 'status'>;

export interface TenantHealthServiceDeps {
  /** The tenant-scoped client of a tenant. */
  readonly db: (tenantId: string) => DynamoDBDocumentClient;
  readonly tableName: string;
  /** The tenant's plan and its use of each limit (the usage report's quotas). */
  readonly quotasOf: (tenantId: string) => Promise<{ readonly plan: string; readonly quotas: Quotas }>;
  /** The tenants this region serves (active or suspended). */
  readonly tenants: () => Promise<readonly RankedTenant[]>;
  /** Tenants read at once by the ranking. @default 8 */
  readonly concurrency?: number;
  /** @default Date.now */
  readonly clock?: () => number;
}

const HOUR_MS = 3_600_000;
const { partitionKey: PK, sortKey: SK } = TABLE_SCHEMA;

/**
 * A tenant's health over the current hour and the last 24 from its hourly health items (what the usage meter of
 * every function wrote, one Query of at most 24 items), and its quota headroom; and every tenant of the region
 * ranked by one figure for platform admins. The same items in AWS and locally: no log query.
 */
export class TenantHealthService {
  private readonly clock: () => number;

  constructor(private readonly deps: TenantHealthServiceDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  async health(tenantId: string): Promise<TenantHealth> {
    const now = this.clock();
    const [items, { plan, quotas }] = await Promise.all([this.lastDay(tenantId, now), this.deps.quotasOf(tenantId)]);
    const quotaHeadroom = Object.fromEntries(
      Object.entries(quotas).map(([name, { used, limit }]) => [name, { used, limit, headroom: Math.max(0, limit - used) }]),
    ) as TenantHealth['quotaHeadroom'];
    const hour = this.window(tenantId, items, now, 'hour');
    const day = this.window(tenantId, items, now, 'day');
    const level = SERVICE_LEVELS[plan as TenantHealth['plan']];
    return {
      tenantId,
      plan: plan as TenantHealth['plan'],
      serviceLevel: {
        p99LatencyMs: level.p99LatencyMs,
        availability: level.availability,
        met: { hour: meetsServiceLevel(hour, level), day: meetsServiceLevel(day, level) },
      },
      hour,
      day,
      quotaHeadroom,
    };
  }

  async ranking(sort: TenantHealthRanking['sort'], window: TenantHealthRanking['window']): Promise<TenantHealthRanking> {
    const now = this.clock();
    const tenants = await this.deps.tenants();
    const ranked: TenantHealthRanking['items'] = [];
    const concurrency = this.deps.concurrency ?? 8;
    for (let i = 0; i < tenants.length; i += concurrency) {
      const batch = tenants.slice(i, i + concurrency);
      const windows = await Promise.all(batch.map(async (tenant) => this.window(tenant.tenantId, await this.lastDay(tenant.tenantId, now), now, window)));
      for (const [index, tenant] of batch.entries())
        ranked.push({ tenantId: tenant.tenantId, slug: tenant.slug, status: tenant.status, health: windows[index] });
    }
    const figure = (health: HealthWindow) => (sort === 'p99' ? (health.latencyMs.p99 ?? (health.requests > 0 ? Number.POSITIVE_INFINITY : -1)) : health[sort]);
    ranked.sort((a, b) => figure(b.health) - figure(a.health) || b.health.requests - a.health.requests || a.tenantId.localeCompare(b.tenantId));
    return { window, sort, items: ranked };
  }

  /** The tenant's health items of the last 24 hours (the current one included), oldest first. */
  private async lastDay(tenantId: string, now: number): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.deps.db(tenantId).send(
        new QueryCommand({
          TableName: this.deps.tableName,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
          ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
          ExpressionAttributeValues: {
            ':pk': keys.tenantHealthPartition(tenantId),
            ':from': keys.tenantHealthHour(tenantId, hourOf(new Date(now - 23 * HOUR_MS))).sk,
            ':to': keys.tenantHealthHour(tenantId, hourOf(new Date(now))).sk,
          },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  private window(tenantId: string, items: readonly Item[], now: number, window: 'hour' | 'day'): HealthWindow {
    const first = hourOf(new Date(window === 'hour' ? now : now - 23 * HOUR_MS));
    const since = `${first}:00:00.000Z`;
    const inWindow = items.filter((item) => String(item[SK]) >= keys.tenantHealthHour(tenantId, first).sk);
    const sum = (attribute: string) => inWindow.reduce((total, item) => total + Number(item[attribute] ?? 0), 0);
    const requests = sum(HEALTH_ATTRIBUTES.requests);
    const clientErrors = sum(HEALTH_ATTRIBUTES.clientErrors);
    const serverErrors = sum(HEALTH_ATTRIBUTES.serverErrors);
    const buckets = [...LATENCY_BUCKETS_MS.map((bound) => ({ bound: bound as number | null, count: sum(HEALTH_ATTRIBUTES.latencyBucket(`le${bound}`)) }))];
    buckets.push({ bound: null, count: sum(HEALTH_ATTRIBUTES.latencyBucket(LATENCY_OVERFLOW_BUCKET)) });
    return {
      since,
      requests,
      clientErrors,
      serverErrors,
      errorRate: requests > 0 ? (clientErrors + serverErrors) / requests : 0,
      serverErrorRate: requests > 0 ? serverErrors / requests : 0,
      availability: requests > 0 ? 1 - serverErrors / requests : 1,
      throttles: sum(HEALTH_ATTRIBUTES.throttles),
      quotaRefusals: sum(HEALTH_ATTRIBUTES.quotaRefusals),
      latencyMs: {
        mean: requests > 0 ? sum(HEALTH_ATTRIBUTES.latencyTotalMs) / requests : null,
        p50: percentileOf(buckets, 0.5),
        p99: percentileOf(buckets, 0.99),
      },
    };
  }
}

/** A window meets the service level when its availability reaches the target and its p99 stays within it. */
function meetsServiceLevel(window: HealthWindow, level: ServiceLevel): boolean {
  if (window.requests === 0) return true;
  return window.availability >= level.availability && window.latencyMs.p99 !== null && window.latencyMs.p99 <= level.p99LatencyMs;
}

/**
 * The upper bound of the bucket that holds the q-quantile (nearest rank): never below the true percentile, at most
 * one bucket above it. Null without requests or when it lies past the last bound.
 */
export function percentileOf(buckets: readonly { readonly bound: number | null; readonly count: number }[], q: number): number | null {
  const total = buckets.reduce((sum, bucket) => sum + bucket.count, 0);
  if (total === 0) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (const bucket of buckets) {
    seen += bucket.count;
    if (seen >= rank) return bucket.bound;
  }
  return null;
}
