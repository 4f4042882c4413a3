import type { RouteDefinition } from '../core/route';
import { ACCESS } from '../core/roles';
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
] as const satisfies readonly RouteDefinition<'usage'>[];
