import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Plan } from '../billing/plan.catalogue';
import { TenantCache } from '../core/tenant-cache';
import { conditionOf, itemAbsent, itemExists, versionIs } from '../data/conditions';
import * as keys from '../data/table-keys';
import type { ItemWrite } from '../data/mutation.executor';
import { modelPolicySchema, type ModelPolicy } from './model-policy.schema';

/** A tenant's model policy item (one per tenant). */
export class ModelPolicyRepository {
  constructor(
    private readonly db: (tenantId: string) => DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(tenantId: string): Promise<ModelPolicy | undefined> {
    const { Item } = await this.db(tenantId).send(new GetCommand({ TableName: this.tableName, Key: keys.modelPolicy(tenantId), ConsistentRead: true }));
    return Item ? modelPolicySchema.parse(Item) : undefined;
  }

  /** Writes the policy: the first version only when there is none, a later one only over the version it follows. */
  put(tenantId: string, policy: ModelPolicy, onConditionFailed: () => Error): ItemWrite {
    const valid = modelPolicySchema.parse(policy);
    return {
      put: {
        Item: { ...keys.modelPolicy(tenantId), ...valid },
        ...(valid.version === 1 ? conditionOf(itemAbsent) : conditionOf(itemExists, versionIs(valid.version - 1))),
      },
      onConditionFailed,
    };
  }

  delete(tenantId: string, version: number, onConditionFailed: () => Error): ItemWrite {
    return { delete: { Key: keys.modelPolicy(tenantId), ...conditionOf(itemExists, versionIs(version)) }, onConditionFailed };
  }
}

/** Where model calls read a tenant's model policy. */
export interface ModelPolicySource {
  policyOf(tenantId: string): Promise<ModelPolicy | undefined>;
}

/** Caches each tenant's model policy for a few seconds: a changed allow-list or guardrail applies within `ttlMs`. */
export class CachedModelPolicySource implements ModelPolicySource {
  private readonly cache: TenantCache<{ readonly policy: ModelPolicy | undefined }> | undefined;

  constructor(
    private readonly repository: Pick<ModelPolicyRepository, 'get'>,
    /** @default 5 s; 0 reads the policy for every call */
    ttlMs = 5_000,
  ) {
    this.cache = ttlMs > 0 ? new TenantCache({ capacity: 1_000, ttlMs }) : undefined;
  }

  async policyOf(tenantId: string): Promise<ModelPolicy | undefined> {
    if (!this.cache) return this.repository.get(tenantId);
    const cached = await this.cache.getOrLoad(tenantId, 'model-policy', async () => ({ policy: await this.repository.get(tenantId) }));
    return cached.policy;
  }
}

/** The models a tenant may use: its plan's, narrowed by its own allow-list when it has one. */
export function allowedModelsOf(plan: Pick<Plan, 'models'>, policy: Pick<ModelPolicy, 'allowedModels'> | undefined): readonly string[] {
  const own = policy?.allowedModels;
  return own ? plan.models.filter((modelId) => own.includes(modelId)) : plan.models;
}
