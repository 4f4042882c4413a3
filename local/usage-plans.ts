import { PLANS, type Plan, type PlanId } from '../functions/billing/plan.catalogue';
import { NotFoundError } from '../functions/core/errors';
import type { RateLimitState } from './rate-limit-headers';

/** A usage plan outside the plan catalogue with the one key in it (no daily quota). */
export interface KeyedPlan {
  readonly key: string;
  readonly rateLimit: Plan['rateLimit'];
}

export interface UsagePlanThrottleOptions {
  /**
   * The plan a tenant's key is in until the API Gateway API moves it: its record's plan, as the tenant's stack binds
   * the key to its manifest's plan when it deploys.
   */
  readonly planOf: (tenantId: string) => Promise<Plan>;
  /** The platform key, which the authorizer names for platform admins, and its usage plan's throttle. @default none */
  readonly platform?: KeyedPlan;
  /** The redirect key, which the authorizer names for tenants homed in another region, and its throttle. @default none */
  readonly redirect?: KeyedPlan;
  /** @default Date.now */
  readonly clock?: () => number;
}

/** Why a request was refused, as API Gateway words it. */
export type ThrottleVerdict =
  | { readonly admitted: true; readonly quota?: RateLimitState }
  | { readonly admitted: false; readonly reason: 'rate' | 'quota'; readonly retryAfterSeconds: number; readonly state?: RateLimitState }
  | { readonly admitted: false; readonly reason: 'no-usage-plan' }
  | { readonly admitted: false; readonly reason: 'no-key' };

interface Bucket {
  tokens: number;
  refilledAt: number;
  day: string;
  requestsToday: number;
}

/** The usage plan a key is in: a plan's, or none (left one, not yet in another). */
type Binding = Plan | null;

/**
 * What API Gateway's usage plans do for the API keys the authorizer names, emulated for the local gateway: a token
 * bucket per key (steady rate and burst of its usage plan) and the plan's daily request quota. Keyed by the usage
 * identifier, so, as in AWS, only requests that carry one are counted, and each key's bucket is its own. Keys move
 * between usage plans through `addKey` / `removeKey`, as with the API Gateway API; a key in no usage plan is
 * refused.
 */
export class UsagePlanThrottle {
  private readonly buckets = new Map<string, Bucket>();
  private readonly bindings = new Map<string, Binding>();
  /** Keys made through the API Gateway API (a migration's, in its target region), with their tags. */
  private readonly made = new Map<string, Readonly<Record<string, string>>>();
  /** Keys deleted through the API Gateway API. */
  private readonly deleted = new Set<string>();
  private readonly clock: () => number;

  constructor(private readonly options: UsagePlanThrottleOptions) {
    this.clock = options.clock ?? Date.now;
  }

  async admit(usageKey: string, tenantId: string | undefined): Promise<ThrottleVerdict> {
    for (const keyed of [this.options.platform, this.options.redirect]) {
      if (keyed && usageKey === keyed.key) return this.take(`keyed/${usageKey}`, keyed.rateLimit);
    }
    if (tenantId === undefined) return { admitted: false, reason: 'no-usage-plan' };
    if (!(await this.keyExists(usageKey, tenantId))) return { admitted: false, reason: 'no-key' };
    const plan = await this.bindingOf(usageKey, tenantId);
    if (plan === null) return { admitted: false, reason: 'no-usage-plan' };
    // A bucket per usage plan and key, as API Gateway keeps them: a key moved to another plan starts with that plan's burst.
    return this.take(`${plan.id}/${usageKey}`, plan.rateLimit, plan.limits.apiRequestsPerDay);
  }

  /**
   * Whether the tenant's key exists in this region: where its stack is deployed, its home region (or where a migration
   * made it, which it does once the tenant's records are imported there), that is where the tenant has a record.
   */
  async keyExists(usageKey: string, tenantId: string): Promise<boolean> {
    if (this.deleted.has(usageKey)) return false;
    if (this.made.has(usageKey) || this.bindings.has(usageKey)) return true;
    try {
      await this.bindingOf(usageKey, tenantId);
      return true;
    } catch (error) {
      if (error instanceof NotFoundError) return false;
      throw error;
    }
  }

