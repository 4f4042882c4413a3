import fc from 'fast-check';
import { periodUsageFrom } from '../../../functions/api/billing.dependencies';
import { HASH_CHAIN } from '../../../functions/audit/audit-chain';
import { InvoiceRepository, lastIssuedNumber } from '../../../functions/billing/invoice.repository';
import type { Invoice } from '../../../functions/billing/invoice.schema';
import { ManualInvoicingProvider } from '../../../functions/billing/payment.provider';
import { PaymentService } from '../../../functions/billing/payment.service';
import { PeriodCloseService } from '../../../functions/billing/period-close.service';
import { PLANS, type PlanId } from '../../../functions/billing/plan.catalogue';
import { readCurrentUsage, SubscriptionRepository } from '../../../functions/billing/subscription.repository';
import { SubscriptionService } from '../../../functions/billing/subscription.service';
import { AmountMismatchError, ConflictError } from '../../../functions/core/errors';
import { MutationExecutor } from '../../../functions/data/mutation.executor';
import { CachedPlanSource } from '../../../functions/quotas/plan.source';
import { monthOf, quotaCounters } from '../../../functions/quotas/quota.counters';
import { TenantRepository } from '../../../functions/tenants/tenant.repository';
import { usageCounters, UsageMeter } from '../../../functions/usage/usage.meter';
import { UsageService } from '../../../functions/usage/usage.service';
import { resourceFixture } from '../../support/resources';

/**
 * Property 8, tenant subscription management: random sequences of plan changes, cancellations, metered usage
 * (requests through the meter, tokens and runs through the audited counters), days passing, period closes (some run
 * twice) and payment events (some delivered twice, some for the wrong amount), against DynamoDB Local through the
 * services. A model that knows only prices × days, blocks of overage and the calendar says what each invoice must
 * be; after every step the stored invoices must agree with it: the same totals and line sums, the usage counted
 * exactly once, one invoice per period, numbers of the region without gaps, payment states and subscription standing
 * as the events imply.
 */
const REGION = 'eu-central-1';
const DAY_MS = 86_400_000;
const fixture = resourceFixture();
afterAll(() => fixture.close());
const { tableName } = fixture;
const db = (tenantId: string) => fixture.isolation.forTenant(tenantId);
const invoicingDb = (tenantId: string) => fixture.isolation.forInvoicing(tenantId);
const plans = new CachedPlanSource({ db, tableName, ttlMs: 1 });

let now = Date.now();
const clock = () => new Date(now);
const subscriptions = new SubscriptionRepository(db, tableName);
const invoices = new InvoiceRepository(db, tableName);
const tenants = { get: (tenantId: string) => new TenantRepository(db(tenantId), tableName).get(tenantId) };
const executor = fixture.executors[0];
const invoicing = new MutationExecutor({ chain: HASH_CHAIN, db: invoicingDb, tableName, plans });
const subscriptionService = new SubscriptionService({
  subscriptions,
  tenants,
  usage: (tenantId, at) => readCurrentUsage(db(tenantId), tableName, tenantId, at),
  mutations: executor,
  usageKeys: { bind: async () => undefined },
  clock,
});
const periods = new PeriodCloseService({
  region: REGION,
  subscriptions,
  tenants,
  usage: periodUsageFrom(new UsageService({ db, tableName, plans, region: REGION, clock: () => now })),
  lastIssued: (tenantId) => lastIssuedNumber(invoicingDb(tenantId), tableName, REGION),
  invoicing,
  provider: new ManualInvoicingProvider(),
  clock,
});
const suspended: string[] = [];
const payments = new PaymentService({
  invoices,
  subscriptions,
  tenants,
  mutations: executor,
  suspend: async (tenantId) => {
    suspended.push(tenantId);
  },
  clock,
});

// -- the model: months as `YYYY-MM`, money in cents, nothing but integers

interface ModelInvoice {
  readonly total: number;
  readonly usage: { requests: number; tokens: number; runs: number };
  status: 'open' | 'paid' | 'failed';
  readonly events: Set<string>;
}

