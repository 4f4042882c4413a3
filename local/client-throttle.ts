import { checkClientLimits, type ClientLimit, type ClientLimits } from '../functions/billing/client-limits.catalogue';
import { BoundedMap } from '../functions/identity/bounded-map';
import type { RateLimitState } from './rate-limit-headers';

export type ClientLimitName = keyof ClientLimits;

export type ClientVerdict =
  | { readonly admitted: true; readonly state: RateLimitState }
  | { readonly admitted: false; readonly limit: ClientLimitName; readonly retryAfterSeconds: number };

export interface ClientThrottleOptions {
  readonly limits: ClientLimits;
  /** Most clients tracked per limit; the least recently seen is forgotten first. @default 10,000 */
  readonly capacity?: number;
  /** @default Date.now */
  readonly clock?: () => number;
}

interface Bucket {
  tokens: number;
  refilledAt: number;
}

/**
 * The local stand-in for the region's WAF rate-based rules: per client address and limit, a token bucket that holds
 * one window's requests and refills at the window's average rate. A client that stays within the limit on average
 * is never refused, as with WAF; a burst of a whole window is allowed once, then the average holds.
 */
export class ClientThrottle {
  private readonly buckets: Record<ClientLimitName, BoundedMap<string, Bucket>>;
  private readonly clock: () => number;

  constructor(private readonly options: ClientThrottleOptions) {
    checkClientLimits(options.limits);
    const capacity = options.capacity ?? 10_000;
    this.buckets = { anyRequest: new BoundedMap(capacity), publicRoutes: new BoundedMap(capacity), rejected: new BoundedMap(capacity) };
    this.clock = options.clock ?? Date.now;
  }

  /** Counts a request of the client against the limit: refused, and not counted, when the client has none left. */
  take(limit: ClientLimitName, client: string): ClientVerdict {
    const verdict = this.check(limit, client);
    if (!verdict.admitted) return verdict;
    const bucket = this.bucket(limit, client);
    bucket.tokens -= 1;
    return { admitted: true, state: this.stateOf(limit, bucket) };
  }

  /** Whether the client has a request left under the limit, without counting one. */
  check(limit: ClientLimitName, client: string): ClientVerdict {
    const bucket = this.bucket(limit, client);
    if (bucket.tokens >= 1) return { admitted: true, state: this.stateOf(limit, bucket) };
    const perSecond = ratePerSecond(this.options.limits[limit]);
    return { admitted: false, limit, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond)) };
  }

  /** The limit as a RateLimit policy: a window's requests, what is left, and when the bucket is full again. */
  private stateOf(limit: ClientLimitName, bucket: Bucket): RateLimitState {
    const { requests, windowSeconds } = this.options.limits[limit];
    const resetSeconds = (requests - bucket.tokens) / ratePerSecond(this.options.limits[limit]);
    return { policy: limit, quota: requests, windowSeconds, remaining: bucket.tokens, resetSeconds };
  }

  private bucket(limit: ClientLimitName, client: string): Bucket {
    const { requests } = this.options.limits[limit];
    const now = this.clock();
    const buckets = this.buckets[limit];
    let bucket = buckets.get(client);
    if (!bucket) {
      bucket = { tokens: requests, refilledAt: now };
      buckets.set(client, bucket);
    }
    bucket.tokens = Math.min(requests, bucket.tokens + ((now - bucket.refilledAt) / 1000) * ratePerSecond(this.options.limits[limit]));
    bucket.refilledAt = now;
    return bucket;
  }
}

function ratePerSecond(limit: ClientLimit): number {
  return limit.requests / limit.windowSeconds;
}
