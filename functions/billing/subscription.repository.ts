import { BatchGetCommand, GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PreconditionFailedError } from '../core/errors';
import { conditionOf, itemAbsent, versionIs } from '../data/conditions';
import * as keys from '../data/table-keys';
import type { ItemWrite } from '../data/mutation.executor';
import { COUNTER_ATTRIBUTES, monthOf, quotaCounters, type QuotaName } from '../quotas/quota.counters';
import { subscriptionSchema, type Subscription } from './subscription.schema';

/** The tenant's subscription item, read through the tenant's scoped client. */
export class SubscriptionRepository {
  constructor(
    private readonly db: (tenantId: string) => DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(tenantId: string): Promise<Subscription | undefined> {
    const { Item } = await this.db(tenantId).send(new GetCommand({ TableName: this.tableName, Key: keys.subscription(tenantId), ConsistentRead: true }));
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, ...fields } = Item;
    return subscriptionSchema.parse(fields);
  }
}

/** The item change of a subscription: written at `previousVersion` (absent for the first), else 412. */
export function subscriptionWrite(subscription: Subscription, previousVersion: number | undefined): ItemWrite {
  const valid = subscriptionSchema.parse(subscription);
  return {
    put: {
      Item: { ...keys.subscription(valid.tenantId), ...valid },
      ...conditionOf(previousVersion === undefined ? itemAbsent : versionIs(previousVersion)),
    },
    onConditionFailed: () => new PreconditionFailedError(`the subscription of tenant ${valid.tenantId} changed meanwhile`),
  };
}

/** How much of each counted limit a tenant uses now: what a smaller plan must allow for a downgrade. */
export type CurrentUsage = Readonly<Partial<Record<QuotaName, number>>>;

/**
 * Reads the tenant's quota counters (agents, workflows, users, runs this month) in one BatchGet. Memories are
 * counted per agent and left to the quota check of each new memory.
 */
export async function readCurrentUsage(db: DynamoDBDocumentClient, tableName: string, tenantId: string, now: Date): Promise<CurrentUsage> {
  const counters = [
    quotaCounters.agents(tenantId),
    quotaCounters.workflows(tenantId),
    quotaCounters.users(tenantId),
    quotaCounters.runs(tenantId, monthOf(now)),
  ];
  const { Responses } = await db.send(
    new BatchGetCommand({ RequestItems: { [tableName]: { Keys: counters.map((counter) => counter.key), ConsistentRead: true } } }),
  );
  const items = Responses?.[tableName] ?? [];
  const usage: Partial<Record<QuotaName, number>> = {};
  for (const counter of counters) {
    const item = items.find((candidate) => candidate.pk === counter.key.pk && candidate.sk === counter.key.sk);
    usage[counter.quota] = Number(item?.[COUNTER_ATTRIBUTES.count] ?? 0);
  }
  return usage;
}
