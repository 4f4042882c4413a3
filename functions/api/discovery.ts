import type { RuntimeConfig } from './runtime-config';
import { createGroupHandler } from '../core/http';
import { DISCOVERY_ROUTES } from '../tenants/discovery.routes';
import type { RequestFor } from '../routes';
import { DiscoveryService } from '../tenants/discovery.service';
import type { Logger } from '../core/logger';
import type { DirectoryReader } from '../tenants/directory.reader';
import { createDependencies, lazyHandler } from './dependencies';
import type { RequestTelemetryPorts } from '../core/request-telemetry.middleware';

export interface DiscoveryDependencies {
  readonly logger: Logger;
  /** Tier lookup and cost attribution of the request metrics. @default tier unknown, no cost attribution */
  readonly telemetry?: RequestTelemetryPorts;
  readonly directory: Pick<DirectoryReader, 'findBySlug' | 'findByEmailDomain'>;
}

/** Public tenant discovery from the directory. */
export function createHandler(config: RuntimeConfig, deps: DiscoveryDependencies = createDependencies(config, 'discovery')) {
  const discovery = new DiscoveryService({
    directory: deps.directory,
    regionEndpoints: config.REGION_ENDPOINTS,
    ...(config.API_BASE_DOMAIN ? { baseDomain: config.API_BASE_DOMAIN } : {}),
  });
  return createGroupHandler({
    logger: deps.logger,
    ...(deps.telemetry ? { telemetry: deps.telemetry } : {}),
    routes: DISCOVERY_ROUTES,
    operations: {
      discoverTenants: async ({ query }: RequestFor<'discoverTenants'>) => ({ body: await discovery.discover(query) }),
    },
  });
}

export const handler = lazyHandler(createHandler);
