import Stripe from 'stripe';
import { parseRuntimeConfig } from '../../../functions/api/runtime-config';
import { createHandler as createTenantsHandler, type TenantsDependencies } from '../../../functions/api/tenants';
import type { Invoice } from '../../../functions/billing/invoice.schema';
import { StripePaymentProvider } from '../../../functions/billing/payment.stripe';
import type { AuthContext } from '../../../functions/core/auth-context';
import { CurrencyMismatchError } from '../../../functions/core/errors';
import { createLogger } from '../../../functions/core/logger';
import type { TenantDirectoryEntry } from '../../../functions/tenants/tenant.schema';
import { lambdaContext, restEvent, type RestEventOptions } from '../../support/rest-event';

/** The invoice and payment routes of the tenants group: media types, problems, and the webhook's signature check. */
const config = parseRuntimeConfig({ AWS_REGION: 'eu-central-1', TABLE_NAME: 'table', LOG_LEVEL: 'ERROR', CURSOR_SECRET: 'x'.repeat(32) });
const SECRET = 'whsec_handler_test';
const stripe = new Stripe('sk_test_123', { httpClient: Stripe.createFetchHttpClient((async () => new Response('{}')) as typeof fetch) });
const admin: AuthContext = { principalType: 'user', principalId: 'u-1', tenantId: 'acme', roles: ['tenant-admin'] };
const operator: AuthContext = { principalType: 'platform-admin', principalId: 'p-1', roles: ['platform-admin'] };

const invoice: Invoice = {
  tenantId: 'acme',
  invoiceId: '2026-11',
  number: 'eu-central-1-000007',
  sequence: 7,
  region: 'eu-central-1',
  period: { start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' },
  plan: 'team',
  currency: 'EUR',
  lineItems: [{ kind: 'plan', description: 'Team <plan>', units: 1, unitAmount: 4900, amount: 4900 }],
  usage: { runs: 0, tokens: 0, storageBytes: 0, requests: 0 },
  total: 4900,
  issuedAt: '2026-12-01T00:05:00.000Z',
  payment: { provider: 'stripe', status: 'pending', appliedEvents: [], updatedAt: '2026-12-01T00:05:00.000Z' },
  version: 1,
};

const applied: unknown[] = [];
const billing: TenantsDependencies['billing'] = {
  invoices: { get: async (_tenantId, invoiceId) => (invoiceId === invoice.invoiceId ? invoice : undefined), list: async () => [invoice] },
  payments: {
    apply: async (tenantId: string, invoiceId: string, event: { currency: string }) => {
      if (event.currency !== 'EUR') throw new CurrencyMismatchError('invoice is in EUR', { expected: 'EUR', received: event.currency });
      applied.push({ tenantId, invoiceId, event });
      return invoice;
    },
  } as never,
  stripe: new StripePaymentProvider({ stripe, webhookSecret: SECRET }),
  closeRegion: async () => ({ tenants: 0, issued: [], suspended: [], failed: [] }),
};
const unused = new Proxy({} as never, { get: () => () => Promise.reject(new Error('unexpected call')) });
/** The tenants group over the billing stand-ins; `directory` says where tenants live (Stripe events). */
const handlerWith = (directory?: TenantsDependencies['directory']) =>
  createTenantsHandler(config, {
    logger: createLogger('test', 'ERROR'),
    tenantGate: async () => undefined,
    lifecycle: unused,
    subscriptions: unused,
    tenants: { get: async () => undefined },
    billing,
    ...(directory ? { directory } : {}),
  });
const handler = handlerWith();

async function invoke(options: RestEventOptions) {
  const result = await handler(restEvent(options), lambdaContext());
  return { status: result.statusCode, headers: result.headers ?? {}, body: result.body };
}

function webhook(payload: string, signature: string) {
  return invoke({
    method: 'POST',
    resource: '/v1/billing/webhooks/stripe',
    headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature },
    body: payload,
  });
}

const succeeded = JSON.stringify({
  id: 'evt_9',
  object: 'event',
  type: 'payment_intent.succeeded',
  data: {
    object: {
      id: 'pi_9',
      object: 'payment_intent',
      amount: 4900,
      amount_received: 4900,
      currency: 'eur',
      metadata: { tenantId: 'acme', invoiceId: '2026-11' },
    },
  },
});

beforeEach(() => applied.splice(0));