interface Model {
  plan: PlanId;
  pending?: PlanId;
  cancelAtEnd: boolean;
  canceled: boolean;
  /** The first day of the open period. */
  period: string;
  /** Plan the open period began on, and the upgrades' charges in it. */
  startPlan: PlanId;
  prorations: number[];
  usage: Map<string, { requests: number; tokens: number; runs: number }>;
  invoices: Map<string, ModelInvoice>;
  pastDue?: string;
  status: 'active' | 'past_due' | 'canceled';
}

const daysInMonth = (time: Date) => new Date(Date.UTC(time.getUTCFullYear(), time.getUTCMonth() + 1, 0)).getUTCDate();
const nextMonth = (month: string) => monthOf(new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 1)));
const monthEnd = (month: string) => Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 1);
const usageOf = (model: Model, month: string) => model.usage.get(month) ?? { requests: 0, tokens: 0, runs: 0 };

function overage(plan: PlanId, used: { requests: number; tokens: number; runs: number }): number {
  const rates = PLANS[plan].billing.overage;
  const blocks = (value: number, rate: { included: number; blockSize: number; centsPerBlock: number }) =>
    Math.ceil(Math.max(0, value - rate.included) / rate.blockSize) * rate.centsPerBlock;
  return blocks(used.requests, rates.requests) + blocks(used.tokens, rates.tokens) + blocks(used.runs, rates.runs);
}

/** Closes every ended period in the model, as the service must. */
function closeModel(model: Model): string[] {
  const issued: string[] = [];
  while (!model.canceled && monthEnd(model.period) <= now) {
    const used = usageOf(model, model.period);
    const total = PLANS[model.startPlan].monthlyPriceCents + model.prorations.reduce((a, b) => a + b, 0) + overage(model.plan, used);
    model.invoices.set(model.period, { total, usage: { ...used }, status: 'open', events: new Set() });
    issued.push(model.period);
    model.plan = model.pending ?? model.plan;
    model.pending = undefined;
    model.startPlan = model.plan;
    model.prorations = [];
    if (model.cancelAtEnd) {
      model.canceled = true;
      model.status = 'canceled';
    }
    model.period = nextMonth(model.period);
  }
  return issued;
}

// -- the commands

type Command = fc.AsyncCommand<Model, { tenantId: string }>;

const changePlan = (plan: PlanId): Command => ({
  check: () => true,
  async run(model, real) {
    const at = new Date(now);
    const from = PLANS[model.plan].monthlyPriceCents;
    const to = PLANS[plan].monthlyPriceCents;
    const change = subscriptionService.update({ tenantId: real.tenantId, actor: 'user:prop', requestId: `plan-${now}` }, { plan });
    if (to < from && usageOf(model, monthOf(at)).runs > PLANS[plan].limits.runsPerMonth) {
      // A downgrade the month's runs do not fit is refused, and changes nothing.
      await expect(change).rejects.toBeInstanceOf(ConflictError);
      return;
    }
    await change;
    if (plan === model.plan) model.pending = undefined;
    else if (to > from) {
      // prices × days: the difference for the days left of the month the upgrade happens in, the day itself included
      model.prorations.push(Math.floor(((to - from) * (daysInMonth(at) - at.getUTCDate() + 1)) / daysInMonth(at)));
      model.plan = plan;
      model.pending = undefined;
    } else model.pending = plan;
  },
  toString: () => `plan(${plan})`,
});

const cancel = (cancelAtEnd: boolean): Command => ({
  check: () => true,
  async run(model, real) {
    await subscriptionService.update({ tenantId: real.tenantId, actor: 'user:prop', requestId: `cancel-${now}` }, { cancelAtPeriodEnd: cancelAtEnd });
    model.cancelAtEnd = cancelAtEnd;
  },
  toString: () => `cancel(${cancelAtEnd})`,
});

