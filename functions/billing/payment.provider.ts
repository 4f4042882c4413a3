import type { Invoice, PaymentEvent } from './invoice.schema';
import type { Subscription } from './subscription.schema';

/** A payment outcome the provider reports for one of the platform's invoices. */
export interface ProviderPaymentEvent extends PaymentEvent {
  readonly tenantId: string;
  readonly invoiceId: string;
}

/** What collecting an invoice started with the provider. */
export interface Collection {
  /** `open`: waits for a payment recorded by hand; `pending`: the provider is collecting. */
  readonly status: 'open' | 'pending';
  readonly providerRef?: string;
}

/**
 * The port of a payment provider: who pays (a customer at the provider) and how an issued invoice is collected.
 * Outcomes come back as events (a webhook, or a payment recorded by an operator), applied once each.
 */
export interface PaymentProvider {
  readonly name: Subscription['paymentProvider']['name'];
  /** The tenant's customer at the provider, made on first use (its reference is kept on the subscription). */
  customerFor(subscription: Subscription): Promise<string | undefined>;
  /** Starts collecting an issued invoice; called again for the same invoice it returns the same collection. */
  collect(invoice: Invoice, customerRef: string | undefined): Promise<Collection>;
}

/**
 * Manual invoicing, the embedded default: the invoice is the document a tenant pays by transfer, and an operator
 * records the payment (or its failure) as an event. Nothing leaves the platform.
 */
export class ManualInvoicingProvider implements PaymentProvider {
  readonly name = 'manual' as const;

  async customerFor(): Promise<undefined> {
    return undefined;
  }

  async collect(): Promise<Collection> {
    return { status: 'open' };
  }
}
