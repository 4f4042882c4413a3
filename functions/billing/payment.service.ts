import type { ItemWrite, MutationExecutor } from '../data/mutation.executor';
import type { Tenant } from '../tenants/tenant.schema';
import { AmountMismatchError, CurrencyMismatchError, NotFoundError } from '../core/errors';
import { invoicePaymentWrite } from './invoice.repository';
import type { Invoice, PaymentEvent } from './invoice.schema';
import { PLANS } from './plan.catalogue';
import { subscriptionWrite } from './subscription.repository';
import type { Subscription } from './subscription.schema';

const DAY_MS = 86_400_000;

/** Provider events an invoice remembers: enough for any provider's redeliveries of one invoice's events. */
const REMEMBERED_EVENTS = 50;

export interface PaymentServiceOptions {
  readonly invoices: { get(tenantId: string, invoiceId: string): Promise<Invoice | undefined> };
  readonly subscriptions: { get(tenantId: string): Promise<Subscription | undefined> };
  readonly tenants: { get(tenantId: string): Promise<Tenant | undefined> };
  readonly mutations: Pick<MutationExecutor, 'execute'>;
  /** The ordinary suspension of a tenant (its lifecycle), with who asks and why. */
  readonly suspend: (tenantId: string, requestId: string) => Promise<void>;
  /** @default the system clock */
  readonly clock?: () => Date;
}

/** Who records a payment event and for which request. */
export interface PaymentActor {
  readonly actor: string;
  readonly requestId: string;
}

/**
 * Applies payment outcomes to invoices, each event once (by its id, remembered on the invoice), and keeps the
 * subscription's standing in step: a failed payment makes it past_due, the invoice's later success active again.
 * A tenant past_due for longer than its plan's grace days is suspended through the tenant lifecycle.
 */
export class PaymentService {
  private readonly clock: () => Date;

  constructor(private readonly options: PaymentServiceOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** Applies one payment event to the tenant's invoice; an event applied before returns the invoice unchanged. */
  async apply(tenantId: string, invoiceId: string, event: PaymentEvent, by: PaymentActor): Promise<Invoice> {
    const [invoice, subscription] = await Promise.all([this.options.invoices.get(tenantId, invoiceId), this.options.subscriptions.get(tenantId)]);
    if (!invoice || !subscription) throw new NotFoundError(`invoice ${invoiceId} of tenant ${tenantId} not found`);
    if (invoice.payment.appliedEvents.includes(event.eventId)) return invoice;
    checkEvent(invoice, event);
    const now = this.clock();
    const status = invoice.payment.status === 'paid' ? 'paid' : event.outcome === 'succeeded' ? 'paid' : 'failed';
    const appliedEvents = [...invoice.payment.appliedEvents, event.eventId].slice(-REMEMBERED_EVENTS);
    const next: Invoice = { ...invoice, payment: { ...invoice.payment, status, appliedEvents, updatedAt: now.toISOString() }, version: invoice.version + 1 };
    const standing = standingAfter(subscription, invoice, status, now);
    const writes: ItemWrite[] = [invoicePaymentWrite(next, invoice.version)];
    if (standing !== subscription) writes.push(subscriptionWrite(standing, subscription.version));
    await this.options.mutations.execute({
      tenantId,
      event: {
        actor: by.actor,
        action: 'invoice.payment',
        target: `invoice/${invoiceId}`,
        requestId: by.requestId,
        change: { eventId: event.eventId, outcome: event.outcome, amount: event.amount, status, subscriptionStatus: standing.status },
      },
      writes,
    });
    return next;
  }

  /** Suspends the tenant when its subscription has been past_due longer than its plan's grace days; true when it did. */
  async suspendIfOverdue(tenantId: string, requestId: string): Promise<boolean> {
    const [subscription, tenant] = await Promise.all([this.options.subscriptions.get(tenantId), this.options.tenants.get(tenantId)]);
    if (!subscription?.pastDue || tenant?.status !== 'ACTIVE') return false;
    const graceEnds = Date.parse(subscription.pastDue.since) + PLANS[subscription.plan].billing.graceDays * DAY_MS;
    if (this.clock().getTime() < graceEnds) return false;
    await this.options.suspend(tenantId, requestId);
    return true;
  }
}

/** A payment in another currency, or a success for another amount, is refused: nothing is recorded. */
function checkEvent(invoice: Invoice, event: PaymentEvent): void {
  if (event.currency.toUpperCase() !== invoice.currency) {
    throw new CurrencyMismatchError(`invoice ${invoice.invoiceId} is in ${invoice.currency}, the payment in ${event.currency}`, {
      expected: invoice.currency,
      received: event.currency,
    });
  }
  if (event.outcome === 'succeeded' && event.amount !== invoice.total) {
    throw new AmountMismatchError(`invoice ${invoice.invoiceId} totals ${invoice.total}, the payment is ${event.amount}`, {
      expected: invoice.total,
      received: event.amount,
    });
  }
}

/** The subscription after a payment outcome: past_due from a failure on, active again once that invoice is paid. */
function standingAfter(subscription: Subscription, invoice: Invoice, status: Invoice['payment']['status'], now: Date): Subscription {
  const bumped = (changes: Partial<Subscription>): Subscription => ({
    ...subscription,
    ...changes,
    version: subscription.version + 1,
    updatedAt: now.toISOString(),
  });
  if (status === 'failed' && !subscription.pastDue && subscription.status !== 'canceled') {
    return bumped({ status: 'past_due', pastDue: { invoiceId: invoice.invoiceId, since: now.toISOString() } });
  }
  if (status === 'paid' && subscription.pastDue?.invoiceId === invoice.invoiceId) {
    const { pastDue: _paid, ...rest } = subscription;
    // A subscription cancelled meanwhile stays cancelled: the payment settles its last invoice, nothing more.
    return { ...rest, status: subscription.status === 'canceled' ? 'canceled' : 'active', version: subscription.version + 1, updatedAt: now.toISOString() };
  }
  return subscription;
}
