import type { Plan } from '../functions/billing/plan.catalogue';
import type { RateLimitState } from './rate-limit-headers';

export interface UsagePlanThrottleOptions {
  /** The plan whose usage plan the tenant's key is bound to. */
  readonly planOf: (tenantId: string) => Promise<Plan>;
  /** @default Date.now */
  readonly clock?: () => number;
}

/** Why a request was refused, as API Gateway words it. */
export type ThrottleVerdict =
  | { readonly admitted: true; readonly quota?: RateLimitState }
  | { readonly admitted: false; readonly reason: 'rate' | 'quota' };

interface Bucket {
  tokens: number;
  refilledAt: number;
  day: string;
  requestsToday: number;
}

/**
 * What API Gateway's usage plans do for a tenant's API key, emulated for the local gateway: a token bucket per key
 * (steady rate and burst of the plan) and the plan's daily request quota. Keyed by the usage identifier the
 * authorizer returns, so, as in AWS, only requests that carry one are counted.
 */
export class UsagePlanThrottle {
  private readonly buckets = new Map<string, Bucket>();
  private readonly clock: () => number;

  constructor(private readonly options: UsagePlanThrottleOptions) {
    this.clock = options.clock ?? Date.now;
  }

  async admit(usageKey: string, tenantId: string): Promise<ThrottleVerdict> {
    const plan = await this.options.planOf(tenantId);
    const now = this.clock();
    const day = new Date(now).toISOString().slice(0, 10);
    const { requestsPerSecond, burst } = plan.rateLimit;
    const bucket = this.buckets.get(usageKey) ?? { tokens: burst, refilledAt: now, day, requestsToday: 0 };
    this.buckets.set(usageKey, bucket);
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.refilledAt) / 1000) * requestsPerSecond);
    bucket.refilledAt = now;
    if (bucket.day !== day) {
      bucket.day = day;
      bucket.requestsToday = 0;
    }
    if (bucket.requestsToday >= plan.limits.apiRequestsPerDay) return { admitted: false, reason: 'quota' };
    if (bucket.tokens < 1) return { admitted: false, reason: 'rate' };
    bucket.tokens -= 1;
    bucket.requestsToday += 1;
    const quota = plan.limits.apiRequestsPerDay;
    const resetSeconds = (Date.parse(`${day}T00:00:00.000Z`) + 86_400_000 - now) / 1000;
    return { admitted: true, quota: { policy: 'daily', quota, windowSeconds: 86_400, remaining: quota - bucket.requestsToday, resetSeconds } };
  }
}
