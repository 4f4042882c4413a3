import { readFileSync } from 'node:fs';
import { ROUTE_ACCESS_FILE, routeAccessDocument } from '../../../scripts/write-route-access';
import { ROUTE_ACCESS } from '../../../functions/identity/route-access';
import { ROUTES } from '../../../functions/routes';

/** The authorizer reads the routes' access from a file written from the route table: a route change without `npm run routes:access` fails here. */
describe('the route access list of the authorizer', () => {
  it('is what the route table declares, route by route', () => {
    expect(readFileSync(ROUTE_ACCESS_FILE, 'utf8')).toBe(routeAccessDocument());
    // Grouped by access, the list holds every route once, in another order (which a policy does not depend on).
    const byRoute = (a: { method: string; path: string }, b: { method: string; path: string }) =>
      `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`);
    expect([...ROUTE_ACCESS].sort(byRoute)).toEqual(ROUTES.map((route) => ({ method: route.method, path: route.path, access: route.access })).sort(byRoute));
  });
});
