import type { RequestOf } from './core/http';
import { findRouteIn, type RouteDefinition as RouteContract } from './core/route';
import { PLATFORM_ROUTES } from './platform/platform.routes';
import { DISCOVERY_ROUTES } from './tenants/discovery.routes';
import { TENANT_ROUTES } from './tenants/tenant.routes';
import { USER_ROUTES } from './users/user.routes';
import { API_KEY_ROUTES } from './api-keys/api-key.routes';
import { AGENT_ROUTES } from './agents/agent.routes';
import { MEMORY_ROUTES } from './memories/memory.routes';
import { USAGE_ROUTES } from './usage/usage.routes';
import { GOVERNANCE_ROUTES } from './governance/governance.routes';
import { AUDIT_ROUTES } from './audit/audit.routes';
import { WORKFLOW_ROUTES } from './workflows/workflow.routes';
import { PORTABILITY_ROUTES } from './portability/portability.routes';
import { kindRoutes } from './resource-api.catalogue';

/**
 * THE route table. The CDK API construct (lib/) creates one API Gateway method per route, integrated with the
 * Lambda function of the route's group; the local gateway (local/) serves the same routes with the same handlers;
 * `GET /v1/openapi.json` is generated from it. Add a route here and nowhere else.
 */

/** Handler groups: one Lambda entry file each, `functions/api/<group>.ts`, exporting `handler`. */
export const HANDLER_GROUPS = [
  'platform',
  'discovery',
  'tenants',
  // -- tenant lifecycle, users, invitations, API keys
  'users',
  'api-keys',
  // -- agents, memories, usage, audit
  'agents',
  'memories',
  'usage',
  'audit',
  // -- workflows and runs
  'workflows',
  // -- budgets and model governance
  'governance',
  // -- export and import jobs
  'portability',
] as const;
export type HandlerGroup = (typeof HANDLER_GROUPS)[number];

/** A route of this table: its group is one of the handler groups. */
export type RouteDefinition = RouteContract<HandlerGroup>;

/**
 * The domains' route lists, checked as one table: an operation id or a method and path used twice fails every
 * cold start, synth and test run at once, naming the duplicate.
 */
export function checkedRoutes<const R extends readonly RouteDefinition[]>(routes: R): R {
  const seen = new Set<string>();
  for (const route of routes) {
    for (const key of [`operationId ${route.operationId}`, `route ${route.method} ${route.path}`]) {
      if (seen.has(key)) throw new Error(`the route table has ${key} twice`);
      seen.add(key);
    }
  }
  return routes;
}

/** The routes the resource kinds bring (see resource-api.catalogue.ts), each in one of the handler groups. */
function resourceKindRoutes(): readonly RouteDefinition[] {
  const routes = kindRoutes();
  for (const route of routes) {
    if (!(HANDLER_GROUPS as readonly string[]).includes(route.group)) throw new Error(`route ${route.operationId} names no handler group: ${route.group}`);
  }
  return routes as readonly RouteDefinition[];
}

const DOMAIN_ROUTES = [
  ...PLATFORM_ROUTES,
  ...DISCOVERY_ROUTES,
  ...TENANT_ROUTES,
  ...USER_ROUTES,
  ...API_KEY_ROUTES,
  ...AGENT_ROUTES,
  ...MEMORY_ROUTES,
  ...USAGE_ROUTES,
  ...AUDIT_ROUTES,
  ...WORKFLOW_ROUTES,
  ...GOVERNANCE_ROUTES,
  ...PORTABILITY_ROUTES,
] as const;

/** Every route: the domains' lists, typed per operation, then the resource kinds' (typed in their own modules). */
export const ROUTES: readonly [...typeof DOMAIN_ROUTES, ...RouteDefinition[]] = checkedRoutes([...DOMAIN_ROUTES, ...resourceKindRoutes()]);

export type Route = (typeof DOMAIN_ROUTES)[number];
export type OperationId = Route['operationId'];

/** Routes of one handler group. */
export function routesOf(group: HandlerGroup): readonly RouteDefinition[] {
  return ROUTES.filter((route) => route.group === group);
}

/** The route with this method and API Gateway resource path, if any. */
export function findRoute(method: string, resourcePath: string): RouteDefinition | undefined {
  return findRouteIn(ROUTES, method, resourcePath);
}

/** The request types of the route with this operationId. */
export type RequestFor<Id extends OperationId> = RequestOf<Extract<Route, { operationId: Id }>>;

export { isPublic, TENANT_PATH_PARAMETER, type HttpMethod, type RouteRequest } from './core/route';
