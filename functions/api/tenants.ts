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
import { lazyHandler, tenantSignalsOf } from './dependencies';
import { createLifecycleDependencies, usageKeyBindingOf, type RegionData } from './lifecycle.dependencies';
import { readCurrentUsage, SubscriptionRepository } from '../billing/subscription.repository';
import { SubscriptionService } from '../billing/subscription.service';
import type { TenantRepository } from '../tenants/tenant.repository';
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
  readonly subscriptions: Pick<SubscriptionService, 'get' | 'update'>;
}

function defaultDependencies(config: RuntimeConfig): TenantsDependencies {
  const deps = createLifecycleDependencies(config, 'tenants', { catalogue: TENANT_DATA_CATALOGUE });
  return {
    logger: deps.logger,
    telemetry: deps.telemetry,
    tenantGate: deps.tenantGate,
    tenants: { get: (tenantId) => deps.tenantRecords(tenantId).get(tenantId) },
    lifecycle: deps.lifecycle,
    subscriptions: subscriptionServiceOf(config, deps.local, deps.tenantRecords),
  };
}

/** Subscriptions of the tenants homed in this region, written through the region's audited mutations. */
function subscriptionServiceOf(config: RuntimeConfig, local: RegionData, tenantRecords: (tenantId: string) => TenantRepository): SubscriptionService {
  const usageKeys = usageKeyBindingOf(config);
  return new SubscriptionService({
    subscriptions: new SubscriptionRepository(local.db, local.tableName),
    tenants: { get: (tenantId) => tenantRecords(tenantId).get(tenantId) },
    usage: (tenantId, now) => readCurrentUsage(local.db(tenantId), local.tableName, tenantId, now),
    mutations: local.mutations,
    ...(usageKeys ? { usageKeys } : {}),
  });
}

/** Tenant records and the tenant lifecycle: onboarding, listing, changes, suspension, offboarding. */
export function createHandler(config: RuntimeConfig, deps: TenantsDependencies = defaultDependencies(config)) {
  const tenants = new TenantService(deps.tenants);
  const { lifecycle, subscriptions } = deps;
  return createGroupHandler({
    tenantSignals: tenantSignalsOf(config),
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
      getSubscription: async ({ path }: RequestFor<'getSubscription'>) => {
        const subscription = await subscriptions.get(path.tenantId);
        return { body: subscription, headers: { etag: etagOf(subscription.version) } };
      },
      updateSubscription: async (request: RequestFor<'updateSubscription'>) =>
        toOperationResult(await subscriptions.update(mutationContextOf(request), request.body)),
      offboardTenant: async (request: RequestFor<'offboardTenant'>) => toOperationResult(await lifecycle.offboard(mutationContextOf(request))),
    },
  });
}

export const handler = lazyHandler(createHandler);
