import type { RuntimeConfig } from './runtime-config';
import { createGroupHandler, type TenantGate } from '../core/http';
import type { Logger } from '../core/logger';
import { etagOf } from '../core/request-conventions';
import { mutationContextOf, toOperationResult } from '../data/mutation.context';
import { TENANT_ROUTES } from '../tenants/tenant.routes';
import type { RequestFor } from '../routes';
import type { TenantLifecycleService } from '../tenants/tenant-lifecycle.service';
import type { Tenant } from '../tenants/tenant.schema';
import { heldMove } from '../tenants/tenant-move';
import { TenantService } from '../tenants/tenant.service';
import { lazyHandler, tenantSignalsOf } from './dependencies';
import { createLifecycleDependencies, usageKeyBindingOf, type RegionData } from './lifecycle.dependencies';
import { readCurrentUsage, SubscriptionRepository } from '../billing/subscription.repository';
import { SubscriptionService } from '../billing/subscription.service';
import type { TenantRepository } from '../tenants/tenant.repository';
import { TENANT_DATA_CATALOGUE } from '../tenant-data.catalogue';
import type { RequestTelemetryPorts } from '../core/request-telemetry.middleware';
import type { BILLING_ROUTES } from '../billing/invoice.api';
import { invoiceDocument } from '../billing/invoice.document';
import { NotFoundError, TenantMovingError } from '../core/errors';
import type { DirectoryReader } from '../tenants/directory.reader';
import type { Operation } from '../core/http';
import { createBillingServices, type BillingServices } from './billing.dependencies';

export interface TenantsDependencies {
  readonly logger: Logger;
  /** Tier lookup and cost attribution of the request metrics. @default tier unknown, no cost attribution */
  readonly telemetry?: RequestTelemetryPorts;
  /** The tenant's record, read in its home region through its tenant-scoped client. */
  readonly tenants: { get(tenantId: string): Promise<Tenant | undefined> };
  readonly tenantGate: TenantGate;
  readonly lifecycle: Pick<TenantLifecycleService, 'create' | 'list' | 'update' | 'suspend' | 'reactivate' | 'offboard' | 'retry'>;
  readonly subscriptions: Pick<SubscriptionService, 'get' | 'update'>;
  readonly billing: Pick<BillingServices, 'invoices' | 'payments' | 'stripe' | 'closeRegion'>;
  /**
   * Where a tenant lives (the region's directory copy, through the gate's cache), for the Stripe events every region's
   * endpoint receives. @default every event is applied where its invoice is found
   */
  readonly directory?: Pick<DirectoryReader, 'get'>;
}

function defaultDependencies(config: RuntimeConfig): TenantsDependencies {
  const deps = createLifecycleDependencies(config, 'tenants', { catalogue: TENANT_DATA_CATALOGUE });
  const usageKeys = usageKeyBindingOf(config);
  return {
    logger: deps.logger,
    telemetry: deps.telemetry,
    tenantGate: deps.tenantGate,
    tenants: { get: (tenantId) => deps.tenantRecords(tenantId).get(tenantId) },
    directory: deps.directory,
    lifecycle: deps.lifecycle,
    subscriptions: subscriptionServiceOf(config, deps.local, deps.tenantRecords),
    billing: createBillingServices({
      config,
      local: deps.local,
      tenants: { get: (tenantId) => deps.tenantRecords(tenantId).get(tenantId) },
      lifecycle: deps.lifecycle,
      logger: deps.logger,
      ...(usageKeys ? { usageKeys } : {}),
    }),
  };
}

/**
 * Whether this region applies a Stripe event of the tenant: every region's endpoint receives every event. While a
 * migration moves the tenant none does (503 tenant-moving: Stripe sends the event again later, to each endpoint), so
 * that no payment lands in the old region after its export; then its new home applies it, and the others let it be.
 */
async function appliesHere(tenantId: string, directory: TenantsDependencies['directory'], region: string): Promise<boolean> {
  const entry = await directory?.get(tenantId);
  const move = entry && heldMove(entry);
  if (move) throw new TenantMovingError(`tenant ${tenantId} is moving to ${move.to}`, move.to);
  return !entry || entry.region === region;
}

/** The operations of the invoice and payment routes. */
function billingOperations(
  billing: TenantsDependencies['billing'],
  homes: { readonly directory: TenantsDependencies['directory']; readonly region: string },
): Readonly<Record<(typeof BILLING_ROUTES)[number]['operationId'], Operation>> {
  const invoiceOf = async (tenantId: string, invoiceId: string) => {
    const invoice = await billing.invoices.get(tenantId, invoiceId);
    if (!invoice) throw new NotFoundError(`invoice ${invoiceId} of tenant ${tenantId} not found`);
    return invoice;
  };
  return {
    listInvoices: async ({ path }: RequestFor<'listInvoices'>) => ({ body: { items: await billing.invoices.list(path.tenantId) } }),
    getInvoice: async ({ path }: RequestFor<'getInvoice'>) => {
      const invoice = await invoiceOf(path.tenantId, path.invoiceId);
      return { body: invoice, headers: { etag: etagOf(invoice.version) } };
    },
    getInvoiceDocument: async ({ path }: RequestFor<'getInvoiceDocument'>) => ({ body: invoiceDocument(await invoiceOf(path.tenantId, path.invoiceId)) }),
    recordInvoicePayment: async (request: RequestFor<'recordInvoicePayment'>) => {
      const { actor, requestId } = mutationContextOf(request);
      return { body: await billing.payments.apply(request.path.tenantId, request.path.invoiceId, request.body, { actor, requestId }) };
    },
    closeBillingPeriods: async ({ requestId }: RequestFor<'closeBillingPeriods'>) => ({ body: await billing.closeRegion(requestId) }),
    receiveStripeWebhook: async ({ rawBody, headers, requestId }: RequestFor<'receiveStripeWebhook'>) => {
      if (!billing.stripe) throw new NotFoundError('this region does not collect payments through Stripe');
      const event = billing.stripe.paymentEventOf(rawBody ?? '', headers['stripe-signature']);
      if (!event || !(await appliesHere(event.tenantId, homes.directory, homes.region))) return { body: { received: true, applied: false } };
      try {
        await billing.payments.apply(event.tenantId, event.invoiceId, event, { actor: 'system:stripe', requestId });
      } catch (error) {
        // An invoice of a tenant homed in another region (every region's endpoint receives every event): not ours.
        if (error instanceof NotFoundError) return { body: { received: true, applied: false } };
        throw error;
      }
      return { body: { received: true, applied: true } };
    },
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
      ...billingOperations(deps.billing, { directory: deps.directory, region: config.AWS_REGION }),
    },
  });
}

export const handler = lazyHandler(createHandler);
