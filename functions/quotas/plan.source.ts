import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PLANS, planIdSchema, type Plan } from '../billing/plan.catalogue';
import { NotFoundError } from '../core/errors';
import * as keys from '../data/table-keys';
import { PLAN_ATTRIBUTE, type PlanSource as PortPlanSource } from '../data/mutation.ports';
import { TenantCache } from '../core/tenant-cache';

export { PLAN_ATTRIBUTE } from '../data/mutation.ports';

/** Where the plan of a tenant comes from: the catalogue's plans. */
export type PlanSource = PortPlanSource<Plan>;

export interface CachedPlanSourceOptions {
  /** The tenant-scoped client of a tenant (its record is tenant data). */
  readonly db: (tenantId: string) => DynamoDBDocumentClient;
  readonly tableName: string;
  /** @default 60 s: a plan change shows in limits after at most this long, and at once in quota checks (see below) */
  readonly ttlMs?: number;
  /** @default 1,000 tenants */
  readonly capacity?: number;
}

/**
 * Reads the plan from the tenant record and caches it per tenant. The cache cannot let a tenant exceed a newer,
 * smaller plan: mutations that check a quota also check, in the same transaction, that the record still names
 * the plan the limit came from, and re-read it fresh when it does not.
 */
export class CachedPlanSource implements PlanSource {
  private readonly cache: TenantCache<Plan>;

  constructor(private readonly options: CachedPlanSourceOptions) {
    this.cache = new TenantCache<Plan>({ capacity: options.capacity ?? 1_000, ttlMs: options.ttlMs ?? 60_000 });
  }

  async planOf(tenantId: string, { fresh = false }: { readonly fresh?: boolean } = {}): Promise<Plan> {
    if (fresh) this.cache.delete(tenantId, PLAN_ATTRIBUTE);
    return this.cache.getOrLoad(tenantId, PLAN_ATTRIBUTE, async () => {
      const { Item } = await this.options.db(tenantId).send(
        new GetCommand({
          TableName: this.options.tableName,
          Key: keys.tenantProfile(tenantId),
          ProjectionExpression: '#plan',
          ExpressionAttributeNames: { '#plan': PLAN_ATTRIBUTE },
          ConsistentRead: true,
        }),
      );
      if (!Item) throw new NotFoundError(`tenant ${tenantId} not found`);
      return PLANS[planIdSchema.parse(Item[PLAN_ATTRIBUTE])];
    });
  }
}
