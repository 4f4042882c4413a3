import type { RouteDefinition } from '../core/route';
import { ACCESS } from '../core/roles';
import { tenantHealthPathSchema, tenantHealthRankingQuerySchema, tenantHealthRankingSchema, tenantHealthSchema } from '../observability/tenant-health.schema';
import { usagePathSchema, usageQuerySchema, usageReportSchema } from './usage.schema';

/** The routes of the `usage` group, served by functions/api/usage.ts; the route table assembles them. */
export const USAGE_ROUTES = [
  {
    operationId: 'getUsage',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/usage',
    group: 'usage',
    access: ACCESS.tenantAdmin,
    summary: "The tenant's usage of a month against its plan's limits",
    request: { path: usagePathSchema, query: usageQuerySchema },
    response: usageReportSchema,
  },
  {
    operationId: 'getTenantHealth',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/health',
    group: 'usage',
    access: ACCESS.tenantAdmin,
    summary: "The tenant's error rate, latency, throttles and quota refusals over the current hour and the last day, and its quota headroom",
    request: { path: tenantHealthPathSchema },
    response: tenantHealthSchema,
  },
  {
    operationId: 'rankTenantHealth',
    method: 'GET',
    path: '/v1/platform/tenants/health',
    group: 'usage',
    access: ACCESS.platformAdmin,
    summary: "The region's tenants ranked by a health figure, worst first",
    request: { query: tenantHealthRankingQuerySchema },
    response: tenantHealthRankingSchema,
  },
] as const satisfies readonly RouteDefinition<'usage'>[];
