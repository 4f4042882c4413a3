import { ERROR_CATALOGUE } from '../core/error-catalogue';
import type { RuntimeConfig } from './runtime-config';
import { createGroupHandler } from '../core/http';
import { createLogger } from '../core/logger';
import { buildOpenApiDocument } from '../platform/openapi';
import { PLATFORM_ROUTES } from '../platform/platform.routes';
import { ROUTES } from '../routes';
import { lazyHandler } from './dependencies';

/** Health and the OpenAPI document: public, no data access. */
export function createHandler(config: RuntimeConfig, clock: () => Date = () => new Date()) {
  const environment = config.STAGE === 'local' ? 'local' : config.STAGE === 'prod' ? 'production' : 'development';
  const openApi = buildOpenApiDocument(ROUTES, config.REGION_ENDPOINTS[config.AWS_REGION], environment);
  return createGroupHandler({
    logger: createLogger('platform', config.LOG_LEVEL),
    routes: PLATFORM_ROUTES,
    operations: {
      getHealth: async () => ({ body: { status: 'ok', region: config.AWS_REGION, time: clock().toISOString() } }),
      getOpenApi: async () => ({ body: openApi }),
      listErrorCodes: async () => ({ body: { items: ERROR_CATALOGUE } }),
    },
  });
}

export const handler = lazyHandler(createHandler);
