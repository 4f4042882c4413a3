import * as z from '../core/zod';
import type { RouteDefinition } from '../core/route';
import { ACCESS } from '../core/roles';
import { tenantPathSchema } from '../tenants/tenant.schema';
import { apiKeyListQuerySchema, apiKeyPageSchema, apiKeyPathSchema, createApiKeyBodySchema, createdApiKeySchema } from './api-key.schema';

/** The routes of the `api-keys` group, served by functions/api/api-keys.ts; the route table assembles them. */
export const API_KEY_ROUTES = [
  {
    operationId: 'listApiKeys',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/api-keys',
    group: 'api-keys',
    access: ACCESS.tenantAdmin,
    summary: "The tenant's API keys by prefix, revoked ones included (never the keys themselves)",
    request: { path: tenantPathSchema, query: apiKeyListQuerySchema },
    response: apiKeyPageSchema,
  },
  {
    operationId: 'createApiKey',
    method: 'POST',
    path: '/v1/tenants/{tenantId}/api-keys',
    group: 'api-keys',
    access: ACCESS.tenantAdmin,
    summary: 'Create an API key with one role; the key is in this answer only (send it as Authorization: ApiKey <key>)',
    request: { path: tenantPathSchema, body: createApiKeyBodySchema },
    response: createdApiKeySchema,
    successStatus: 201,
  },
  {
    operationId: 'revokeApiKey',
    method: 'DELETE',
    path: '/v1/tenants/{tenantId}/api-keys/{keyId}',
    group: 'api-keys',
    access: ACCESS.tenantAdmin,
    summary: 'Revoke an API key: the next request with it gets 401',
    request: { path: apiKeyPathSchema },
    response: z.null(),
    successStatus: 204,
  },
] as const satisfies readonly RouteDefinition<'api-keys'>[];
