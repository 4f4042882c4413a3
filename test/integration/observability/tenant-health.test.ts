import { SERVICE_LEVELS } from '../../../functions/billing/service-levels.catalogue';
import { hourOf } from '../../../functions/observability/tenant-health.attributes';
import { runCli, type CliContext } from '../../../local/cli';
import type { ProvisionedTenant } from '../../../local/provisioner';
import { startTestPlatform, type ApiResponse, type TestPlatform } from '../../support/platform';

/**
 * Tenant health against the local platform: scripted requests (successes, not-found, invalid, quota refusals,
 * usage-plan throttles) and the health figures the API then reports equal what was served. The meter writes after
 * every request here (METER_FLUSH_REQUESTS=1), so the figures are exact the moment a request is answered.
 */

const REGION = 'eu-central-1' as const;

let platform: TestPlatform;
let tenant: ProvisionedTenant;
let other: ProvisionedTenant;
let token: string;
let adminToken: string;
let context: CliContext;
const lines: string[] = [];
const DAY_MS = 86_400_000;
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

beforeAll(async () => {
  platform = await startTestPlatform({ environment: { METER_FLUSH_REQUESTS: '1' } });
  const admin = await platform.platformAdmin();
  [tenant, other] = await Promise.all([platform.createTenant({ plan: 'free' }), platform.createTenant({ plan: 'team' })]);
  token = (await platform.signIn(tenant.clientId, tenant.admin)).idToken;
  adminToken = (await platform.signIn(admin.clientId, admin)).idToken;
  context = {
    platform: () => ({
      apiUrl: platform.endpoints[REGION],
      regions: platform.endpoints,
      cognitoEndpoint: platform.cognitoEndpoint,
      platformAdmin: { clientId: admin.clientId, username: admin.username, password: admin.password },
      mailboxDir: platform.mailboxDir,
    }),
    tenantsDir: platform.mailboxDir,
    out: (line) => lines.push(line),
  };
  // The figures are kept per UTC day: a file that began just before midnight would see the day's window restart
  // half-way through it, so it starts in the new day instead (a wait of at most 90 s, in 90 s of a day).
  const untilMidnight = DAY_MS - (Date.now() % DAY_MS);
  if (untilMidnight < 90_000) await sleep(untilMidnight + 1_000);
}, 160_000);

afterAll(() => platform?.close());

