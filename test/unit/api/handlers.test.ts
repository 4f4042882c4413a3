import { createHandler as createDiscoveryHandler } from '../../../functions/api/discovery';
import { createHandler as createPlatformHandler } from '../../../functions/api/platform';
import { createHandler as createTenantsHandler, type TenantsDependencies } from '../../../functions/api/tenants';
import { parseRuntimeConfig } from '../../../functions/api/runtime-config';
import { createLogger } from '../../../functions/core/logger';
import { openApiDocument } from '../../../functions/api/openapi-document';
import type { AuthContext } from '../../../functions/core/auth-context';
import { ROUTES } from '../../../functions/routes';
import { createTenantGate } from '../../../functions/tenants/tenant-gate';
import type { Tenant, TenantDirectoryEntry } from '../../../functions/tenants/tenant.schema';
import { lambdaContext, restEvent } from '../../support/rest-event';

// The OpenAPI generator as it is, its calls counted (the platform group must build the document only when asked).
jest.mock('../../../functions/api/openapi-document', () => {
  const actual = jest.requireActual('../../../functions/api/openapi-document');
  return { ...actual, openApiDocument: jest.fn(actual.openApiDocument) };
});

const config = parseRuntimeConfig({
  AWS_REGION: 'eu-central-1',
  TABLE_NAME: 'table',
  REGION_ENDPOINTS: JSON.stringify({ 'eu-central-1': 'https://eu.api.test', 'us-east-1': 'https://us.api.test' }),
  LOG_LEVEL: 'ERROR',
});
const logger = createLogger('test', 'ERROR');

function entry(tenantId: string, overrides: Partial<TenantDirectoryEntry> = {}): TenantDirectoryEntry {
  return {
    tenantId,
    slug: tenantId,
    region: 'eu-central-1',
    status: 'ACTIVE',
    emailDomains: [`${tenantId}.example`],
    auth: { issuer: `https://issuer/${tenantId}`, userPoolId: `pool-${tenantId}`, clientId: `client-${tenantId}` },
    branding: {},
    ...overrides,
  };
}

function tenant(tenantId: string): Tenant {
  return {
    tenantId,
    slug: tenantId,
    name: tenantId.toUpperCase(),
    plan: 'team',
    region: 'eu-central-1',
    status: 'ACTIVE',
    branding: {},
    settings: {},
    createdAt: '2026-11-01T00:00:00.000Z',
    updatedAt: '2026-11-01T00:00:00.000Z',
    version: 3,
  };
}

const directory = new Map<string, TenantDirectoryEntry>([
  ['acme', entry('acme', { emailDomains: ['shared.example'] })],
  ['globex', entry('globex', { region: 'us-east-1', emailDomains: ['shared.example'] })],
  ['initech', entry('initech', { status: 'SUSPENDED' })],
  // A migration moving it to us-east-1 holds its changes; once cut over, the mark names its home and holds nothing.
  ['umbrella', entry('umbrella', { moving: { to: 'us-east-1', exportId: 'migration-1', since: '2026-11-02T00:00:00.000Z' } })],
  ['hooli', entry('hooli', { moving: { to: 'eu-central-1', exportId: 'migration-2', since: '2026-11-02T00:00:00.000Z' } })],
]);
const records = new Map<string, Tenant>([
  ['acme', tenant('acme')],
  ['umbrella', tenant('umbrella')],
  ['initech', tenant('initech')],
]);
const directoryRepository = {
  get: async (id: string) => directory.get(id),
  findBySlug: async (slug: string) => [...directory.values()].find((e) => e.slug === slug),
  findByEmailDomain: async (domain: string) => [...directory.values()].filter((e) => e.emailDomains.includes(domain)),
};
const tenantGate = createTenantGate({ directory: directoryRepository, region: config.AWS_REGION, regionEndpoints: config.REGION_ENDPOINTS });

const acmeAdmin: AuthContext = { principalType: 'user', principalId: 'u-1', tenantId: 'acme', roles: ['tenant-admin'] };
const acmeMember: AuthContext = { principalType: 'user', principalId: 'u-2', tenantId: 'acme', roles: ['member'] };
const platformAdmin: AuthContext = { principalType: 'platform-admin', principalId: 'p-1', roles: ['platform-admin'] };

/** The lifecycle is not what these tests are about: any call fails them. */
const noLifecycle = new Proxy({} as TenantsDependencies['lifecycle'], {
  get: (_target, name) => () => Promise.reject(new Error(`unexpected lifecycle call ${String(name)}`)),
});
const noSubscriptions = new Proxy({} as TenantsDependencies['subscriptions'], {
  get: (_target, name) => () => Promise.reject(new Error(`unexpected subscription call ${String(name)}`)),
});
const noBilling = { invoices: { get: async () => undefined, list: async () => [] } } as unknown as TenantsDependencies['billing'];
const tenantsHandler = createTenantsHandler(config, {
  logger,
  tenantGate,
  lifecycle: noLifecycle,
  subscriptions: noSubscriptions,
  billing: noBilling,
  tenants: { get: async (id) => records.get(id) },
});
const getTenant = (tenantId: string, auth?: AuthContext) =>
  tenantsHandler(restEvent({ method: 'GET', resource: '/v1/tenants/{tenantId}', pathParameters: { tenantId }, ...(auth ? { auth } : {}) }), lambdaContext());