const use = (requests: number, tokens: number, runs: number): Command => ({
  check: () => true,
  async run(model, real) {
    const meter = new UsageMeter({ db, tableName, clock: () => now, flushEvery: 1_000 });
    for (let i = 0; i < requests; i++) await meter.addRequest(real.tenantId, { durationMs: 5, memoryMb: 128, status: 200 });
    await meter.flush();
    const at = new Date(now);
    await executor.execute({
      tenantId: real.tenantId,
      event: { actor: 'system:prop', action: 'run.meter', target: 'run/prop', requestId: `use-${now}`, change: { tokens, runs } },
      counters: [usageCounters.tokens(real.tenantId, at, tokens), { key: quotaCounters.runs(real.tenantId, monthOf(at)).key, add: { count: runs } }],
    });
    const month = monthOf(at);
    const used = usageOf(model, month);
    model.usage.set(month, { requests: used.requests + requests, tokens: used.tokens + tokens, runs: used.runs + runs });
  },
  toString: () => `use(${requests} requests, ${tokens} tokens, ${runs} runs)`,
});

const advance = (days: number): Command => ({
  check: () => true,
  async run() {
    now += days * DAY_MS;
  },
  toString: () => `advance(${days}d)`,
});

const close = (twice: boolean): Command => ({
  check: () => true,
  async run(model, real) {
    const before = await lastIssuedNumber(invoicingDb(real.tenantId), tableName, REGION);
    // Twice: two closes of the tenant race (an overlapping schedule, a retry); then a third, later one.
    const runs = await Promise.all([periods.close(real.tenantId, `close-${now}`), ...(twice ? [periods.close(real.tenantId, `close-race-${now}`)] : [])]);
    const again = twice ? await periods.close(real.tenantId, `close-again-${now}`) : [];
    const after = await lastIssuedNumber(invoicingDb(real.tenantId), tableName, REGION);
    const expected = closeModel(model);
    const issued = runs.flat().sort((a, b) => a.sequence - b.sequence);
    expect(issued.map((invoice) => invoice.invoiceId)).toEqual(expected);
    expect(again).toEqual([]);
    // Numbers of the region: taken one after the other, none skipped, none twice.
    expect(issued.map((invoice) => invoice.sequence)).toEqual(expected.map((_, i) => before + i + 1));
    expect(after).toBe(before + expected.length);
  },
  toString: () => `close${twice ? ' twice' : ''}`,
});

const pay = (pick: number, outcome: 'succeeded' | 'failed', eventId: string, wrongAmount: boolean): Command => ({
  check: (model) => model.invoices.size > 0,
  async run(model, real) {
    const ids = [...model.invoices.keys()];
    const invoiceId = ids[pick % ids.length];
    const expected = model.invoices.get(invoiceId) as ModelInvoice;
    const event = { eventId: `${invoiceId}-${eventId}`, outcome, amount: expected.total + (wrongAmount ? 1 : 0), currency: 'EUR' };
    const by = { actor: 'platform-admin:prop', requestId: `pay-${now}` };
    if (wrongAmount && outcome === 'succeeded' && !expected.events.has(event.eventId)) {
      await expect(payments.apply(real.tenantId, invoiceId, event, by)).rejects.toBeInstanceOf(AmountMismatchError);
      return;
    }
    await payments.apply(real.tenantId, invoiceId, event, by);
    if (expected.events.has(event.eventId)) return;
    expected.events.add(event.eventId);
    expected.status = expected.status === 'paid' || outcome === 'succeeded' ? 'paid' : 'failed';
    if (expected.status === 'failed' && !model.pastDue && model.status !== 'canceled') {
      model.pastDue = invoiceId;
      model.status = 'past_due';
    } else if (expected.status === 'paid' && model.pastDue === invoiceId) {
      model.pastDue = undefined;
      model.status = model.status === 'canceled' ? 'canceled' : 'active';
    }
  },
  toString: () => `pay(#${pick}, ${outcome}, ${eventId}${wrongAmount ? ', wrong amount' : ''})`,
});

