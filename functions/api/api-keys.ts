import { ApiKeyService } from '../api-keys/api-key.service';
import type { RuntimeConfig } from './runtime-config';
import { createGroupHandler, type TenantGate } from '../core/http';
import type { Logger } from '../core/logger';
import { mutationContextOf, toOperationResult } from '../data/mutation.context';
import { API_KEY_ROUTES } from '../api-keys/api-key.routes';
import type { RequestFor } from '../routes';
import { ApiKeyRepository } from '../api-keys/api-key.repository';
import { createResourceDependencies, lazyHandler, tenantSignalsOf } from './dependencies';
import type { RequestTelemetryPorts } from '../core/request-telemetry.middleware';

export interface ApiKeysDependencies {
  readonly logger: Logger;
  /** Tier lookup and cost attribution of the request metrics. @default tier unknown, no cost attribution */
  readonly telemetry?: RequestTelemetryPorts;
  readonly tenantGate: TenantGate;
  readonly apiKeys: Pick<ApiKeyService, 'list' | 'create' | 'revoke'>;
}

function defaultDependencies(config: RuntimeConfig): ApiKeysDependencies {
  const { logger, telemetry, tenantGate, tableName, db, executor, cursors } = createResourceDependencies(config, 'api-keys');
  const apiKeys = new ApiKeyService({ keys: new ApiKeyRepository(db, tableName), mutations: executor, cursors });
  return { logger, ...(telemetry ? { telemetry } : {}), tenantGate, apiKeys };
}

/** API keys of a tenant's machine clients (tenant-admins). */
export function createHandler(config: RuntimeConfig, deps: ApiKeysDependencies = defaultDependencies(config)) {
  const { apiKeys } = deps;
  return createGroupHandler({
    tenantSignals: tenantSignalsOf(config),
    logger: deps.logger,
    ...(deps.telemetry ? { telemetry: deps.telemetry } : {}),
    routes: API_KEY_ROUTES,
    tenantGate: deps.tenantGate,
    operations: {
      listApiKeys: async ({ path, query }: RequestFor<'listApiKeys'>) => ({ body: await apiKeys.list(path.tenantId, query) }),
      createApiKey: async (request: RequestFor<'createApiKey'>) => toOperationResult(await apiKeys.create(mutationContextOf(request), request.body)),
      revokeApiKey: async (request: RequestFor<'revokeApiKey'>) => toOperationResult(await apiKeys.revoke(mutationContextOf(request), request.path.keyId)),
    },
  });
}

export const handler = lazyHandler(createHandler);
