import Stripe from 'stripe';
import type { Invoice } from '../../../functions/billing/invoice.schema';
import { StripePaymentProvider } from '../../../functions/billing/payment.stripe';
import type { Subscription } from '../../../functions/billing/subscription.schema';
import { WebhookSignatureError } from '../../../functions/core/errors';

/**
 * The Stripe adapter with the official SDK: calls go through an injected HTTP client (no network), webhooks are
 * signed with the SDK's own test helper.
 */
const SECRET = 'whsec_test_secret';

interface Call {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: URLSearchParams;
}

function stripeWith(answers: Record<string, unknown>) {
  const calls: Call[] = [];
  const fetchFn = async (url: string | URL, init?: RequestInit) => {
    const path = new URL(String(url)).pathname;
    calls.push({ url: path, method: init?.method ?? 'GET', headers: new Headers(init?.headers), body: new URLSearchParams(String(init?.body ?? '')) });
    return new Response(JSON.stringify(answers[path] ?? {}), { status: 200, headers: { 'content-type': 'application/json', 'request-id': 'req_1' } });
  };
  const stripe = new Stripe('sk_test_123', { httpClient: Stripe.createFetchHttpClient(fetchFn as typeof fetch), maxNetworkRetries: 0 });
  return { calls, provider: new StripePaymentProvider({ stripe, webhookSecret: SECRET }), stripe };
}

const invoice: Invoice = {
  tenantId: 'acme',
  invoiceId: '2026-11',
  number: 'eu-central-1-000042',
  sequence: 42,
  region: 'eu-central-1',
  period: { start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' },
  plan: 'team',
  currency: 'EUR',
  lineItems: [{ kind: 'plan', description: 'Team plan', units: 1, unitAmount: 4900, amount: 4900 }],
  usage: { runs: 0, tokens: 0, storageBytes: 0, requests: 0 },
  total: 4900,
  issuedAt: '2026-12-01T00:05:00.000Z',
  payment: { provider: 'stripe', status: 'open', appliedEvents: [], updatedAt: '2026-12-01T00:05:00.000Z' },
  version: 0,
};

function intentEvent(type: string, metadata: Record<string, string>, id = 'evt_1') {
  return JSON.stringify({
    id,
    object: 'event',
    type,
    data: { object: { id: 'pi_1', object: 'payment_intent', amount: 4900, amount_received: type.endsWith('succeeded') ? 4900 : 0, currency: 'eur', metadata } },
  });
}

describe('Stripe payment provider', () => {
  it('creates the customer and a payment intent of the invoice total with idempotency keys', async () => {
    // Prepare
    const { calls, provider } = stripeWith({
      '/v1/customers': { id: 'cus_1', object: 'customer' },
      '/v1/payment_intents': { id: 'pi_1', object: 'payment_intent' },
    });
    // Act
    const customer = await provider.customerFor({ tenantId: 'acme' } as Subscription);
    const collection = await provider.collect(invoice, customer);
    // Assess
    expect(customer).toBe('cus_1');
    expect(collection).toEqual({ status: 'pending', providerRef: 'pi_1' });
    expect(calls.map((call) => `${call.method} ${call.url}`)).toEqual(['POST /v1/customers', 'POST /v1/payment_intents']);
    const intent = calls[1];
    expect(Object.fromEntries(intent.body)).toMatchObject({
      amount: '4900',
      currency: 'eur',
      customer: 'cus_1',
      'metadata[tenantId]': 'acme',
      'metadata[invoiceId]': '2026-11',
    });
    expect([calls[0].headers.get('idempotency-key'), intent.headers.get('idempotency-key')]).toEqual(['customer-acme', 'invoice-eu-central-1-000042']);
  });

  it('turns a signed payment_intent.succeeded into a payment event of the named invoice', () => {
    // Prepare
    const { provider, stripe } = stripeWith({});
    const payload = intentEvent('payment_intent.succeeded', { tenantId: 'acme', invoiceId: '2026-11' });
    const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
    // Act
    const event = provider.paymentEventOf(payload, signature);
    // Assess
    expect(event).toEqual({ eventId: 'evt_1', tenantId: 'acme', invoiceId: '2026-11', outcome: 'succeeded', amount: 4900, currency: 'EUR' });
  });

  it('reports a failed payment with the amount asked for', () => {
    const { provider, stripe } = stripeWith({});
    const payload = intentEvent('payment_intent.payment_failed', { tenantId: 'acme', invoiceId: '2026-11' }, 'evt_2');
    const event = provider.paymentEventOf(payload, stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET }));
    expect(event).toMatchObject({ eventId: 'evt_2', outcome: 'failed', amount: 4900 });
  });

  it.each([
    ['another secret', (payload: string, stripe: Stripe) => stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_other' })],
    [
      'an altered body',
      (payload: string, stripe: Stripe) => stripe.webhooks.generateTestHeaderString({ payload: payload.replace('4900', '1'), secret: SECRET }),
    ],
    [
      'a timestamp older than the tolerance',
      (payload: string, stripe: Stripe) =>
        stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET, timestamp: Math.floor(Date.now() / 1000) - 3_600 }),
    ],
    ['no signature', () => undefined],
  ])('refuses a delivery signed with %s', (_name, sign) => {
    const { provider, stripe } = stripeWith({});
    const payload = intentEvent('payment_intent.succeeded', { tenantId: 'acme', invoiceId: '2026-11' });
    expect(() => provider.paymentEventOf(payload, sign(payload, stripe))).toThrow(WebhookSignatureError);
  });

  it('ignores verified events that are not about one of the platform invoices', () => {
    const { provider, stripe } = stripeWith({});
    for (const payload of [intentEvent('customer.created', {}), intentEvent('payment_intent.succeeded', { tenantId: 'acme' })]) {
      expect(provider.paymentEventOf(payload, stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET }))).toBeUndefined();
    }
  });
});