describe('tenant health', () => {
  it('reports exactly the requests served, errors, quota refusals and throttles of the tenant, and its quota headroom', async () => {
    // Prepare
    const startedHour = hourOf(new Date());
    const base = `/v1/tenants/${tenant.tenantId}`;
    const json = { 'content-type': 'application/json' };
    const served: ApiResponse[] = [];
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await platform.call(REGION, method, path, { token, headers: json, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      served.push(response);
      return response;
    };

    // Act: 4 agent creates on a plan of 3 (one quota refusal), a missing agent, an invalid body, lists; then a burst
    // past the usage plan's burst (throttles), after the bucket has refilled
    for (let i = 0; i < 4; i++) await call('POST', `${base}/agents`, { name: `a${i}`, modelId: 'local.echo', instructions: 'x', tools: [] });
    await call('GET', `${base}/agents/missing-agent`);
    await call('POST', `${base}/agents`, { name: '' });
    for (let i = 0; i < 3; i++) await call('GET', `${base}/agents`);
    await sleep(2_100);
    // 30 at once against a burst of 10 at 5/s: some are throttled however slowly this machine lets them arrive
    await Promise.all(Array.from({ length: 30 }, () => call('GET', `${base}/agents`)));
    await sleep(1_000); // the health request itself must not be throttled
    const health = await platform.call(REGION, 'GET', `${base}/health`, { token });

    // Assess
    const statuses = served.map((response) => response.status);
    const throttled = served.filter((response) => response.status === 429 && response.json?.code === 'rate-limited').length;
    const functionAnswers = statuses.length - throttled;
    expect(throttled).toBeGreaterThan(0);
    expect(health.status).toBe(200);
    const expected = {
      requests: functionAnswers,
      clientErrors: statuses.filter((status) => status >= 400 && status < 500).length - throttled,
      serverErrors: statuses.filter((status) => status >= 500).length,
      throttles: throttled,
      quotaRefusals: served.filter((response) => response.json?.code === 'quota-exceeded').length,
    };
    expect(expected.quotaRefusals).toBe(1);
    // The hour window starts at the clock hour: when the script crossed one, only the day window holds it all.
    const windows = hourOf(new Date()) === startedHour ? (['hour', 'day'] as const) : (['day'] as const);
    for (const window of windows) {
      expect(health.json[window]).toMatchObject({ ...expected, errorRate: (expected.clientErrors + expected.serverErrors) / expected.requests });
      expect(health.json[window].latencyMs.p50).toBeGreaterThan(0);
      expect(health.json[window].latencyMs.p99).toBeGreaterThanOrEqual(health.json[window].latencyMs.p50);
    }
    // Measured against the tier's service level: no 5xx, so the availability is 1 and the p99 decides
    expect(health.json.day.availability).toBe(1 - expected.serverErrors / expected.requests);
    const level = SERVICE_LEVELS.free;
    expect(health.json.serviceLevel).toEqual({
      p99LatencyMs: level.p99LatencyMs,
      availability: level.availability,
      met: {
        hour: expect.any(Boolean),
        day:
          health.json.day.availability >= level.availability && health.json.day.latencyMs.p99 !== null && health.json.day.latencyMs.p99 <= level.p99LatencyMs,
      },
    });
    expect(health.json.quotaHeadroom.agents).toEqual({ used: 3, limit: 3, headroom: 0 });
    expect(health.json.quotaHeadroom.apiRequestsPerDay.used).toBe(functionAnswers);
  }, 60_000);

  it("answers 403 to a tenant admin asking for another tenant's health, and 400 to a platform admin's bad sort", async () => {
    const foreign = await platform.call(REGION, 'GET', `/v1/tenants/${other.tenantId}/health`, { token });
    const badSort = await platform.call(REGION, 'GET', '/v1/platform/tenants/health?sort=cost', { token: adminToken });
    const notAdmin = await platform.call(REGION, 'GET', '/v1/platform/tenants/health', { token });

    expect(foreign.status).toBe(403);
    expect(badSort.status).toBe(400);
    expect(notAdmin.status).toBe(403);
  });

  it('ranks the tenants of the region worst first for platform admins, through the API and `npm run tenant -- health`', async () => {
    // Prepare: the other tenant is served a success only
    const otherToken = (await platform.signIn(other.clientId, other.admin)).idToken;
    expect((await platform.call(REGION, 'GET', `/v1/tenants/${other.tenantId}/agents`, { token: otherToken })).status).toBe(200);

    // Act
    const east = await platform.call('us-east-1', 'GET', '/v1/platform/tenants/health', { token: adminToken });
    expect([east.status, east.text]).toEqual([200, expect.any(String)]);
    // The day's window: the hour's would miss the first test's requests when an hour ends between the two tests.
    const ranking = await platform.call(REGION, 'GET', '/v1/platform/tenants/health?sort=errorRate&window=day', { token: adminToken });
    await runCli(['health', '--sort', 'throttles'], context);

    // Assess
    expect(ranking.status).toBe(200);
    const ids = ranking.json.items.map((item: { tenantId: string }) => item.tenantId);
    expect(ids.indexOf(tenant.tenantId)).toBeLessThan(ids.indexOf(other.tenantId));
    const rates = ranking.json.items.map((item: { health: { errorRate: number } }) => item.health.errorRate);
    expect(rates).toEqual([...rates].sort((a, b) => b - a));
    expect(ranking.json.items.find((item: { tenantId: string }) => item.tenantId === other.tenantId).health).toMatchObject({ requests: 1, errorRate: 0 });
    expect(lines[0]).toMatch(/^TENANT\s+REGION\s+STATUS\s+REQUESTS\s+ERROR %\s+5XX %\s+P50 MS\s+P99 MS\s+THROTTLED\s+QUOTA REFUSED$/);
    const rows = lines.filter((line) => line.startsWith(tenant.tenantId) || line.startsWith(other.tenantId));
    expect(rows[0].startsWith(tenant.tenantId)).toBe(true);
  }, 60_000);
});