const commandArbs = [
  fc.constantFrom<PlanId>('free', 'team', 'enterprise').map(changePlan),
  fc.boolean().map(cancel),
  fc
    .tuple(
      fc.nat({ max: 3 }),
      fc.oneof(fc.nat({ max: 2_000 }), fc.integer({ min: 4_000_000, max: 9_000_000 })),
      fc.oneof(fc.nat({ max: 50 }), fc.constant(5_150)),
    )
    .map(([requests, tokens, runs]) => use(requests, tokens, runs)),
  fc.integer({ min: 1, max: 45 }).map(advance),
  fc.boolean().map(close),
  fc
    .tuple(fc.nat(), fc.constantFrom<'succeeded' | 'failed'>('succeeded', 'failed'), fc.constantFrom('e1', 'e2', 'e3'), fc.boolean())
    .map((args) => pay(...args)),
];

/** The stored invoices and subscription agree with the model. */
async function assertAgrees(model: Model, tenantId: string): Promise<void> {
  const stored = await invoices.list(tenantId);
  expect(stored.map((invoice) => invoice.invoiceId).sort()).toEqual([...model.invoices.keys()].sort());
  for (const invoice of stored) {
    const expected = model.invoices.get(invoice.invoiceId) as ModelInvoice;
    expect({ total: invoice.total, status: invoice.payment.status }).toEqual({ total: expected.total, status: expected.status });
    expect(invoice.lineItems.reduce((sum, item) => sum + item.amount, 0)).toBe(invoice.total);
    expect({ requests: invoice.usage.requests, tokens: invoice.usage.tokens, runs: invoice.usage.runs }).toEqual(expected.usage);
    expect(invoice.lineItems.every((item) => Number.isSafeInteger(item.amount) && item.amount === item.units * item.unitAmount)).toBe(true);
  }
  const subscription = await subscriptions.get(tenantId);
  if (subscription) expect({ status: subscription.status, pastDue: subscription.pastDue?.invoiceId }).toEqual({ status: model.status, pastDue: model.pastDue });
}

it('property 8: invoices agree with prices × days + overage, count usage once, and issue one invoice per period', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom<PlanId>('free', 'team'), fc.commands(commandArbs, { maxCommands: 18 }), async (plan, commands) => {
      now = Date.now();
      const tenantId = await fixture.createTenant(plan);
      const model: Model = {
        plan,
        startPlan: plan,
        cancelAtEnd: false,
        canceled: false,
        period: monthOf(new Date(now)),
        prorations: [],
        usage: new Map(),
        invoices: new Map(),
        status: 'active',
      };
      await fc.asyncModelRun(() => ({ model, real: { tenantId } }), commands);
      // Close whatever ended, then compare everything stored with the model.
      now += 40 * DAY_MS;
      await close(true).run(model, { tenantId });
      await assertAgrees(model, tenantId);
    }),
    { numRuns: 12, verbose: 1 },
  );
}, 120_000);

it('suspends a past_due tenant once the grace days of its plan have passed, not before', async () => {
  // Prepare: a team tenant whose first invoice's payment failed
  now = Date.now();
  const tenantId = await fixture.createTenant('team');
  now += 40 * DAY_MS;
  const [invoice] = (await periods.close(tenantId, 'close')) as [Invoice];
  await payments.apply(
    tenantId,
    invoice.invoiceId,
    { eventId: 'ev-fail', outcome: 'failed', amount: invoice.total, currency: 'EUR' },
    { actor: 'x:y', requestId: 'r' },
  );
  // Act
  now += (PLANS.team.billing.graceDays - 1) * DAY_MS;
  const early = await payments.suspendIfOverdue(tenantId, 'r1');
  now += 2 * DAY_MS;
  const late = await payments.suspendIfOverdue(tenantId, 'r2');
  // Assess
  expect([early, late]).toEqual([false, true]);
  expect(suspended).toContain(tenantId);
  expect((await subscriptions.get(tenantId))?.status).toBe('past_due');
}, 30_000);
