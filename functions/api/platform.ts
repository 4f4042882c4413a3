import { ERROR_CATALOGUE } from '../core/error-catalogue';
import type { RuntimeConfig } from './runtime-config';
import { createGroupHandler } from '../core/http';
import { createLogger } from '../core/logger';
import type { OpenApiEnvironment } from '../platform/openapi';
import { loadOpenApiDocument } from './openapi-document.loader';
import { PLATFORM_ROUTES } from '../platform/platform.routes';
import { lazyHandler } from './dependencies';

/** Health, the OpenAPI document and the error catalogue: public, no data access. */
export function createHandler(config: RuntimeConfig, clock: () => Date = () => new Date()) {
  const environment: OpenApiEnvironment = config.STAGE === 'local' ? 'local' : config.STAGE === 'prod' ? 'production' : 'development';
  // Built at the first request for it, then kept: a health check of a new instance does not wait for it.
  let openApi: Record<string, unknown> | undefined;
  return createGroupHandler({
    logger: createLogger('platform', config.LOG_LEVEL),
    routes: PLATFORM_ROUTES,
    operations: {
      getHealth: async () => ({ body: { status: 'ok', region: config.AWS_REGION, time: clock().toISOString() } }),
      getOpenApi: async () => ({ body: (openApi ??= loadOpenApiDocument(config.REGION_ENDPOINTS[config.AWS_REGION], environment)) }),
      listErrorCodes: async () => ({ body: { items: ERROR_CATALOGUE } }),
    },
  });
}

export const handler = lazyHandler(createHandler);
