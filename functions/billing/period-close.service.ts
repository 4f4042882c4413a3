import { ConflictError, NotFoundError, PreconditionFailedError } from '../core/errors';
import type { ItemWrite, MutationExecutor } from '../data/mutation.executor';
import { tenantRecordWrites } from '../tenants/tenant.repository';
import type { Tenant } from '../tenants/tenant.schema';
import { lineItemsOf, totalOf, type PeriodUsage } from './invoice.calculation';
import { invoiceIssueWrite, invoiceNumberWrite, invoicePaymentWrite, InvoiceNumberTakenError } from './invoice.repository';
import type { Invoice } from './invoice.schema';
import type { PaymentProvider } from './payment.provider';
import { periodOf } from './proration';
import { subscriptionWrite } from './subscription.repository';
import { firstSubscription } from './subscription.service';
import { BILLING_CURRENCY, type Subscription } from './subscription.schema';
import type { UsageKeyBinding } from './usage-key.binding';

/** The actor of the audit entries the period close writes. */
export const PERIOD_CLOSE_ACTOR = 'system:period-close';

/** Attempts at taking the region's next invoice number when other tenants' invoices take it first. */
const NUMBER_ATTEMPTS = 20;

/** Periods closed for one tenant in one call at most: a tenant missed for a year is caught up in one run. */
const MAX_PERIODS_PER_CLOSE = 12;

export interface PeriodCloseOptions {
  /** The issuing region: its invoice numbers have no gaps. */
  readonly region: string;
  readonly subscriptions: { get(tenantId: string): Promise<Subscription | undefined> };
  readonly tenants: { get(tenantId: string): Promise<Tenant | undefined> };
  /** The metered usage of the tenant's month `YYYY-MM`. */
  readonly usage: (tenantId: string, month: string) => Promise<PeriodUsage>;
  /** The last number the region issued (0 before the first), read through the tenant's invoicing client. */
  readonly lastIssued: (tenantId: string) => Promise<number>;
  /** Writes the invoice, the region's number and the subscription's next period in one audited transaction. */
  readonly invoicing: Pick<MutationExecutor, 'execute'>;
  readonly provider: PaymentProvider;
  /** Moves the tenant's API key when a downgrade takes effect. @default keys are not moved */
  readonly usageKeys?: UsageKeyBinding;
  /** @default the system clock */
  readonly clock?: () => Date;
}

/** What closing a period changes: the invoice, and the subscription as it goes on. */
interface Closing {
  readonly invoice: Invoice;
  readonly next: Subscription;
  readonly writes: readonly ItemWrite[];
}

/**
 * Closes a tenant's billing periods once they have ended: one invoice per period, made from the plan it began on,
 * the upgrades' prorations and the metered usage beyond the plan, numbered from the region's counter in the
 * transaction that writes it and moves the subscription to its next period (a downgrade or a cancellation asked for
 * takes effect there). Closing again issues nothing: the subscription has moved on, and a period's invoice is
 * written only where none exists.
 */
export class PeriodCloseService {
  private readonly clock: () => Date;

