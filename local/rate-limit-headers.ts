/**
 * `RateLimit-Policy` and `RateLimit` response headers (IETF draft "RateLimit header fields for HTTP", structured
 * field form): the quota policy a request counted against, and what is left of it.
 */
export interface RateLimitState {
  /** Name of the policy, e.g. `daily` for a usage plan's daily quota. */
  readonly policy: string;
  /** Requests allowed per window. */
  readonly quota: number;
  readonly windowSeconds: number;
  readonly remaining: number;
  /** Seconds until the quota is whole again. */
  readonly resetSeconds: number;
}

export function rateLimitHeaders(state: RateLimitState): Record<string, string> {
  const remaining = Math.max(0, Math.floor(state.remaining));
  const reset = Math.max(0, Math.ceil(state.resetSeconds));
  return {
    'ratelimit-policy': `"${state.policy}";q=${state.quota};w=${state.windowSeconds}`,
    ratelimit: `"${state.policy}";r=${remaining};t=${reset}`,
  };
}
