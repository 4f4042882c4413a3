import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { ROUTE_ACCESS_FILE, routeAccessDocument } from '../../../scripts/write-route-access';
import { ROUTE_ACCESS } from '../../../functions/identity/route-access';
import { ROUTES } from '../../../functions/routes';
import { routeAccessFromGroups, routeAccessGroupsOf, type HttpMethod, type RouteAccess, type RouteDefinition } from '../../../functions/core/route';
import { ROLES } from '../../../functions/core/roles';

const byRoute = (a: RouteAccess, b: RouteAccess) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`);

/** The authorizer reads the routes' access from a file written from the route table: a route change without `npm run routes:access` fails here. */
describe('the route access list of the authorizer', () => {
  it('is what the route table declares, route by route', () => {
    expect(readFileSync(ROUTE_ACCESS_FILE, 'utf8')).toBe(routeAccessDocument());
    // Grouped by access, the list holds every route once, in another order (which a policy does not depend on).
    expect([...ROUTE_ACCESS].sort(byRoute)).toEqual(ROUTES.map((route) => ({ method: route.method, path: route.path, access: route.access })).sort(byRoute));
  });

  it('keeps every route and its access through the grouping, and names each access once', () => {
    const method = fc.constantFrom<HttpMethod>('GET', 'POST', 'PUT', 'PATCH', 'DELETE');
    const path = fc.array(fc.oneof(fc.stringMatching(/^[a-z0-9-]{1,12}$/), fc.stringMatching(/^\{[a-zA-Z]{1,10}\}$/)), { minLength: 1, maxLength: 5 });
    const access = fc.oneof(fc.constant('public' as const), fc.uniqueArray(fc.constantFrom(...ROLES), { minLength: 1 }));
    const route = fc.record({ method, path: path.map((segments) => `/v1/${segments.join('/')}`), access });
    fc.assert(
      fc.property(fc.uniqueArray(route, { selector: (r) => `${r.method} ${r.path}`, maxLength: 40 }), (routes) => {
        const groups = routeAccessGroupsOf(routes as unknown as RouteDefinition[]);
        expect([...routeAccessFromGroups(groups)].sort(byRoute)).toEqual([...routes].sort(byRoute));
        const accesses = groups.map((group) => JSON.stringify(group.access));
        expect(new Set(accesses).size).toBe(accesses.length);
      }),
    );
  });
});
