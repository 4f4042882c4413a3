import { PLANS } from '../../functions/billing/plan.catalogue';
import { startTestPlatform, type TestPlatform } from '../support/platform';

/** Usage-plan throttling as the local gateway emulates it: per tenant key, at the rate and burst of its plan. */

const EU = 'eu-central-1';
let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform();
});

afterAll(async () => {
  await platform?.close();
});

it("throttles a free tenant past its plan's burst with 429 problem+json, and leaves another tenant alone", async () => {
  // Prepare
  const [free, team] = await Promise.all([platform.createTenant({ region: EU, plan: 'free' }), platform.createTenant({ region: EU, plan: 'team' })]);
  const [freeTokens, teamTokens] = await Promise.all([platform.signIn(free.clientId, free.admin), platform.signIn(team.clientId, team.admin)]);
  const burst = PLANS.free.rateLimit.burst;
  // Act: twice the burst at once, far faster than the steady rate refills
  const started = Date.now();
  const responses = await Promise.all(
    Array.from({ length: burst * 2 }, () => platform.call(EU, 'GET', `/v1/tenants/${free.tenantId}`, { token: freeTokens.idToken })),
  );
  const other = await platform.call(EU, 'GET', `/v1/tenants/${team.tenantId}`, { token: teamTokens.idToken });
  // Assess
  const throttled = responses.filter((r) => r.status === 429);
  // A token bucket: the burst, plus what the steady rate refilled while the requests were answered.
  const refilled = Math.ceil(PLANS.free.rateLimit.requestsPerSecond * ((Date.now() - started) / 1000));
  expect(responses.filter((r) => r.status === 200).length).toBeLessThanOrEqual(burst + Math.max(refilled, PLANS.free.rateLimit.requestsPerSecond));
  expect(throttled.length).toBeGreaterThan(0);
  expect(throttled[0].json).toMatchObject({ status: 429, code: 'rate-limited' });
  expect(throttled[0].headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(other.status).toBe(200);
});

it("moves the tenant's key to the new plan's usage plan at once when a platform admin changes the plan", async () => {
  // Prepare: a free tenant that has used up its burst
  const tenant = await platform.createTenant({ region: EU, plan: 'free' });
  const admin = await platform.platformAdmin();
  const [tokens, adminTokens] = await Promise.all([platform.signIn(tenant.clientId, tenant.admin), platform.signIn(admin.clientId, admin)]);
  const read = () => platform.call(EU, 'GET', `/v1/tenants/${tenant.tenantId}`, { token: tokens.idToken });
  const before = await Promise.all(Array.from({ length: PLANS.free.rateLimit.burst * 2 }, read));
  expect(before.some((r) => r.status === 429)).toBe(true);
  expect(before.find((r) => r.status === 200)?.headers.get('ratelimit-policy')).toBe(`"daily";q=${PLANS.free.limits.apiRequestsPerDay};w=86400`);

  // Act
  const changed = await platform.call(EU, 'PATCH', `/v1/tenants/${tenant.tenantId}`, {
    token: adminTokens.idToken,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ plan: 'team' }),
  });
  const after = await Promise.all(Array.from({ length: PLANS.free.rateLimit.burst * 2 }, read));

  // Assess: the key is in the team plan's usage plan, with its burst and daily quota, from the next request on
  expect(changed.status).toBe(200);
  expect(after.map((r) => r.status)).toEqual(after.map(() => 200));
  expect(after[0].headers.get('ratelimit-policy')).toBe(`"daily";q=${PLANS.team.limits.apiRequestsPerDay};w=86400`);
});

it('answers 429 with Retry-After and the RateLimit headers of the limit that refused it', async () => {
  // Prepare
  const tenant = await platform.createTenant({ region: EU, plan: 'free' });
  const tokens = await platform.signIn(tenant.clientId, tenant.admin);
  // Act
  const responses = await Promise.all(
    Array.from({ length: PLANS.free.rateLimit.burst * 2 }, () => platform.call(EU, 'GET', `/v1/tenants/${tenant.tenantId}`, { token: tokens.idToken })),
  );
  // Assess
  const throttled = responses.find((r) => r.status === 429);
  expect(Number(throttled?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(throttled?.headers.get('ratelimit-policy')).toBe(`"rate";q=${PLANS.free.rateLimit.burst};w=1`);
  expect(throttled?.headers.get('ratelimit')).toMatch(/^"rate";r=0;t=\d+$/);
});

it('meters platform admins by the platform key, not by the plan of the tenant they act on', async () => {
  // Prepare: a free tenant whose own users have used up its burst
  const tenant = await platform.createTenant({ region: EU, plan: 'free' });
  const admin = await platform.platformAdmin();
  const [tokens, adminTokens] = await Promise.all([platform.signIn(tenant.clientId, tenant.admin), platform.signIn(admin.clientId, admin)]);
  await Promise.all(
    Array.from({ length: PLANS.free.rateLimit.burst * 2 }, () => platform.call(EU, 'GET', `/v1/tenants/${tenant.tenantId}`, { token: tokens.idToken })),
  );
  // Act
  const asAdmin = await platform.call(EU, 'GET', `/v1/tenants/${tenant.tenantId}`, { token: adminTokens.idToken });
  // Assess
  expect(asAdmin.status).toBe(200);
});
