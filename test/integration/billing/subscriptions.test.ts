import { PLANS } from '../../../functions/billing/plan.catalogue';
import { daysIn, daysLeft, periodOf } from '../../../functions/billing/proration';
import { startTestPlatform, type TestPlatform } from '../../support/platform';

/** GET/PATCH /v1/tenants/{t}/subscription through the local gateway, with the real authorizer and usage plans. */

const EU = 'eu-central-1';
let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform();
}, 120_000);

afterAll(async () => {
  await platform?.close();
});

async function tenantWithAdmin(plan: 'free' | 'team') {
  const tenant = await platform.createTenant({ region: EU, plan });
  const { idToken } = await platform.signIn(tenant.clientId, tenant.admin);
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    platform.call(EU, method, `/v1/tenants/${tenant.tenantId}${path}`, {
      token: idToken,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  return { tenantId: tenant.tenantId, call };
}

it('upgrades at once with an integer proration, writes the plan on the tenant record and moves the usage key', async () => {
  // Prepare
  const { call } = await tenantWithAdmin('free');
  const before = await call('GET', '/subscription');
  expect(before.json).toMatchObject({ plan: 'free', status: 'active', cancelAtPeriodEnd: false, prorations: [], usageKeyPlan: 'free' });
  // Act
  const now = new Date();
  const upgraded = await call('PATCH', '/subscription', { plan: 'team' }, { 'if-match': before.headers.get('etag') ?? '' });
  const tenant = await call('GET', '');
  // Assess
  expect(upgraded.status).toBe(200);
  const period = periodOf(now);
  const expected = Math.floor((PLANS.team.monthlyPriceCents * daysLeft(period, now)) / daysIn(period));
  expect(upgraded.json).toMatchObject({
    plan: 'team',
    usageKeyPlan: 'team',
    prorations: [{ fromPlan: 'free', toPlan: 'team', amount: expected, currency: 'EUR' }],
  });
  expect(Number.isInteger(upgraded.json.prorations[0].amount)).toBe(true);
  expect(tenant.json.plan).toBe('team');
  expect(tenant.headers.get('ratelimit-policy')).toBe(`"daily";q=${PLANS.team.limits.apiRequestsPerDay};w=86400`);
});

it('downgrades at the end of the period when usage fits, and the current plan drops the pending downgrade', async () => {
  // Prepare
  const { call } = await tenantWithAdmin('team');
  // Act
  const downgraded = await call('PATCH', '/subscription', { plan: 'free' });
  const kept = await call('PATCH', '/subscription', { plan: 'team' });
  // Assess
  expect(downgraded.status).toBe(200);
  expect(downgraded.json).toMatchObject({ plan: 'team', pendingChange: { plan: 'free', effectiveAt: downgraded.json.currentPeriod.end } });
  expect(kept.json.plan).toBe('team');
  expect(kept.json.pendingChange).toBeUndefined();
});

it('refuses a downgrade the current usage does not fit with 409 naming the limit, and changes nothing', async () => {
  // Prepare: one agent more than the free plan allows
  const { call } = await tenantWithAdmin('team');
  for (let i = 0; i <= PLANS.free.limits.agents; i++) {
    expect((await call('POST', '/agents', { name: `Agent ${i}`, modelId: 'local.echo' })).status).toBe(201);
  }
  const before = await call('GET', '/subscription');
  // Act
  const refused = await call('PATCH', '/subscription', { plan: 'free' });
  const after = await call('GET', '/subscription');
  // Assess
  expect(refused.status).toBe(409);
  expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(refused.json).toMatchObject({
    status: 409,
    plan: 'free',
    doesNotFit: [{ limit: 'agents', current: PLANS.free.limits.agents + 1, allowed: PLANS.free.limits.agents }],
  });
  expect(refused.json.detail).toContain('agents');
  expect(after.json).toEqual(before.json);
});

it('cancels at the end of the period, audited', async () => {
  // Prepare
  const { call } = await tenantWithAdmin('free');
  // Act
  const cancelled = await call('PATCH', '/subscription', { cancelAtPeriodEnd: true });
  const audit = await call('GET', '/audit');
  // Assess
  expect(cancelled.status).toBe(200);
  expect(cancelled.json).toMatchObject({ status: 'active', cancelAtPeriodEnd: true, version: 1 });
  expect(audit.json.items.map((entry: { action: string }) => entry.action)).toContain('subscription.update');
});

it.each([[{ plan: 'platinum' }], [{}], [{ plan: 'team', seats: 3 }], [{ cancelAtPeriodEnd: 'yes' }]])(
  'refuses %j with a 4xx problem and changes nothing',
  async (body) => {
    // Prepare
    const { call } = await tenantWithAdmin('free');
    // Act
    const refused = await call('PATCH', '/subscription', body);
    const after = await call('GET', '/subscription');
    // Assess
    expect([400, 422]).toContain(refused.status);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(after.json).toMatchObject({ plan: 'free', version: 0, cancelAtPeriodEnd: false });
  },
);
