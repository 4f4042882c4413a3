import type { RuntimeConfig } from './runtime-config';
import { createGroupHandler, type TenantGate } from '../core/http';
import type { Logger } from '../core/logger';
import { etagOf } from '../core/request-conventions';
import { mutationContextOf, toOperationResult } from '../data/mutation.context';
import { TENANT_ROUTES } from '../tenants/tenant.routes';
import type { RequestFor } from '../routes';
import type { TenantLifecycleService } from '../tenants/tenant-lifecycle.service';
import type { Tenant } from '../tenants/tenant.schema';
import { TenantService } from '../tenants/tenant.service';
import { lazyHandler } from './dependencies';
import { createLifecycleDependencies } from './lifecycle.dependencies';
import { TENANT_DATA_CATALOGUE } from '../tenant-data.catalogue';
import type { RequestTelemetryPorts } from '../core/request-telemetry.middleware';

export interface TenantsDependencies {
  readonly logger: Logger;
  /** Tier lookup and cost attribution of the request metrics. @default tier unknown, no cost attribution */
  readonly telemetry?: RequestTelemetryPorts;
  /** The tenant's record, read in its home region through its tenant-scoped client. */
  readonly tenants: { get(tenantId: string): Promise<Tenant | undefined> };
  readonly tenantGate: TenantGate;
  readonly lifecycle: Pick<TenantLifecycleService, 'create' | 'list' | 'update' | 'suspend' | 'reactivate' | 'offboard' | 'retry'>;
}

function defaultDependencies(config: RuntimeConfig): TenantsDependencies {
  const deps = createLifecycleDependencies(config, 'tenants', { catalogue: TENANT_DATA_CATALOGUE });
  return {
    logger: deps.logger,
    telemetry: deps.telemetry,
    tenantGate: deps.tenantGate,
    tenants: { get: (tenantId) => deps.tenantRecords(tenantId).get(tenantId) },
    lifecycle: deps.lifecycle,
  };
}

/** Tenant records and the tenant lifecycle: onboarding, listing, changes, suspension, offboarding. */
export function createHandler(config: RuntimeConfig, deps: TenantsDependencies = defaultDependencies(config)) {
  const tenants = new TenantService(deps.tenants);
  const { lifecycle } = deps;
  return createGroupHandler({
    logger: deps.logger,
    ...(deps.telemetry ? { telemetry: deps.telemetry } : {}),
    routes: TENANT_ROUTES,
    tenantGate: deps.tenantGate,
    operations: {
      getTenant: async ({ path }: RequestFor<'getTenant'>) => {
        const tenant = await tenants.get(path.tenantId);
        return { body: tenant, headers: { etag: etagOf(tenant.version) } };
      },
      createTenant: async (request: RequestFor<'createTenant'>) =>
        toOperationResult(await lifecycle.create(request.auth as NonNullable<typeof request.auth>, request.body, request.requestId)),
      listTenants: async ({ query }: RequestFor<'listTenants'>) => ({ body: await lifecycle.list(query) }),
      updateTenant: async (request: RequestFor<'updateTenant'>) =>
        toOperationResult(await lifecycle.update(mutationContextOf(request), request.auth as NonNullable<typeof request.auth>, request.body)),
      suspendTenant: async (request: RequestFor<'suspendTenant'>) => toOperationResult(await lifecycle.suspend(mutationContextOf(request))),
      reactivateTenant: async (request: RequestFor<'reactivateTenant'>) => toOperationResult(await lifecycle.reactivate(mutationContextOf(request))),
      retryTenantProvisioning: async (request: RequestFor<'retryTenantProvisioning'>) => toOperationResult(await lifecycle.retry(mutationContextOf(request))),
      offboardTenant: async (request: RequestFor<'offboardTenant'>) => toOperationResult(await lifecycle.offboard(mutationContextOf(request))),
    },
  });
}

export const handler = lazyHandler(createHandler);
