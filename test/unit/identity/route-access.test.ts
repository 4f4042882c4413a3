import { readFileSync } from 'node:fs';
import { ROUTE_ACCESS_FILE, routeAccessDocument } from '../../../scripts/write-route-access';
import { ROUTE_ACCESS } from '../../../functions/identity/route-access';
import { ROUTES } from '../../../functions/routes';

/** The authorizer reads the routes' access from a file written from the route table: a route change without `npm run routes:access` fails here. */
describe('the route access list of the authorizer', () => {
  it('is what the route table declares, route by route', () => {
    expect(readFileSync(ROUTE_ACCESS_FILE, 'utf8')).toBe(routeAccessDocument());
    expect(ROUTE_ACCESS).toEqual(ROUTES.map((route) => ({ method: route.method, path: route.path, access: route.access })));
  });
});
