import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLE_SCHEMA } from '../data/table.schema';
import type { PlanSource } from '../quotas/plan.source';
import type { QuotaCounter } from '../data/mutation.ports';
import { COUNTER_ATTRIBUTES, monthOf, quotaCounters } from '../quotas/quota.counters';
import { batchGetItems } from '../data/item-reads';
import * as keys from '../data/table-keys';
import { estimateCost, type CostEstimate } from '../billing/pricing.catalogue';
import { MICROS_PER_CENT } from '../billing/budget-limits.catalogue';
import { costQuantitiesOf, dayOf, USAGE_ATTRIBUTES } from './usage.meter';
import type { UsageReport } from './usage.schema';

const { partitionKey: PK, sortKey: SK } = TABLE_SCHEMA;

export interface UsageServiceDeps {
  readonly db: (tenantId: string) => DynamoDBDocumentClient;
  readonly tableName: string;
  readonly plans: PlanSource;
  /** The region whose prices apply (the tenant's home, which serves it). */
  readonly region: string;
  /** Tenant-wide counters of the kinds the catalogue counts against a plan limit, reported beside the others. @default none */
  readonly counted?: readonly { counter(tenantId: string): QuotaCounter }[];
  /**
   * The tenant's model spend of a month (the governance's ledger: functions/governance/budget.service.ts).
   * @default no spend
   */
  readonly spend?: {
    /** The item that holds the tenant's spend of a month, read with the other counters. */
    key(tenantId: string, period: string): { pk: string; sk: string };
    of(item: Item | undefined, period: string, nowMs: number): Omit<UsageReport['spend'], 'currency' | 'spentCents'>;
  };
  /** @default Date.now */
  readonly clock?: () => number;
}

const NO_SPEND = { spentMicros: 0, steps: 0, forecastMicros: 0, byModel: {}, byAgent: {}, byWorkflow: {}, byApiKey: {} };

type Item = Record<string, unknown>;
const numberOf = (item: Item | undefined, attribute: string) => Number(item?.[attribute] ?? 0);

/**
 * The estimate with its daily cost: what was metered (API requests, DynamoDB, Lambda, models) over the days of the
 * period so far (today included; every day of a past month), and storage at one day's share of its monthly price.
 */
function withDailyCost(cost: CostEstimate, month: string, now: Date): UsageReport['cost'] {
  const [year, monthNumber] = month.split('-').map(Number);
  const daysInMonth = new Date(Date.UTC(year, monthNumber, 0)).getUTCDate();
  const days = month === monthOf(now) ? now.getUTCDate() : daysInMonth;
  const perDay = (cost.apiGateway + cost.dynamodb + cost.lambda + cost.models) / days + cost.storage / daysInMonth;
  return { ...cost, perDay: Math.round(perDay * 1e6) / 1e6 };
}

/** Usage of a tenant against its plan, from the quota counters and the metered period item. */
export class UsageService {
  private readonly clock: () => number;

