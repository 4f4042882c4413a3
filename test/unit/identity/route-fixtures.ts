import * as z from 'zod';
import type { HttpMethod, RouteDefinition } from '../../../functions/routes';
import { ACCESS, type Access } from '../../../functions/core/roles';

function route(operationId: string, method: HttpMethod, path: string, access: Access): RouteDefinition {
  return { operationId, method, path, group: 'tenants', access, summary: operationId, request: {}, response: z.unknown() };
}

/**
 * A route table shaped like the product's, independent of which routes are implemented yet: platform-wide
 * routes, tenant routes under `/v1/tenants/{tenantId}`, and a tenant route whose tenant comes from signals only.
 */
export const TEST_ROUTES: readonly RouteDefinition[] = [
  route('getHealth', 'GET', '/v1/health', ACCESS.public),
  route('listTenants', 'GET', '/v1/tenants', ACCESS.platformAdmin),
  route('suspendTenant', 'POST', '/v1/tenants/{tenantId}/suspend', ACCESS.platformAdmin),
  route('getTenant', 'GET', '/v1/tenants/{tenantId}', ACCESS.tenantAdmin),
  route('listAgents', 'GET', '/v1/tenants/{tenantId}/agents', ACCESS.tenantRead),
  route('createAgent', 'POST', '/v1/tenants/{tenantId}/agents', ACCESS.tenantWrite),
  route('getProfile', 'GET', '/v1/me', ACCESS.tenantRead),
];
