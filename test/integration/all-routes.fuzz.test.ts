import fc from 'fast-check';
import { ROUTES } from '../../functions/routes';
import { startTestPlatform, type TestPlatform } from '../support/platform';

/**
 * Fuzz of every route of the route table through the local gateway, as a tenant admin and as a platform admin, with
 * random path parameters, queries and bodies: whatever the input, the answer is never a 5xx, and every refusal is a
 * problem+json. Each route gets a tenant of its own, because some of its calls change the tenant (suspend it,
 * offboard it, revoke its admin's sessions). test/integration/resources/fuzz.test.ts adds, for the resource groups,
 * that a refused request changes nothing.
 */
const EU = 'eu-central-1';
const RUNS = Number(process.env.FUZZ_RUNS ?? 8);
let platform: TestPlatform;
let platformToken: string;

beforeAll(async () => {
  platform = await startTestPlatform();
  const admin = await platform.platformAdmin();
  platformToken = (await platform.signIn(admin.clientId, admin)).idToken;
}, 120_000);

afterAll(async () => {
  await platform?.close();
});

const anything = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.object({ maxDepth: 2 }),
);
const text = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom(
    '',
    '0',
    '101',
    '-1',
    '2026-11-01T00:00:00Z',
    '2026-11',
    'x#y',
    '*',
    '"1"',
    'a'.repeat(3000),
    '%00',
    '..',
    'null',
    '01J00000000000000000000000',
    'eu-central-1',
  ),
);
/** Field names the routes' bodies use, so that some random bodies get past the first check. */
const FIELDS = [
  'name',
  'modelId',
  'instructions',
  'tools',
  'content',
  'email',
  'role',
  'plan',
  'region',
  'code',
  'password',
  'limit',
  'amount',
  'steps',
  'input',
];
const MORE_FIELDS = [
  'exportId',
  'sourceTenantId',
  'retention',
  'legalHold',
  'reason',
  'status',
  'targetRegion',
  'monthlyLimit',
  'provider',
  'apiKey',
  'slug',
  'tenantId',
];
const body = fc.oneof(fc.jsonValue(), fc.string(), fc.dictionary(fc.constantFrom(...FIELDS, ...MORE_FIELDS), anything, { maxKeys: 6 }));
const query = fc.dictionary(fc.constantFrom('limit', 'cursor', 'from', 'to', 'period', 'slug', 'email', 'status', 'action', 'format', 'tag', 'x'), text, {
  maxKeys: 3,
});
/** Mostly the route's own tenant, sometimes any text. */
const ownTenant = fc.integer({ min: 0, max: 4 }).map((n) => n > 0);

describe('fuzz: every route, random input', () => {
  it.each(ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s answers no 5xx, and problem+json for what it refuses',
    async (_name, route) => {
      const tenant = await platform.createTenant({ region: EU, plan: 'enterprise' });
      const adminToken = (await platform.signIn(tenant.clientId, tenant.admin)).idToken;
      await fc.assert(
        fc.asyncProperty(fc.boolean(), text, query, body, ownTenant, async (asPlatformAdmin, id, search, payload, own) => {
          const path = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(name === 'tenantId' && own ? tenant.tenantId : id || 'x'));
          const qs = new URLSearchParams(search).toString();
          const response = await platform.call(EU, route.method, `${path}${qs ? `?${qs}` : ''}`, {
            token: asPlatformAdmin ? platformToken : adminToken,
            headers: { 'content-type': 'application/json' },
            ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { body: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
          });
          expect(response.status).toBeLessThan(500);
          if (response.status >= 400) expect(response.headers.get('content-type')).toBe('application/problem+json');
          // Below the plan's rate: a 429 would end the call before the handler.
          await new Promise((paced) => setTimeout(paced, 12));
        }),
        { numRuns: RUNS },
      );
    },
    120_000,
  );
});