  /** The plan whose usage plan the key is in, or null. */
  async bindingOf(usageKey: string, tenantId: string): Promise<Binding> {
    const known = this.bindings.get(usageKey);
    if (known !== undefined) return known;
    const plan = await this.options.planOf(tenantId);
    // Another call may have bound it while the plan was read: that binding wins.
    if (!this.bindings.has(usageKey)) this.bindings.set(usageKey, plan);
    return this.bindings.get(usageKey) as Binding;
  }

  /** CreateApiKey of a key that does not exist: it exists from now on, with its tags, in no usage plan. */
  makeKey(usageKey: string, tags: Readonly<Record<string, string>>): void {
    this.deleted.delete(usageKey);
    this.made.set(usageKey, tags);
    this.bindings.set(usageKey, null);
  }

  /** DeleteApiKey of a key that exists: gone, and out of its usage plan. */
  deleteKey(usageKey: string): void {
    this.deleted.add(usageKey);
    this.made.delete(usageKey);
    this.bindings.delete(usageKey);
  }

  /** The tags of a key (only keys made through the API have any). */
  tagsOf(usageKey: string): Readonly<Record<string, string>> {
    return this.made.get(usageKey) ?? {};
  }

  /** CreateUsagePlanKey: false (a conflict) when the key is in a usage plan already. */
  async addKey(usageKey: string, tenantId: string, plan: PlanId): Promise<boolean> {
    if ((await this.bindingOf(usageKey, tenantId)) !== null) return false;
    this.bindings.set(usageKey, PLANS[plan]);
    return true;
  }

  /** DeleteUsagePlanKey: false (not found) when the key is not in that usage plan. */
  async removeKey(usageKey: string, tenantId: string, plan: PlanId): Promise<boolean> {
    if ((await this.bindingOf(usageKey, tenantId))?.id !== plan) return false;
    this.bindings.set(usageKey, null);
    return true;
  }

  private take(bucketId: string, rateLimit: Plan['rateLimit'], dailyQuota?: number): ThrottleVerdict {
    const now = this.clock();
    const day = new Date(now).toISOString().slice(0, 10);
    const { requestsPerSecond, burst } = rateLimit;
    const bucket = this.buckets.get(bucketId) ?? { tokens: burst, refilledAt: now, day, requestsToday: 0 };
    this.buckets.set(bucketId, bucket);
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.refilledAt) / 1000) * requestsPerSecond);
    bucket.refilledAt = now;
    if (bucket.day !== day) {
      bucket.day = day;
      bucket.requestsToday = 0;
    }
    const resetSeconds = (Date.parse(`${day}T00:00:00.000Z`) + 86_400_000 - now) / 1000;
    const quotaState = (requestsToday: number): RateLimitState | undefined =>
      dailyQuota === undefined ? undefined : { policy: 'daily', quota: dailyQuota, windowSeconds: 86_400, remaining: dailyQuota - requestsToday, resetSeconds };
    if (dailyQuota !== undefined && bucket.requestsToday >= dailyQuota) {
      return { admitted: false, reason: 'quota', retryAfterSeconds: Math.max(1, Math.ceil(resetSeconds)), state: quotaState(bucket.requestsToday) };
    }
    if (bucket.tokens < 1) {
      const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / requestsPerSecond));
      const state: RateLimitState = { policy: 'rate', quota: burst, windowSeconds: 1, remaining: 0, resetSeconds: retryAfterSeconds };
      return { admitted: false, reason: 'rate', retryAfterSeconds, state };
    }
    bucket.tokens -= 1;
    bucket.requestsToday += 1;
    const quota = quotaState(bucket.requestsToday);
    return quota ? { admitted: true, quota } : { admitted: true };
  }
}
