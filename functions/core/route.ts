import type * as z from './zod';
import type { Access } from './roles';

/**
 * The shape of a route, as the HTTP adapter serves it. The route table itself (functions/routes.ts) sits above
 * every domain and hands each group its routes; nothing here knows which routes exist.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteRequest {
  readonly path?: z.core.$ZodType;
  readonly query?: z.core.$ZodType;
  readonly body?: z.core.$ZodType;
}

/** A route of the HTTP contract; `G` names the handler groups of the table it belongs to. */
export interface RouteDefinition<G extends string = string> {
  /** Stable id, used as the OpenAPI operationId and to find the implementation in the group. */
  readonly operationId: string;
  readonly method: HttpMethod;
  /** API Gateway resource path, with `{param}` placeholders. */
  readonly path: string;
  readonly group: G;
  readonly access: Access;
  readonly summary: string;
  readonly request: RouteRequest;
  /** Schema of the success body. */
  readonly response: z.core.$ZodType;
  /**
   * Media type of the success body when it is not JSON: the operation returns the body as a string (a printable
   * document). @default application/json
   */
  readonly responseMediaType?: 'text/html';
  /** Success status. @default 200 */
  readonly successStatus?: number;
  /**
   * Whether a suspended tenant may still call it (only reading its own record).
   * @default false
   */
  readonly allowedWhenSuspended?: boolean;
}

/** What the authorizer's policy needs of a route: no schema, so its bundle carries none (identity/route-access.ts). */
export type RouteAccess = Pick<RouteDefinition, 'method' | 'path' | 'access'>;

/**
 * The routes of one access, each as `METHOD path`: the form of the authorizer's list (identity/route-access.json),
 * where a few accesses are shared by some eighty routes, so a group names its access once.
 */
export interface RouteAccessGroup {
  readonly access: Access;
  readonly routes: readonly string[];
}

/** The routes grouped by access: groups in the order of their first route, routes in route-table order. */
export function routeAccessGroupsOf(routes: readonly RouteDefinition[]): RouteAccessGroup[] {
  const groups = new Map<string, { access: Access; routes: string[] }>();
  for (const { method, path, access } of routes) {
    const key = JSON.stringify(access);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { access, routes: [] }));
    group.routes.push(`${method} ${path}`);
  }
  return [...groups.values()];
}

/** The access of each route of `groups`, group by group. */
export function routeAccessFromGroups(groups: readonly RouteAccessGroup[]): RouteAccess[] {
  return groups.flatMap(({ access, routes }) =>
    routes.map((route) => {
      const space = route.indexOf(' ');
      return { method: route.slice(0, space) as HttpMethod, path: route.slice(space + 1), access };
    }),
  );
}

/** The path parameter that names the tenant a route acts on. */
export const TENANT_PATH_PARAMETER = 'tenantId';

/** The route of `routes` with this method and API Gateway resource path, if any. */
export function findRouteIn<R extends RouteDefinition>(routes: readonly R[], method: string, resourcePath: string): R | undefined {
  return routes.find((route) => route.method === method && route.path === resourcePath);
}

/** True when the route needs no credential (no authorizer runs for it). */
export function isPublic(route: RouteDefinition): boolean {
  return route.access === 'public';
}
