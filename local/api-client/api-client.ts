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

/** A client of the API at `baseUrl` that sends the bearer token `token()` gives with every request. */
export function createApiClient(baseUrl: string, token: () => Promise<string>): ApiClient {
  const client = createClient<paths>({ baseUrl });
  client.use({
    async onRequest({ request }) {
      request.headers.set('authorization', `Bearer ${await token()}`);
      return request;
    },
  });
  return client;
}
