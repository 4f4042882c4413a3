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

/** The access of each route, in route-table order. */
export function routeAccessOf(routes: readonly RouteDefinition[]): RouteAccess[] {
  return routes.map(({ method, path, access }) => ({ method, path, access }));
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
