import type { RouteDefinition } from '../core/route';
import { ACCESS } from '../core/roles';
import { discoveryQuerySchema, discoveryResponseSchema } from './discovery.schema';

/** The routes of the `discovery` group, served by functions/api/discovery.ts; the route table assembles them. */
export const DISCOVERY_ROUTES = [
  {
    operationId: 'discoverTenants',
    method: 'GET',
    path: '/v1/discovery',
    group: 'discovery',
    access: ACCESS.public,
    summary: 'Find the tenant(s), region and login endpoints for an email, host or slug',
    request: { query: discoveryQuerySchema },
    response: discoveryResponseSchema,
  },
] as const satisfies readonly RouteDefinition<'discovery'>[];
