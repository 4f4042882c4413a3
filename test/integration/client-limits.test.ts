import { CLIENT_LIMITS } from '../../functions/billing/client-limits.catalogue';
import { newApiKey } from '../../functions/identity/api-key.secret';
import { requestFrom } from '../support/client-request';
import { startTestPlatform, type TestPlatform } from '../support/platform';

/**
 * The limits per client address with the platform's own numbers, through the local gateway with the real
 * authorizer and handlers: anonymous floods are stopped per client, and a tenant calling from elsewhere is served.
 */

const EU = 'eu-central-1';
const FLOODER = '127.0.0.2';
const TENANT = '127.0.0.3';
let platform: TestPlatform;

/** Requests a client's bucket can have regained in `ms` (it refills evenly over the limit's window), rounded up. */
function refilledDuring(ms: number, limit: { readonly requests: number; readonly windowSeconds: number }): number {
  return Math.ceil((ms / 1000) * (limit.requests / limit.windowSeconds));
}

beforeAll(async () => {
  platform = await startTestPlatform({ clientLimits: CLIENT_LIMITS });
});

afterAll(async () => {
  await platform?.close();
});

it("answers 429 to a client flooding keys of made-up tenants, while a tenant's key keeps working", async () => {
  // Prepare
  const tenant = await platform.createTenant({ region: EU, plan: 'enterprise' });
  const { idToken } = await platform.signIn(tenant.clientId, tenant.admin);
  const created = await platform.call(EU, 'POST', `/v1/tenants/${tenant.tenantId}/api-keys`, {
    token: idToken,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'ci', role: 'member' }),
  });
  expect(created.status).toBe(201);
  const agents = `${platform.endpoints[EU]}/v1/tenants/${tenant.tenantId}/agents`;
  const allowed = CLIENT_LIMITS.rejected.requests;

  // Act: the flood and the tenant's calls interleaved
  const started = Date.now();
  const flood: number[] = [];
  const served: number[] = [];
  for (let i = 0; i < allowed + 10; i += 1) {
    const madeUp = `made-up-${i % 7}`;
    const url = `${platform.endpoints[EU]}/v1/tenants/${madeUp}/agents`;
    flood.push((await requestFrom(FLOODER, url, { headers: { authorization: `ApiKey ${newApiKey(madeUp).key}` } })).status);
    if (i % 10 === 0) served.push((await requestFrom(TENANT, agents, { headers: { authorization: `ApiKey ${created.json.key}` } })).status);
  }
  const refills = refilledDuring(Date.now() - started, CLIENT_LIMITS.rejected);
  const madeUpKey = { authorization: `ApiKey ${newApiKey('made-up-x').key}` };
  let refused = await requestFrom(FLOODER, `${platform.endpoints[EU]}/v1/tenants/made-up-x/agents`, { headers: madeUpKey });
  for (let retry = 0; refused.status !== 429 && retry < refills; retry += 1) {
    refused = await requestFrom(FLOODER, `${platform.endpoints[EU]}/v1/tenants/made-up-x/agents`, { headers: madeUpKey });
  }

  // Assess
  expect(flood.slice(0, allowed)).toEqual(Array(allowed).fill(401));
  // The bucket refills while the flood runs: a slow run may see as many more 401s as it refilled, never more.
  expect(flood.slice(allowed).filter((status) => status === 401).length).toBeLessThanOrEqual(refills);
  expect(flood.slice(allowed).filter((status) => status === 429).length).toBeGreaterThanOrEqual(10 - refills);
  expect([refused.status, refused.headers['content-type']]).toEqual([429, 'application/problem+json']);
  expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(JSON.parse(refused.text)).toMatchObject({ status: 429, code: 'rate-limited' });
  expect(served).toHaveLength(11);
  expect(served.every((status) => status === 200)).toBe(true);
});

it('answers 429 to a client past the public-route limit, and serves another client', async () => {
  // Act: call until refused (bounded), however fast this machine is
  const limit = CLIENT_LIMITS.publicRoutes.requests;
  const started = Date.now();
  const statuses: number[] = [];
  while (statuses.at(-1) !== 429 && statuses.length < limit + 100) {
    statuses.push((await requestFrom('127.0.0.4', `${platform.endpoints[EU]}/v1/health`)).status);
  }
  const refills = refilledDuring(Date.now() - started, CLIENT_LIMITS.publicRoutes);
  const other = await requestFrom('127.0.0.5', `${platform.endpoints[EU]}/v1/health`);

  // Assess: the full bucket, plus at most what it refilled meanwhile, then 429
  const served = statuses.filter((status) => status === 200).length;
  expect(statuses.at(-1)).toBe(429);
  expect(statuses.slice(0, -1).every((status) => status === 200)).toBe(true);
  expect(served).toBeGreaterThanOrEqual(limit);
  expect(served).toBeLessThanOrEqual(limit + refills);
  expect(other.status).toBe(200);
});
