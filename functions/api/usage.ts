import type { RuntimeConfig } from './runtime-config';
import { createGroupHandler } from '../core/http';
import { USAGE_ROUTES } from '../usage/usage.routes';
import type { RequestFor } from '../routes';
import { TenantHealthService, type RankedTenant } from '../observability/tenant-health.service';
import { UsageService } from '../usage/usage.service';
import { countedKinds } from '../resource.catalogue';
import { tenantSpend } from '../governance/budget.service';
import { createResourceDependencies, lazyHandler, regionTenants, type ResourceDependencies, tenantSignalsOf } from './dependencies';

/** Usage of a tenant against its plan, and the tenants' health. */
export function createHandler(
  config: RuntimeConfig,
  deps: ResourceDependencies = createResourceDependencies(config, 'usage'),
  tenants: () => Promise<readonly RankedTenant[]> = regionTenants(config),
) {
  const clock = deps.clock ? { clock: deps.clock } : {};
  const usage = new UsageService({
    db: deps.db,
    tableName: deps.tableName,
    plans: deps.plans,
    region: config.AWS_REGION,
    counted: countedKinds(),
    spend: tenantSpend,
    ...clock,
  });
  const health = new TenantHealthService({ db: deps.db, tableName: deps.tableName, quotasOf: (tenantId) => usage.report(tenantId), tenants, ...clock });
  return createGroupHandler({
    tenantSignals: tenantSignalsOf(config),
    logger: deps.logger,
    ...(deps.telemetry ? { telemetry: deps.telemetry } : {}),
    routes: USAGE_ROUTES,
    tenantGate: deps.tenantGate,
    operations: {
      getUsage: async ({ path, query }: RequestFor<'getUsage'>) => ({ body: await usage.report(path.tenantId, query.period) }),
      getTenantHealth: async ({ path }: RequestFor<'getTenantHealth'>) => ({ body: await health.health(path.tenantId) }),
      rankTenantHealth: async ({ query }: RequestFor<'rankTenantHealth'>) => ({ body: await health.ranking(query.sort ?? 'errorRate', query.window ?? 'day') }),
    },
  });
}

export const handler = lazyHandler(createHandler);
