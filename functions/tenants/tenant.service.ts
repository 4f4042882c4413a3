import { NotFoundError } from '../core/errors';
import type { TenantRepository } from './tenant.repository';
import type { Tenant } from './tenant.schema';

/** Rules about the tenant's own record. */
export class TenantService {
  constructor(private readonly tenants: Pick<TenantRepository, 'get'>) {}

  async get(tenantId: string): Promise<Tenant> {
    const tenant = await this.tenants.get(tenantId);
    if (!tenant) throw new NotFoundError(`tenant ${tenantId} not found`);
    return tenant;
  }
}
