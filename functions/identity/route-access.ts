import { routeAccessFromGroups, type RouteAccess, type RouteAccessGroup } from '../core/route';
import groups from './route-access.json';

/**
 * The method, path and access of every route, as the route table (functions/routes.ts) declares them: written into
 * route-access.json by `npm run routes:access`, grouped by access, so that the authorizer bundles this list and not
 * every domain's schemas. A test fails when the file and the route table differ.
 */
export const ROUTE_ACCESS: readonly RouteAccess[] = routeAccessFromGroups(groups as readonly RouteAccessGroup[]);
