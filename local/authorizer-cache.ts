import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { headerValues, type HeaderSource } from '../functions/core/request-headers';
import { BoundedMap } from '../functions/identity/bounded-map';

/** The authorizer's identity source, as the REST API declares it (lib/constructs/platform-api.ts). */
export const IDENTITY_SOURCE_HEADER = 'Authorization';

/** How often the cache answered instead of the authorizer. */
export interface AuthorizerCacheStats {
  /** Requests answered from the cache: no authorizer invocation. */
  readonly hits: number;
  /** Requests that invoked the authorizer. */
  readonly misses: number;
}

export interface AuthorizerResultCacheOptions {
  /** How long a result is reused (API Gateway's `AuthorizerResultTtlInSeconds`); 0 caches nothing. */
  readonly ttlMs: number;
  /** Most identities held; the least recently used leaves first. @default 10_000 */
  readonly capacity?: number;
  /** @default Date.now */
  readonly clock?: () => number;
}

/**
 * API Gateway's authorizer result cache: a REQUEST authorizer's result (its policy, context and usage key) kept for
 * the TTL under the value of its identity source, and reused for every request with the same value, whatever its
 * method and path; the gateway then evaluates the cached policy against each request's method ARN. A request
 * without the identity source gets 401 before any authorizer runs. A 401 (the authorizer threw) is not kept.
 */
export class AuthorizerResultCache {
  private readonly results: BoundedMap<string, { readonly result: APIGatewayAuthorizerResult; readonly until: number }>;
  private readonly clock: () => number;
  private counts = { hits: 0, misses: 0 };

  constructor(private readonly options: AuthorizerResultCacheOptions) {
    this.results = new BoundedMap(options.capacity ?? 10_000);
    this.clock = options.clock ?? Date.now;
  }

  /** The identity source's value, or undefined when the request lacks it (missing or empty). */
  static identityOf(request: HeaderSource): string | undefined {
    const values = headerValues(request, IDENTITY_SOURCE_HEADER).filter((value) => value.trim() !== '');
    return values.length > 0 ? values.join(',') : undefined;
  }

  /** The result for the identity: the cached one while fresh, else `authorize`'s, which is kept for the TTL. */
  async resultFor(identity: string, authorize: () => Promise<APIGatewayAuthorizerResult>): Promise<APIGatewayAuthorizerResult> {
    const cached = this.results.get(identity);
    if (cached && cached.until > this.clock()) {
      this.counts.hits += 1;
      return cached.result;
    }
    this.counts.misses += 1;
    const result = await authorize();
    if (this.options.ttlMs > 0) this.results.set(identity, { result, until: this.clock() + this.options.ttlMs });
    return result;
  }

  get stats(): AuthorizerCacheStats {
    return { ...this.counts };
  }
}
