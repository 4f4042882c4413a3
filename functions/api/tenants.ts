import type { RuntimeConfig } from '../core/config';
import { createGroupHandler, type RequestFor, type TenantGate } from '../core/http';
import type { Logger } from '../core/logger';
import type { TenantRepository } from '../tenants/tenant.repository';
import { routesOf } from '../routes';
import { TenantService } from '../tenants/tenant.service';
import { createDependencies, lazyHandler } from './dependencies';

export interface TenantsDependencies {
  readonly logger: Logger;
  readonly tenants: Pick<TenantRepository, 'get'>;
  readonly tenantGate: TenantGate;
}

/** Tenant records. */
export function createHandler(config: RuntimeConfig, deps: TenantsDependencies = createDependencies(config, 'tenants')) {
  const tenants = new TenantService(deps.tenants);
  return createGroupHandler({
    logger: deps.logger,
    routes: routesOf('tenants'),
    tenantGate: deps.tenantGate,
    operations: {
      getTenant: async ({ path }: RequestFor<'getTenant'>) => {
        const tenant = await tenants.get(path.tenantId);
        return { body: tenant, headers: { etag: `"${tenant.version}"` } };
      },
    },
  });
}

export const handler = lazyHandler(createHandler);
