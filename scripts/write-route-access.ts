import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { routeAccessGroupsOf } from '../functions/core/route';
import { ROUTES } from '../functions/routes';

/**
 * Writes functions/identity/route-access.json, the method, path and access of every route of the route table, which
 * the authorizer reads instead of the table itself (whose request and response schemas it does not need), grouped
 * by access. A test fails when the file is not what this script writes. Usage: tsx scripts/write-route-access.ts
 */
export const ROUTE_ACCESS_FILE = join(__dirname, '..', 'functions', 'identity', 'route-access.json');

export function routeAccessDocument(): string {
  return `${JSON.stringify(routeAccessGroupsOf(ROUTES), null, 2)}\n`;
}

if (require.main === module) writeFileSync(ROUTE_ACCESS_FILE, routeAccessDocument());