  constructor(private readonly deps: UsageServiceDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  /**
   * Reads every counter of the period in two calls, made at once: one BatchGetItem of the tenant-wide counters and
   * the month's usage item, one Query of every agent's memory counter on the byCollection index (a further page only
   * past 1 MB of counters). The plan comes from the plan cache.
   */
  async report(tenantId: string, period?: string): Promise<UsageReport> {
    const now = new Date(this.clock());
    const month = period ?? monthOf(now);
    const tenantCounters = {
      agents: quotaCounters.agents(tenantId).key,
      workflows: quotaCounters.workflows(tenantId).key,
      users: quotaCounters.users(tenantId).key,
      runs: quotaCounters.runs(tenantId, month).key,
      usage: keys.usagePeriod(tenantId, month),
    };
    const kindCounters = (this.deps.counted ?? []).map((kind) => kind.counter(tenantId));
    const spendKey = this.deps.spend?.key(tenantId, month);
    const [plan, counters, memoryCounters] = await Promise.all([
      this.deps.plans.planOf(tenantId),
      this.batchGet(tenantId, [...Object.values(tenantCounters), ...kindCounters.map((counter) => counter.key), ...(spendKey ? [spendKey] : [])]),
      this.memoryCounters(tenantId),
    ]);
    const find = (key: { pk: string; sk: string }) => counters.find((item) => item[PK] === key.pk && item[SK] === key.sk);
    const spend = spendKey && this.deps.spend ? this.deps.spend.of(find(spendKey), month, now.getTime()) : NO_SPEND;
    const agents = find(tenantCounters.agents);
    const usage = find(tenantCounters.usage);
    const today = month === monthOf(now) ? numberOf(usage, USAGE_ATTRIBUTES.requestsOfDay(dayOf(now))) : 0;
    const memoryCounts = memoryCounters.map((item) => numberOf(item, COUNTER_ATTRIBUTES.count));
    const memoryBytes = memoryCounters.reduce((sum, item) => sum + numberOf(item, COUNTER_ATTRIBUTES.bytes), 0);
    const runs = numberOf(find(tenantCounters.runs), COUNTER_ATTRIBUTES.count);
    const kindItems = kindCounters.map((counter) => ({ quota: counter.quota, item: find(counter.key) }));
    const kindBytes = kindItems.reduce((sum, { item }) => sum + numberOf(item, COUNTER_ATTRIBUTES.bytes), 0);
    const storageBytes = numberOf(agents, COUNTER_ATTRIBUTES.bytes) + memoryBytes + kindBytes;
    const limits: Readonly<Record<string, number>> = plan.limits;
    return {
      tenantId,
      plan: plan.id,
      period: month,
      quotas: {
        agents: { used: numberOf(agents, COUNTER_ATTRIBUTES.count), limit: plan.limits.agents },
        workflows: { used: numberOf(find(tenantCounters.workflows), COUNTER_ATTRIBUTES.count), limit: plan.limits.workflows },
        users: { used: numberOf(find(tenantCounters.users), COUNTER_ATTRIBUTES.count), limit: plan.limits.users },
        memoriesPerAgent: { used: Math.max(0, ...memoryCounts), limit: plan.limits.memoriesPerAgent },
        runsPerMonth: { used: runs, limit: plan.limits.runsPerMonth },
        apiRequestsPerDay: { used: today, limit: plan.limits.apiRequestsPerDay },
        ...Object.fromEntries(kindItems.map(({ quota, item }) => [quota, { used: numberOf(item, COUNTER_ATTRIBUTES.count), limit: limits[quota] ?? 0 }])),
      },
      usage: {
        requests: numberOf(usage, USAGE_ATTRIBUTES.requests),
        runs,
        tokens: numberOf(usage, USAGE_ATTRIBUTES.tokens),
        memories: memoryCounts.reduce((sum, count) => sum + count, 0),
        storageBytes,
      },
      spend: { currency: 'USD', ...spend, spentCents: Math.ceil(spend.spentMicros / MICROS_PER_CENT) },
      cost: withDailyCost(estimateCost(this.deps.region, costQuantitiesOf(usage, storageBytes)), month, now),
    };
  }

  /** Every agent's memory counter (those of deleted agents are deleted with them). */
  private async memoryCounters(tenantId: string): Promise<Item[]> {
    const { indexName, partitionKey } = TABLE_SCHEMA.indexes.byCollection;
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await this.deps.db(tenantId).send(
        new QueryCommand({
          TableName: this.deps.tableName,
          IndexName: indexName,
          KeyConditionExpression: '#cpk = :cpk',
          ExpressionAttributeNames: { '#cpk': partitionKey, '#count': COUNTER_ATTRIBUTES.count, '#bytes': COUNTER_ATTRIBUTES.bytes },
          ExpressionAttributeValues: { ':cpk': keys.memoryCounters(tenantId) },
          ProjectionExpression: '#count, #bytes',
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  private batchGet(tenantId: string, itemKeys: { pk: string; sk: string }[]): Promise<Item[]> {
    return batchGetItems(this.deps.db(tenantId), this.deps.tableName, itemKeys);
  }
}