it('serves the printable invoice as an HTML document with its lines escaped', async () => {
  // Act
  const document = await invoke({
    method: 'GET',
    resource: '/v1/tenants/{tenantId}/invoices/{invoiceId}/document',
    pathParameters: { tenantId: 'acme', invoiceId: '2026-11' },
    auth: admin,
  });
  // Assess
  expect(document.status).toBe(200);
  expect(document.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(document.body).toContain('<h1>Invoice eu-central-1-000007</h1>');
  expect(document.body).toContain('Team &lt;plan&gt;');
  expect(document.body).toContain('49.00 EUR');
});

it('answers 404 for an invoice id of no period and 400 for one that is not a month', async () => {
  const missing = await invoke({
    method: 'GET',
    resource: '/v1/tenants/{tenantId}/invoices/{invoiceId}',
    pathParameters: { tenantId: 'acme', invoiceId: '2026-10' },
    auth: admin,
  });
  const malformed = await invoke({
    method: 'GET',
    resource: '/v1/tenants/{tenantId}/invoices/{invoiceId}',
    pathParameters: { tenantId: 'acme', invoiceId: '2026-13' },
    auth: admin,
  });
  expect([missing.status, malformed.status]).toEqual([404, 400]);
});

it('applies a webhook whose signature the Stripe SDK verifies', async () => {
  const result = await webhook(succeeded, stripe.webhooks.generateTestHeaderString({ payload: succeeded, secret: SECRET }));
  expect(result.status).toBe(200);
  expect(JSON.parse(result.body)).toEqual({ received: true, applied: true });
  expect(applied).toEqual([
    { tenantId: 'acme', invoiceId: '2026-11', event: expect.objectContaining({ eventId: 'evt_9', outcome: 'succeeded', amount: 4900 }) },
  ]);
});

describe("a Stripe event of a tenant a migration moves (every region's endpoint receives every event)", () => {
  const entry = { tenantId: 'acme', slug: 'acme', status: 'ACTIVE' as const, emailDomains: [], branding: {} };
  const move = { exportId: 'migration-1', since: '2026-12-01T00:00:00.000Z' };
  const regionOf = (home: Partial<TenantDirectoryEntry>) =>
    handlerWith({ get: async (tenantId) => (tenantId === 'acme' ? { ...entry, region: 'eu-central-1', ...home } : undefined) });
  const send = (home: Partial<TenantDirectoryEntry>) =>
    regionOf(home)(
      restEvent({
        method: 'POST',
        resource: '/v1/billing/webhooks/stripe',
        headers: { 'Content-Type': 'application/json', 'Stripe-Signature': stripe.webhooks.generateTestHeaderString({ payload: succeeded, secret: SECRET }) },
        body: succeeded,
      }),
      lambdaContext(),
    );

  it('is refused 503 tenant-moving with Retry-After in the old region and in the new one while the move holds it', async () => {
    // Act
    const answers = await Promise.all([send({ moving: { to: 'us-east-1', ...move } }), send({ region: 'us-east-1', moving: { to: 'eu-central-1', ...move } })]);
    // Assess: this function serves eu-central-1, the old home in the first answer and the new one in the second
    expect(answers.map((answer) => answer.statusCode)).toEqual([503, 503]);
    expect(answers.map((answer) => answer.headers?.['retry-after'])).toEqual(['30', '30']);
    expect(answers.map((answer) => JSON.parse(answer.body))).toEqual([
      expect.objectContaining({ code: 'tenant-moving', region: 'us-east-1' }),
      expect.objectContaining({ code: 'tenant-moving', region: 'eu-central-1' }),
    ]);
    expect(applied).toEqual([]);
  });

  it('is applied by its new home once the move has cut over, and let be by the old region', async () => {
    const home = await send({ moving: { to: 'eu-central-1', ...move } });
    const away = await send({ region: 'us-east-1' });
    expect([JSON.parse(home.body), JSON.parse(away.body)]).toEqual([
      { received: true, applied: true },
      { received: true, applied: false },
    ]);
    expect(applied).toHaveLength(1);
  });
});

it('refuses a webhook with a bad signature with a 400 problem, and applies nothing', async () => {
  const result = await webhook(succeeded, stripe.webhooks.generateTestHeaderString({ payload: succeeded, secret: 'whsec_wrong' }));
  expect(result.status).toBe(400);
  expect(result.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(JSON.parse(result.body)).toMatchObject({ status: 400, code: 'webhook-signature-invalid' });
  expect(applied).toEqual([]);
});

it.each([
  [{ eventId: 'e1', outcome: 'succeeded', amount: -1, currency: 'EUR' }, 422, 'validation-failed'],
  [{ eventId: 'e1', outcome: 'refunded', amount: 4900, currency: 'EUR' }, 422, 'validation-failed'],
  [{ eventId: 'e1', outcome: 'succeeded', amount: 4900, currency: 'USD' }, 422, 'currency-mismatch'],
])('refuses the payment %j with a %i %s problem and records nothing', async (body, status, code) => {
  const result = await invoke({
    method: 'POST',
    resource: '/v1/tenants/{tenantId}/invoices/{invoiceId}/payments',
    pathParameters: { tenantId: 'acme', invoiceId: '2026-11' },
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    auth: operator,
  });
  expect(result.status).toBe(status);
  expect(JSON.parse(result.body)).toMatchObject({ code });
  expect(applied).toEqual([]);
});

it('lets only platform admins record payments', async () => {
  const result = await invoke({
    method: 'POST',
    resource: '/v1/tenants/{tenantId}/invoices/{invoiceId}/payments',
    pathParameters: { tenantId: 'acme', invoiceId: '2026-11' },
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ eventId: 'e1', outcome: 'succeeded', amount: 4900, currency: 'EUR' }),
    auth: admin,
  });
  expect(result.status).toBe(403);
});
