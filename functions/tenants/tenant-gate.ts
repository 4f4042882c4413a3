import { NotFoundError, TenantSuspendedError, WrongRegionError } from '../core/errors';
import type { TenantGate } from '../core/http';
import type { DirectoryRepository } from './directory.repository';

export interface TenantGateOptions {
  readonly directory: Pick<DirectoryRepository, 'get'>;
  /** The region this API serves. */
  readonly region: string;
  /** Regional API base URLs by region, for 421 answers. */
  readonly regionEndpoints: Readonly<Record<string, string>>;
}

/**
 * The checks every tenant route shares, from the tenant directory: the tenant exists, is homed in this region
 * (else 421 naming the right endpoint) and, for its own users, is not suspended (else 403 tenant-suspended,
 * except on routes marked allowedWhenSuspended). Platform admins pass suspension so they can reactivate.
 */
export function createTenantGate({ directory, region, regionEndpoints }: TenantGateOptions): TenantGate {
  return async (tenantId, route, auth) => {
    const entry = await directory.get(tenantId);
    if (!entry || entry.status === 'DELETED') throw new NotFoundError(`tenant ${tenantId} not found`);
    if (entry.region !== region) {
      throw new WrongRegionError(`tenant ${tenantId} is served in ${entry.region}`, entry.region, regionEndpoints[entry.region]);
    }
    if (entry.status === 'SUSPENDED' && auth?.principalType !== 'platform-admin' && !route.allowedWhenSuspended) {
      throw new TenantSuspendedError(`tenant ${tenantId} is suspended`);
    }
  };
}
