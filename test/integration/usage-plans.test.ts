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
  const responses = await Promise.all(
    Array.from({ length: burst * 2 }, () => platform.call(EU, 'GET', `/v1/tenants/${free.tenantId}`, { token: freeTokens.idToken })),
  );
  const other = await platform.call(EU, 'GET', `/v1/tenants/${team.tenantId}`, { token: teamTokens.idToken });
  // Assess
  const throttled = responses.filter((r) => r.status === 429);
  expect(responses.filter((r) => r.status === 200).length).toBeLessThanOrEqual(burst + PLANS.free.rateLimit.requestsPerSecond);
  expect(throttled.length).toBeGreaterThan(0);
  expect(throttled[0].json).toMatchObject({ status: 429, code: 'rate-limited' });
  expect(throttled[0].headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(other.status).toBe(200);
});
