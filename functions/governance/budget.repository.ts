import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TenantCache } from '../core/tenant-cache';
import { conditionOf, itemAbsent, itemExists, versionIs } from '../data/conditions';
import * as keys from '../data/table-keys';
import type { ItemWrite } from '../data/mutation.executor';
import { budgetPolicySchema, type BudgetPolicy } from './budget.schema';

/** A tenant's budget policy item (one per tenant). */
export class BudgetRepository {
  constructor(
    private readonly db: (tenantId: string) => DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(tenantId: string): Promise<BudgetPolicy | undefined> {
    const { Item } = await this.db(tenantId).send(new GetCommand({ TableName: this.tableName, Key: keys.budgetPolicy(tenantId), ConsistentRead: true }));
    return Item ? budgetPolicySchema.parse(Item) : undefined;
  }

  /** Writes the policy: the first version only when there is none, a later one only over the version it follows. */
  put(tenantId: string, policy: BudgetPolicy, onConditionFailed: () => Error): ItemWrite {
    const valid = budgetPolicySchema.parse(policy);
    return {
      put: {
        Item: { ...keys.budgetPolicy(tenantId), ...valid },
        ...(valid.version === 1 ? conditionOf(itemAbsent) : conditionOf(itemExists, versionIs(valid.version - 1))),
      },
      onConditionFailed,
    };
  }

  delete(tenantId: string, version: number, onConditionFailed: () => Error): ItemWrite {
    return { delete: { Key: keys.budgetPolicy(tenantId), ...conditionOf(itemExists, versionIs(version)) }, onConditionFailed };
  }
}

/** Where model calls read a tenant's budget policy. */
export interface BudgetPolicySource {
  policyOf(tenantId: string): Promise<BudgetPolicy | undefined>;
}

/**
 * Caches each tenant's policy for a few seconds, so a run's steps do not each read it: a changed budget applies to
 * calls within `ttlMs`. The ledger's conditional reservation, not this cache, is what keeps spend within the cap.
 */
export class CachedBudgetPolicySource implements BudgetPolicySource {
  private readonly cache: TenantCache<{ readonly policy: BudgetPolicy | undefined }> | undefined;

  constructor(
    private readonly repository: Pick<BudgetRepository, 'get'>,
    /** @default 5 s; 0 reads the policy for every call */
    ttlMs = 5_000,
  ) {
    this.cache = ttlMs > 0 ? new TenantCache({ capacity: 1_000, ttlMs }) : undefined;
  }

  async policyOf(tenantId: string): Promise<BudgetPolicy | undefined> {
    if (!this.cache) return this.repository.get(tenantId);
    const cached = await this.cache.getOrLoad(tenantId, 'budget-policy', async () => ({ policy: await this.repository.get(tenantId) }));
    return cached.policy;
  }
}
