import type { RuntimeConfig } from '../core/config';
import { createGroupHandler, type RequestFor } from '../core/http';
import { routesOf } from '../routes';
import { TenantService } from '../tenants/tenant.service';
import { createDependencies, lazyHandler, type Dependencies } from './dependencies';

/** Tenant records. */
export function createHandler(config: RuntimeConfig, deps: Dependencies = createDependencies(config, 'tenants')) {
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
