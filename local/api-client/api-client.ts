import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './api-schema';

/**
 * A typed client of the platform API, its types generated from the OpenAPI document the API serves
 * (`npm run api:types` writes api-schema.d.ts; a test fails when it is stale). Defaults make no field required:
 * a request may leave out what has a default. No API shape is written by hand.
 */
export type ApiClient = Client<paths>;
export type Problem = components['schemas']['Problem'];
export type TenantSummary = components['schemas']['TenantsPage']['items'][number];

/** How a client waits out a 429: how often it sends the request again, and the longest Retry-After it honours. */
export interface RetryPolicy {
  readonly retries: number;
  readonly maxWaitSeconds: number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 4, maxWaitSeconds: 10 };

/**
 * fetch that sends a request refused with 429 again after the Retry-After the platform names (1 s when it names
 * none), up to `policy.retries` times; any other answer, or the last 429, is returned as it is. A throttled request
 * reached no function (the gateway refuses it first), so sending it again is safe for every method.
 */
export function fetchHonouringRetryAfter(policy: RetryPolicy = DEFAULT_RETRY_POLICY, send: typeof fetch = fetch) {
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return async (request: Request): Promise<Response> => {
    for (let attempt = 0; ; attempt++) {
      const response = await send(request.clone());
      if (response.status !== 429 || attempt >= policy.retries) return response;
      const named = Number(response.headers.get('retry-after') ?? Number.NaN);
      await response.body?.cancel();
      await sleep(Math.min(Number.isFinite(named) && named >= 0 ? named : 1, policy.maxWaitSeconds) * 1000);
    }
  };
}

/**
 * A client of the API at `baseUrl` that sends the bearer token `token()` gives with every request and waits out
 * the platform's 429s (an operator's command that lists every tenant page by page may pass the platform admin's rate).
 */
export function createApiClient(baseUrl: string, token: () => Promise<string>, retry: RetryPolicy = DEFAULT_RETRY_POLICY): ApiClient {
  const client = createClient<paths>({ baseUrl, fetch: fetchHonouringRetryAfter(retry) });
  client.use({
    async onRequest({ request }) {
      request.headers.set('authorization', `Bearer ${await token()}`);
      return request;
    },
  });
  return client;
}