  constructor(private readonly options: PeriodCloseOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** Issues the invoices of every ended period of the tenant (none when its current period runs on). */
  async close(tenantId: string, requestId: string): Promise<Invoice[]> {
    const issued: Invoice[] = [];
    for (let round = 0; round < MAX_PERIODS_PER_CLOSE; round++) {
      const invoice = await this.closeOne(tenantId, requestId);
      if (!invoice) break;
      issued.push(invoice);
    }
    return issued;
  }

  private async closeOne(tenantId: string, requestId: string): Promise<Invoice | undefined> {
    const [stored, tenant] = await Promise.all([this.options.subscriptions.get(tenantId), this.options.tenants.get(tenantId)]);
    if (!tenant) throw new NotFoundError(`tenant ${tenantId} not found`);
    const current = stored ?? firstSubscription(tenant);
    const now = this.clock();
    if (current.status === 'canceled' || Date.parse(current.currentPeriod.end) > now.getTime()) return undefined;
    const usage = await this.options.usage(tenantId, current.currentPeriod.start.slice(0, 7));
    const customerRef = current.paymentProvider.customerRef ?? (await this.options.provider.customerFor(current));
    for (let attempt = 0; attempt < NUMBER_ATTEMPTS; attempt++) {
      const sequence = (await this.options.lastIssued(tenantId)) + 1;
      const closing = this.closing(tenant, current, stored?.version, { usage, sequence, customerRef, now });
      try {
        await this.options.invoicing.execute({ tenantId, event: issueEvent(closing.invoice, requestId), writes: closing.writes });
      } catch (error) {
        if (error instanceof InvoiceNumberTakenError) continue;
        // Another close of the same tenant got there first: its invoice stands, this one is not issued.
        if (error instanceof ConflictError || error instanceof PreconditionFailedError) return undefined;
        throw error;
      }
      if (closing.next.plan !== current.plan) await this.options.usageKeys?.bind(tenantId, closing.next.plan);
      return this.collect(closing.invoice, customerRef);
    }
    throw new ConflictError(`no invoice number of ${this.options.region} could be taken in ${NUMBER_ATTEMPTS} attempts`);
  }

  private closing(
    tenant: Tenant,
    current: Subscription,
    storedVersion: number | undefined,
    at: { usage: PeriodUsage; sequence: number; customerRef: string | undefined; now: Date },
  ): Closing {
    const invoice = this.invoiceOf(current, at.usage, at.sequence, at.now);
    const next = nextPeriodOf(current, at.customerRef, at.now);
    const writes: ItemWrite[] = [invoiceIssueWrite(invoice), invoiceNumberWrite(this.options.region, at.sequence), subscriptionWrite(next, storedVersion)];
    if (next.plan !== tenant.plan) writes.push(tenantRecordWrites.update(tenant.tenantId, tenant.version, { plan: next.plan }, next.updatedAt));
    return { invoice, next, writes };
  }

  private invoiceOf(current: Subscription, usage: PeriodUsage, sequence: number, now: Date): Invoice {
    const lineItems = lineItemsOf(current, usage);
    const { region } = this.options;
    return {
      tenantId: current.tenantId,
      invoiceId: current.currentPeriod.start.slice(0, 7),
      number: `${region}-${String(sequence).padStart(6, '0')}`,
      sequence,
      region,
      period: current.currentPeriod,
      plan: current.plan,
      currency: BILLING_CURRENCY,
      lineItems,
      usage: { ...usage },
      total: totalOf(lineItems),
      issuedAt: now.toISOString(),
      payment: { provider: this.options.provider.name, status: 'open', appliedEvents: [], updatedAt: now.toISOString() },
      version: 0,
    };
  }

  /**
   * Hands the issued invoice to the payment provider. A failure here leaves the invoice issued and open: the
   * provider's collection is asked for again (idempotently) when the invoice's payment is retried.
   */
  private async collect(invoice: Invoice, customerRef: string | undefined): Promise<Invoice> {
    if (invoice.total === 0) return invoice;
    const collection = await this.options.provider.collect(invoice, customerRef);
    if (collection.status === 'open' && !collection.providerRef) return invoice;
    const collected: Invoice = {
      ...invoice,
      payment: { ...invoice.payment, status: collection.status, ...(collection.providerRef ? { providerRef: collection.providerRef } : {}) },
      version: invoice.version + 1,
    };
    await this.options.invoicing.execute({
      tenantId: invoice.tenantId,
      event: {
        actor: PERIOD_CLOSE_ACTOR,
        action: 'invoice.collect',
        target: `invoice/${invoice.invoiceId}`,
        requestId: `collect-${invoice.number}`,
        change: collected.payment,
      },
      writes: [invoicePaymentWrite(collected, invoice.version)],
    });
    return collected;
  }
}

/** The subscription in the period after the current one: a pending downgrade applied, a cancellation taken effect. */
export function nextPeriodOf(current: Subscription, customerRef: string | undefined, now: Date): Subscription {
  const { pendingChange, ...kept } = current;
  const plan = pendingChange?.plan ?? current.plan;
  return {
    ...kept,
    plan,
    usageKeyPlan: plan,
    status: current.cancelAtPeriodEnd ? 'canceled' : current.status,
    currentPeriod: periodOf(new Date(current.currentPeriod.end)),
    prorations: [],
    paymentProvider: { ...current.paymentProvider, ...(customerRef ? { customerRef } : {}) },
    version: current.version + 1,
    updatedAt: now.toISOString(),
  };
}

function issueEvent(invoice: Invoice, requestId: string) {
  return {
    actor: PERIOD_CLOSE_ACTOR,
    action: 'invoice.issue',
    target: `invoice/${invoice.invoiceId}`,
    requestId,
    change: { number: invoice.number, period: invoice.period, plan: invoice.plan, total: invoice.total, currency: invoice.currency },
  };
}