function problemOf(result: { statusCode: number; headers?: Record<string, unknown>; body: string }) {
  expect(result.headers?.['content-type']).toBe('application/problem+json');
  return JSON.parse(result.body) as { status: number; code: string; detail: string; type: string; title: string };
}

describe('platform routes', () => {
  const handler = createPlatformHandler(config, () => new Date('2026-11-28T12:00:00.000Z'));

  it('answers health with the region', async () => {
    // Act
    const result = await handler(restEvent({ method: 'GET', resource: '/v1/health' }), lambdaContext());
    // Assess
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ status: 'ok', region: 'eu-central-1', time: '2026-11-28T12:00:00.000Z' });
  });

  it('serves an OpenAPI document with every route of the route table', async () => {
    // Act
    const result = await handler(restEvent({ method: 'GET', resource: '/v1/openapi.json' }), lambdaContext());
    // Assess
    const doc = JSON.parse(result.body) as { openapi: string; paths: Record<string, Record<string, { operationId: string }>> };
    expect(doc.openapi).toBe('3.1.0');
    for (const route of ROUTES) {
      expect(doc.paths[route.path][route.method.toLowerCase()].operationId).toBe(route.operationId);
    }
  });

  it('builds the OpenAPI document at the first request for it and keeps it; health builds nothing', async () => {
    // Prepare: a new instance
    const build = jest.mocked(openApiDocument);
    build.mockClear();
    const instance = createPlatformHandler(config);

    // Act
    await instance(restEvent({ method: 'GET', resource: '/v1/health' }), lambdaContext());
    const builtForHealth = build.mock.calls.length;
    const first = await instance(restEvent({ method: 'GET', resource: '/v1/openapi.json' }), lambdaContext());
    const second = await instance(restEvent({ method: 'GET', resource: '/v1/openapi.json' }), lambdaContext());

    // Assess
    expect(builtForHealth).toBe(0);
    expect(build).toHaveBeenCalledTimes(1);
    expect(build).toHaveBeenCalledWith('https://eu.api.test', expect.any(String));
    expect(second.body).toBe(first.body);
  });

  it('answers 404 problem+json for a route of another group', async () => {
    // Act
    const result = await handler(restEvent({ method: 'GET', resource: '/v1/discovery' }), lambdaContext());
    // Assess
    expect(result.statusCode).toBe(404);
    expect(problemOf(result).code).toBe('route-not-found');
  });
});

describe('GET /v1/tenants/{tenantId}', () => {
  it("returns the tenant's record with its version as ETag to its tenant-admin", async () => {
    // Act
    const result = await getTenant('acme', acmeAdmin);
    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.headers?.etag).toBe('"3"');
    expect(JSON.parse(result.body)).toEqual(tenant('acme'));
  });

  it('returns 403 when the credential belongs to another tenant', async () => {
    // Act
    const result = await getTenant('initech', acmeAdmin);
    // Assess
    expect(result.statusCode).toBe(403);
    expect(problemOf(result).code).toBe('forbidden');
  });

  it('returns 403 to a member, whose role may not read the tenant record', async () => {
    const result = await getTenant('acme', acmeMember);
    expect(result.statusCode).toBe(403);
  });

  it('returns 401 when the request carries no authorizer context', async () => {
    const result = await getTenant('acme');
    expect(result.statusCode).toBe(401);
    expect(problemOf(result).code).toBe('unauthenticated');
  });

  it('returns 400 with the field for a malformed tenant id', async () => {
    // Act
    const result = await getTenant('ACME#1', platformAdmin);
    // Assess
    expect(result.statusCode).toBe(400);
    const problem = problemOf(result) as unknown as { code: string; errors: { pointer: string }[] };
    expect(problem.code).toBe('validation-failed');
    expect(problem.errors[0].pointer).toBe('path.tenantId');
  });

  it('lets a platform admin read any tenant of the region', async () => {
    const result = await getTenant('acme', platformAdmin);
    expect(result.statusCode).toBe(200);
  });

  it('returns 421 with the right regional endpoint for a tenant homed elsewhere', async () => {
    // Act
    const result = await getTenant('globex', platformAdmin);
    // Assess
    expect(result.statusCode).toBe(421);
    expect(problemOf(result)).toMatchObject({ code: 'wrong-region', region: 'us-east-1', endpoint: 'https://us.api.test' });
  });

  it('returns 404 for an unknown tenant', async () => {
    const result = await getTenant('nobody', platformAdmin);
    expect(result.statusCode).toBe(404);
  });

  it('still lets a suspended tenant read its own record', async () => {
    const result = await getTenant('initech', { ...acmeAdmin, tenantId: 'initech' });
    expect(result.statusCode).toBe(200);
  });

  it.each([
    ['its own admin', { ...acmeAdmin, tenantId: 'umbrella' }],
    ['a platform admin', platformAdmin],
  ])('refuses a change to a tenant being moved, from %s, with 503 tenant-moving and Retry-After, and still serves its reads', async (_who, auth) => {
    // Act
    const rename = await tenantsHandler(
      restEvent({
        method: 'PATCH',
        resource: '/v1/tenants/{tenantId}',
        pathParameters: { tenantId: 'umbrella' },
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'Umbrella Two' }),
        auth,
      }),
      lambdaContext(),
    );
    const read = await getTenant('umbrella', auth);
    // Assess
    expect(rename.statusCode).toBe(503);
    expect(rename.headers?.['retry-after']).toBe('30');
    expect(problemOf(rename)).toMatchObject({ code: 'tenant-moving', region: 'us-east-1', retryAfterSeconds: 30 });
    expect(read.statusCode).toBe(200);
  });

  it('lets changes through once the move has cut over to this region (the mark left for the purge holds nothing)', async () => {
    const suspend = ROUTES.find((route) => route.operationId === 'suspendTenant');
    await expect(tenantGate('hooli', suspend as (typeof ROUTES)[number], { ...acmeAdmin, tenantId: 'hooli' })).resolves.toBeUndefined();
    await expect(tenantGate('umbrella', suspend as (typeof ROUTES)[number], { ...acmeAdmin, tenantId: 'umbrella' })).rejects.toMatchObject({
      code: 'tenant-moving',
    });
  });

  it('answers a repository fault with a 500 that reveals nothing of the cause', async () => {
    // Prepare
    const failing = createTenantsHandler(config, {
      logger,
      tenantGate,
      lifecycle: noLifecycle,
      subscriptions: noSubscriptions,
      billing: noBilling,
      tenants: {
        get: async () => {
          throw new Error('secret connection string');
        },
      },
    });
    // Act
    const result = await failing(
      restEvent({ method: 'GET', resource: '/v1/tenants/{tenantId}', pathParameters: { tenantId: 'acme' }, auth: acmeAdmin }),
      lambdaContext(),
    );
    // Assess
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('secret');
  });
});

