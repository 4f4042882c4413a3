import { HASH_CHAIN } from '../audit/audit-chain';
import { InvoiceRepository, lastIssuedNumber } from '../billing/invoice.repository';
import type { PeriodUsage } from '../billing/invoice.calculation';
import { ManualInvoicingProvider, type PaymentProvider } from '../billing/payment.provider';
import { PaymentService } from '../billing/payment.service';
import { StripePaymentProvider } from '../billing/payment.stripe';
import { loadStripeClient } from '../billing/stripe-client.loader';
import { closeRegion, type BilledTenant, type RegionCloseReport } from '../billing/period-close.run';
import { PeriodCloseService } from '../billing/period-close.service';
import { SubscriptionRepository } from '../billing/subscription.repository';
import type { UsageKeyBinding } from '../billing/usage-key.binding';
import { ConfigError } from '../core/config';
import type { Logger } from '../core/logger';
import { MutationExecutor } from '../data/mutation.executor';
import { CachedPlanSource } from '../quotas/plan.source';
import type { DirectoryReader } from '../tenants/directory.reader';
import type { TenantLifecycleService } from '../tenants/tenant-lifecycle.service';
import type { Tenant } from '../tenants/tenant.schema';
import { UsageService } from '../usage/usage.service';
import { isolationOf, retentionOf } from './dependencies';
import type { RegionData } from './lifecycle.dependencies';
import type { RuntimeConfig } from './runtime-config';

/** The billing of the tenants homed in this region: invoices, their close, their payments. */
export interface BillingServices {
  readonly invoices: Pick<InvoiceRepository, 'get' | 'list'>;
  readonly periods: PeriodCloseService;
  readonly payments: PaymentService;
  /** The Stripe adapter when the region collects through Stripe (its webhook is served then only). */
  readonly stripe?: StripePaymentProvider;
  /** One run of the region's close over the directory's tenants. */
  closeRegion(requestId: string): Promise<RegionCloseReport>;
}

export interface BillingWiring {
  readonly config: RuntimeConfig;
  readonly local: RegionData;
  readonly tenants: { get(tenantId: string): Promise<Tenant | undefined> };
  readonly lifecycle: Pick<TenantLifecycleService, 'suspend'>;
  readonly usageKeys?: UsageKeyBinding;
  readonly logger?: Logger;
  /** @default the Stripe adapter from STRIPE_SECRET_KEY when PAYMENT_PROVIDER is stripe, else manual invoicing */
  readonly provider?: PaymentProvider;
  /** @default the system clock */
  readonly clock?: () => Date;
}

/** The provider the configuration names: manual invoicing, or Stripe with its key and webhook secret. */
export function paymentProviderOf(config: RuntimeConfig): PaymentProvider {
  if (config.PAYMENT_PROVIDER === 'manual') return new ManualInvoicingProvider();
  if (!config.STRIPE_SECRET_KEY || !config.STRIPE_WEBHOOK_SECRET) {
    throw new ConfigError('invalid runtime configuration: STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are required when PAYMENT_PROVIDER is stripe');
  }
  return new StripePaymentProvider({ stripe: loadStripeClient(config.STRIPE_SECRET_KEY), webhookSecret: config.STRIPE_WEBHOOK_SECRET });
}

/** The metered usage of a month, as the usage report reads it (the same figures the tenant sees). */
export function periodUsageFrom(usage: Pick<UsageService, 'report'>): (tenantId: string, month: string) => Promise<PeriodUsage> {
  return async (tenantId, month) => {
    const report = await usage.report(tenantId, month);
    return { runs: report.usage.runs, tokens: report.usage.tokens, storageBytes: report.usage.storageBytes, requests: report.usage.requests };
  };
}

function periodUsageOf(wiring: BillingWiring): (tenantId: string, month: string) => Promise<PeriodUsage> {
  const { local, config } = wiring;
  const plans = new CachedPlanSource({ db: local.db, tableName: local.tableName });
  return periodUsageFrom(new UsageService({ db: local.db, tableName: local.tableName, plans, region: config.AWS_REGION }));
}

/** Billing over the region's data; the period close writes through the invoicing clients (tenant keys + the region's counter). */
export function createBillingServices(wiring: BillingWiring): BillingServices {
  const { config, local } = wiring;
  const invoicingDb = (tenantId: string) => isolationOf(config).forInvoicing(tenantId);
  const invoicing = new MutationExecutor({
    chain: HASH_CHAIN,
    db: invoicingDb,
    tableName: local.tableName,
    plans: new CachedPlanSource({ db: local.db, tableName: local.tableName }),
    retention: retentionOf(local.db, local.tableName),
  });
  const provider = wiring.provider ?? paymentProviderOf(config);
  const subscriptions = new SubscriptionRepository(local.db, local.tableName);
  const invoices = new InvoiceRepository(local.db, local.tableName);
  const clock = wiring.clock ? { clock: wiring.clock } : {};
  const periods = new PeriodCloseService({
    region: config.AWS_REGION,
    subscriptions,
    tenants: wiring.tenants,
    usage: periodUsageOf(wiring),
    lastIssued: (tenantId) => lastIssuedNumber(invoicingDb(tenantId), local.tableName, config.AWS_REGION),
    invoicing,
    provider,
    ...(wiring.usageKeys ? { usageKeys: wiring.usageKeys } : {}),
    ...clock,
  });
  const payments = new PaymentService({
    invoices,
    subscriptions,
    tenants: wiring.tenants,
    mutations: local.mutations,
    suspend: async (tenantId, requestId) => {
      await wiring.lifecycle.suspend({ tenantId, actor: 'system:billing', requestId });
    },
    ...clock,
  });
  return {
    invoices,
    periods,
    payments,
    ...(provider instanceof StripePaymentProvider ? { stripe: provider } : {}),
    closeRegion: (requestId) =>
      closeRegion(
        { region: config.AWS_REGION, tenants: () => directoryPages(local.directory), periods, payments, ...(wiring.logger ? { logger: wiring.logger } : {}) },
        requestId,
      ),
  };
}

/** Every tenant of the region's directory copy, page by page. */
async function* directoryPages(directory: DirectoryReader): AsyncIterable<readonly BilledTenant[]> {
  let start: Record<string, unknown> | undefined;
  do {
    const page = await directory.list(100, start);
    yield page.items;
    start = page.lastEvaluatedKey;
  } while (start);
}
