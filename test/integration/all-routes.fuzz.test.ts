import fc from 'fast-check';
import { buildOpenApiDocument } from '../../functions/platform/openapi';
import { ROUTES, type RouteDefinition } from '../../functions/routes';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { arbitraryOf, type JsonSchema } from '../support/schema-arbitrary';
import { anyFieldValue, oddText } from '../support/fuzz-values';

/**
 * Fuzz of every route of the route table through the local gateway, as a tenant admin and as a platform admin, with
 * random path parameters, queries and bodies: whatever the input, the answer is never a 5xx, and every refusal is a
 * problem+json. Half the bodies and queries are drawn from the route's own schemas in the OpenAPI document, so they
 * get past validation and reach the operation with values at the edges of what it accepts. Each route gets a tenant
 * of its own, because some of its calls change the tenant (suspend it, offboard it, revoke its admin's sessions).
 * test/integration/resources/fuzz.test.ts adds, for the resource groups, that a refused request changes nothing.
 * `FUZZ_RUNS=<n>` runs more cases per route (8 by default).
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
const junkBody = fc.oneof(fc.jsonValue(), fc.string(), fc.dictionary(fc.constantFrom(...FIELDS), anyFieldValue, { maxKeys: 6 }));
const junkQuery = fc.dictionary(
  fc.constantFrom('limit', 'cursor', 'from', 'to', 'period', 'slug', 'email', 'status', 'action', 'format', 'tag', 'x'),
  oddText,
  {
    maxKeys: 3,
  },
);

const DOCUMENT = buildOpenApiDocument(ROUTES) as unknown as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema> };
};
interface Operation {
  readonly parameters?: readonly { name: string; in: string; required?: boolean; schema: JsonSchema }[];
  readonly requestBody?: { content: Record<string, { schema: JsonSchema }> };
}
const resolve = (ref: string) => DOCUMENT.components.schemas[ref.replace('#/components/schemas/', '')];

/** Bodies of the route's schema (when it takes one) or anything. */
function bodyOf(route: RouteDefinition): fc.Arbitrary<unknown> {
  const schema = DOCUMENT.paths[route.path]?.[route.method.toLowerCase()]?.requestBody?.content['application/json']?.schema;
  return schema ? fc.oneof(arbitraryOf(schema, resolve), junkBody) : junkBody;
}

/** Queries of the route's query parameters or anything, as strings. */
function queryOf(route: RouteDefinition): fc.Arbitrary<Record<string, string>> {
  const parameters = (DOCUMENT.paths[route.path]?.[route.method.toLowerCase()]?.parameters ?? []).filter((parameter) => parameter.in === 'query');
  if (parameters.length === 0) return junkQuery;
  const valid = fc.record(Object.fromEntries(parameters.map((parameter) => [parameter.name, arbitraryOf(parameter.schema, resolve).map(String)])), {
    requiredKeys: parameters.filter((parameter) => parameter.required).map((parameter) => parameter.name),
  }) as fc.Arbitrary<Record<string, string>>;
  return fc.oneof(valid, junkQuery);
}
/** Mostly the route's own tenant, sometimes any text. */
const ownTenant = fc.integer({ min: 0, max: 4 }).map((n) => n > 0);

describe('fuzz: every route, random input', () => {
  it.each(ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s answers no 5xx, and problem+json for what it refuses',
    async (_name, route) => {
      const tenant = await platform.createTenant({ region: EU, plan: 'enterprise' });
      const adminToken = (await platform.signIn(tenant.clientId, tenant.admin)).idToken;
      await fc.assert(
        fc.asyncProperty(fc.boolean(), oddText, queryOf(route), bodyOf(route), ownTenant, async (asPlatformAdmin, id, search, payload, own) => {
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

describe('values this fuzz found answered 500, now refused or served', () => {
  const json = { 'content-type': 'application/json' };

  it('refuses what the table cannot store (an empty name in a map, a number out of its range) with 422', async () => {
    // Prepare
    const tenant = await platform.createTenant({ region: EU, plan: 'enterprise' });
    const token = (await platform.signIn(tenant.clientId, tenant.admin)).idToken;
    const base = `/v1/tenants/${tenant.tenantId}`;
    const agent = await platform.call(EU, 'POST', `${base}/agents`, { token, headers: json, body: JSON.stringify({ name: 'a', modelId: 'local.echo' }) });
    const send = (method: string, path: string, body: unknown) => platform.call(EU, method, path, { token, headers: json, body: JSON.stringify(body) });

    // Act
    const refused = [
      await send('PATCH', base, { settings: { '': 1 } }),
      await send('PATCH', base, { settings: { big: 1e300 } }),
      await send('PATCH', base, { settings: { beyondExact: 2 ** 60 } }),
      await send('POST', `${base}/tools`, {
        name: 't',
        endpoint: { kind: 'built-in', name: 'current-time' },
        inputSchema: { type: 'object', properties: { '': {} } },
      }),
      await send('POST', `${base}/tools`, {
        name: 't',
        endpoint: { kind: 'built-in', name: 'current-time' },
        inputSchema: { type: 'object', maximum: 1e-200 },
      }),
      await send('POST', `${base}/agents/${agent.json.agentId}/memories`, { content: 'c', metadata: { tiny: 1e-200 } }),
    ];
    const stored = await send('PATCH', base, { settings: { ratio: 0.25, count: Number.MAX_SAFE_INTEGER } });

    // Assess
    expect(agent.status).toBe(201);
    expect(refused.map((response) => [response.status, response.json?.code])).toEqual(refused.map(() => [422, 'validation-failed']));
    expect(stored.status).toBe(200);
    expect(stored.json.settings).toEqual({ ratio: 0.25, count: Number.MAX_SAFE_INTEGER });
  });

  it('lists memories between bounds before 1970: from the first one, or none', async () => {
    // Prepare
    const tenant = await platform.createTenant({ region: EU, plan: 'enterprise' });
    const token = (await platform.signIn(tenant.clientId, tenant.admin)).idToken;
    const base = `/v1/tenants/${tenant.tenantId}/agents`;
    const agent = await platform.call(EU, 'POST', base, { token, headers: json, body: JSON.stringify({ name: 'a', modelId: 'local.echo' }) });
    const memories = `${base}/${agent.json.agentId}/memories`;
    await platform.call(EU, 'POST', memories, { token, headers: json, body: JSON.stringify({ content: 'c' }) });

    // Act
    const fromEarly = await platform.call(EU, 'GET', `${memories}?from=0001-01-01T00:00:00Z`, { token });
    const toEarly = await platform.call(EU, 'GET', `${memories}?to=1969-12-31T23:59:59Z`, { token });

    // Assess
    expect([fromEarly.status, fromEarly.json.items.length]).toEqual([200, 1]);
    expect([toEarly.status, toEarly.json.items]).toEqual([200, []]);
  });
});