describe('GET /v1/discovery', () => {
  const handler = createDiscoveryHandler(config, { logger, directory: directoryRepository });
  const discover = (query: Record<string, string>) => handler(restEvent({ method: 'GET', resource: '/v1/discovery', query }), lambdaContext());

  it('finds a tenant by slug with its region, API endpoint and login endpoints', async () => {
    // Act
    const result = await discover({ slug: 'globex' });
    // Assess
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({
      tenants: [
        {
          tenantId: 'globex',
          slug: 'globex',
          region: 'us-east-1',
          apiUrl: 'https://us.api.test',
          auth: { issuer: 'https://issuer/globex', userPoolId: 'pool-globex', clientId: 'client-globex' },
          branding: {},
        },
      ],
    });
  });

  it('lists every tenant that uses an email domain', async () => {
    const result = await discover({ email: 'jane@shared.example' });
    expect(
      JSON.parse(result.body)
        .tenants.map((t: { tenantId: string }) => t.tenantId)
        .sort(),
    ).toEqual(['acme', 'globex']);
  });

  it('finds a tenant by the first label of a host', async () => {
    const result = await discover({ host: 'acme.platform.example' });
    expect(JSON.parse(result.body).tenants).toHaveLength(1);
  });

  it('returns an empty list for an unknown slug', async () => {
    const result = await discover({ slug: 'unknown' });
    expect(JSON.parse(result.body)).toEqual({ tenants: [] });
  });

  it.each([[{}], [{ slug: 'acme', email: 'a@b.example' }], [{ email: 'not-an-email' }], [{ slug: 'acme', extra: '1' }]])(
    'returns 400 for the query %j',
    async (query) => {
      const result = await discover(query);
      expect(result.statusCode).toBe(400);
      expect(problemOf(result).code).toBe('validation-failed');
    },
  );
});

describe('request order', () => {
  it('validates the whole request before the tenant gate, so a rejected request writes no audit entry', async () => {
    // Prepare: every operation of the tenants group, and a gate that records its calls
    const { createGroupHandler } = await import('../../../functions/core/http');
    const { routesOf } = await import('../../../functions/routes');
    const routes = routesOf('tenants');
    const gateCalls: string[] = [];
    const handler = createGroupHandler({
      logger,
      routes,
      operations: Object.fromEntries(routes.map((route) => [route.operationId, async () => ({ body: {} })])),
      tenantGate: async (tenantId) => {
        gateCalls.push(tenantId);
      },
    });
    const patch = (body: string) =>
      handler(
        restEvent({
          method: 'PATCH',
          resource: '/v1/tenants/{tenantId}',
          pathParameters: { tenantId: 'acme' },
          headers: { 'content-type': 'application/json', 'if-match': '"1"' },
          body,
          auth: platformAdmin,
        }),
        lambdaContext(),
      );
    // Act
    const malformed = await patch('{"name":');
    const invalid = await patch('{"name":42}');
    // Assess
    expect([malformed.statusCode, invalid.statusCode]).toEqual([400, 422]);
    expect(gateCalls).toEqual([]);
  });
});
