import type { RuntimeConfig } from '../core/config';
import { createGroupHandler, type RequestFor } from '../core/http';
import { routesOf } from '../routes';
import { DiscoveryService } from '../tenants/discovery.service';
import { createDependencies, lazyHandler, type Dependencies } from './dependencies';

/** Public tenant discovery from the directory. */
export function createHandler(config: RuntimeConfig, deps: Dependencies = createDependencies(config, 'discovery')) {
  const discovery = new DiscoveryService({ directory: deps.directory, regionEndpoints: config.REGION_ENDPOINTS });
  return createGroupHandler({
    logger: deps.logger,
    routes: routesOf('discovery'),
    operations: {
      discoverTenants: async ({ query }: RequestFor<'discoverTenants'>) => ({ body: await discovery.discover(query) }),
    },
  });
}

export const handler = lazyHandler(createHandler);
