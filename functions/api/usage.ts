import type { RuntimeConfig } from './runtime-config';
import { createGroupHandler } from '../core/http';
import { USAGE_ROUTES } from '../usage/usage.routes';
import type { RequestFor } from '../routes';
import { meterOperations } from '../usage/usage.meter';
import { UsageService } from '../usage/usage.service';
import { countedKinds } from '../resource.catalogue';
import { createResourceDependencies, lazyHandler, type ResourceDependencies } from './dependencies';

/** Usage of a tenant against its plan. */
export function createHandler(config: RuntimeConfig, deps: ResourceDependencies = createResourceDependencies(config, 'usage')) {
  const usage = new UsageService({ db: deps.db, tableName: deps.tableName, plans: deps.plans, region: config.AWS_REGION, counted: countedKinds(), ...(deps.clock ? { clock: deps.clock } : {}) });
  return createGroupHandler({
    logger: deps.logger,
    ...(deps.telemetry ? { telemetry: deps.telemetry } : {}),
    routes: USAGE_ROUTES,
    tenantGate: deps.tenantGate,
    operations: meterOperations(deps.meter, {
      getUsage: async ({ path, query }: RequestFor<'getUsage'>) => ({ body: await usage.report(path.tenantId, query.period) }),
    }),
  });
}

export const handler = lazyHandler(createHandler);
