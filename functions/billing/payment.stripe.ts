import type Stripe from 'stripe';
import { WebhookSignatureError } from '../core/errors';
import { tenantIdSchema } from '../core/tenant-id';
import { invoiceIdSchema, type Invoice } from './invoice.schema';
import type { Collection, PaymentProvider, ProviderPaymentEvent } from './payment.provider';
import type { Subscription } from './subscription.schema';

/** Seconds a webhook's signed timestamp may be old: Stripe's own default, against replays of captured deliveries. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export interface StripePaymentProviderOptions {
  /** The SDK client (an injected HTTP client in tests, `Stripe.createFetchHttpClient`). */
  readonly stripe: Stripe;
  /** The signing secret of the webhook endpoint (`whsec_…`). */
  readonly webhookSecret: string;
}

/**
 * Payments through Stripe with its official SDK: one customer per tenant, one payment intent per invoice (its
 * metadata name the tenant and the invoice), both made with idempotency keys so a retried close makes no second
 * one. Outcomes come back through the webhook, whose signature the SDK verifies.
 */
export class StripePaymentProvider implements PaymentProvider {
  readonly name = 'stripe' as const;

  constructor(private readonly options: StripePaymentProviderOptions) {}

  async customerFor(subscription: Subscription): Promise<string> {
    const customer = await this.options.stripe.customers.create(
      { description: `Tenant ${subscription.tenantId}`, metadata: { tenantId: subscription.tenantId } },
      { idempotencyKey: `customer-${subscription.tenantId}` },
    );
    return customer.id;
  }

  async collect(invoice: Invoice, customerRef: string | undefined): Promise<Collection> {
    const intent = await this.options.stripe.paymentIntents.create(
      {
        amount: invoice.total,
        currency: invoice.currency.toLowerCase(),
        ...(customerRef ? { customer: customerRef } : {}),
        description: `Invoice ${invoice.number}`,
        metadata: { tenantId: invoice.tenantId, invoiceId: invoice.invoiceId, number: invoice.number },
      },
      { idempotencyKey: `invoice-${invoice.number}` },
    );
    return { status: 'pending', providerRef: intent.id };
  }

  /**
   * The payment outcome a webhook delivery reports, after the SDK verified its signature over the raw body
   * (WebhookSignatureError otherwise); undefined for events that are not about one of the platform's invoices.
   */
  paymentEventOf(rawBody: string, signature: string | undefined): ProviderPaymentEvent | undefined {
    let event: Stripe.Event;
    try {
      event = this.options.stripe.webhooks.constructEvent(rawBody, signature ?? '', this.options.webhookSecret, WEBHOOK_TOLERANCE_SECONDS);
    } catch (error) {
      throw new WebhookSignatureError('the Stripe-Signature header does not verify this body', {}, { cause: error });
    }
    if (event.type !== 'payment_intent.succeeded' && event.type !== 'payment_intent.payment_failed') return undefined;
    const intent = event.data.object;
    const tenantId = tenantIdSchema.safeParse(intent.metadata?.tenantId);
    const invoiceId = invoiceIdSchema.safeParse(intent.metadata?.invoiceId);
    if (!tenantId.success || !invoiceId.success) return undefined;
    const succeeded = event.type === 'payment_intent.succeeded';
    return {
      eventId: event.id,
      tenantId: tenantId.data,
      invoiceId: invoiceId.data,
      outcome: succeeded ? 'succeeded' : 'failed',
      amount: succeeded ? intent.amount_received : intent.amount,
      currency: intent.currency.toUpperCase(),
    };
  }
}
