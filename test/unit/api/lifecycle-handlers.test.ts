import { createHandler as createApiKeysHandler, type ApiKeysDependencies } from '../../../functions/api/api-keys';
import { createHandler as createTenantsHandler, type TenantsDependencies } from '../../../functions/api/tenants';
import { createHandler as createUsersHandler, type UsersDependencies } from '../../../functions/api/users';
import { parseRuntimeConfig } from '../../../functions/api/runtime-config';
import { ForbiddenError } from '../../../functions/core/errors';
import { createLogger } from '../../../functions/core/logger';
import { CursorCodec } from '../../../functions/data/cursor';
import type { AuthContext } from '../../../functions/core/auth-context';
import { TenantLifecycleService } from '../../../functions/tenants/tenant-lifecycle.service';
import { lambdaContext, restEvent, type RestEventOptions } from '../../support/rest-event';

/**
 * The lifecycle, users and API key route groups as handlers: what reaches the services (validated, typed, from the
 * right tenant) and what never does. The services themselves are tested against DynamoDB Local.
 */

const config = parseRuntimeConfig({ AWS_REGION: 'eu-central-1', TABLE_NAME: 'table', LOG_LEVEL: 'ERROR', CURSOR_SECRET: 'x'.repeat(32) });
const logger = createLogger('test', 'ERROR');
const openGate = async () => undefined;

const acmeAdmin: AuthContext = { principalType: 'user', principalId: 'u-1', tenantId: 'acme', roles: ['tenant-admin'] };
const acmeMember: AuthContext = { principalType: 'user', principalId: 'u-2', tenantId: 'acme', roles: ['member'] };
const platformAdmin: AuthContext = { principalType: 'platform-admin', principalId: 'p-1', roles: ['platform-admin'] };

/** Records every service call; answers with a fixed body. */
function recorder<T extends object>() {
  const calls: { method: string; args: unknown[] }[] = [];
  const service = new Proxy({} as T, {
    get:
      (_target, method) =>
      async (...args: unknown[]) => {
        calls.push({ method: String(method), args });
        return method === 'create' || method === 'invite' || method === 'changeRole' || method === 'update'
          ? { response: { status: 201, body: { ok: true } }, replayed: false }
          : { items: [] };
      },
  });
  return { calls, service };
}

async function invoke(handler: ReturnType<typeof createUsersHandler>, options: RestEventOptions) {
  const result = await handler(restEvent(options), lambdaContext());
  return { status: result.statusCode, body: result.body ? JSON.parse(result.body) : undefined };
}

const body = (value: unknown) => ({ headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) });

describe('users group', () => {
  const { calls, service } = recorder<UsersDependencies['users']>();
  const handler = createUsersHandler(config, { logger, tenantGate: openGate, users: service });

  beforeEach(() => calls.splice(0));

  it('hands a valid invitation to the service with the email lower-cased', async () => {
    // Act
    const result = await invoke(handler, {
      method: 'POST',
      resource: '/v1/tenants/{tenantId}/invitations',
      pathParameters: { tenantId: 'acme' },
      auth: acmeAdmin,
      ...body({ email: 'Ada@Example.COM', role: 'member' }),
    });

    // Assess
    expect(result.status).toBe(201);
    expect(calls).toEqual([
      { method: 'invite', args: [expect.objectContaining({ tenantId: 'acme', actor: 'user:u-1' }), { email: 'ada@example.com', role: 'member' }] },
    ]);
  });

  it.each([
    ['an unknown role', { email: 'a@example.com', role: 'platform-admin' }, 'body.role'],
    ['a bad email', { email: 'not-an-email', role: 'member' }, 'body.email'],
    ['an extra field', { email: 'a@example.com', role: 'member', tenantId: 'globex' }, 'body.tenantId'],
  ])('refuses an invitation with %s (422), before any service call', async (_case, invitation, pointer) => {
    // Act
    const result = await invoke(handler, {
      method: 'POST',
      resource: '/v1/tenants/{tenantId}/invitations',
      pathParameters: { tenantId: 'acme' },
      auth: acmeAdmin,
      ...body(invitation),
    });

    // Assess
    expect(result.status).toBe(422);
    expect(result.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    expect(calls).toEqual([]);
  });

  it.each([
    ['too short', 'Sh0rt!', 'must be at least 12 characters'],
    ['without a symbol', 'NoSymbolsHere123', 'must contain a symbol'],
    ['without an upper-case letter', 'all-lower-case-1', 'must contain an upper-case letter'],
  ])('refuses a password %s with a 422 naming the rule', async (_case, password, rule) => {
    // Act
    const result = await invoke(handler, { method: 'POST', resource: '/v1/invitations/accept', ...body({ code: 'inv.acme.x.y', password }) });

    // Assess
    expect(result.status).toBe(422);
    expect(result.body.errors).toEqual(expect.arrayContaining([{ pointer: 'body.password', message: rule }]));
    expect(calls).toEqual([]);
  });

  it('lets anyone accept with a code (public route), nobody list users without a credential', async () => {
    // Act
    const accepted = await invoke(handler, {
      method: 'POST',
      resource: '/v1/invitations/accept',
      ...body({ code: 'inv.acme.x.y', password: 'Correct-Horse-9-Battery' }),
    });
    const listed = await invoke(handler, { method: 'GET', resource: '/v1/tenants/{tenantId}/users', pathParameters: { tenantId: 'acme' } });

    // Assess
    expect(accepted.status).toBe(201);
    expect(listed.status).toBe(401);
  });

  it("refuses a member, and an admin of another tenant, on a tenant's users (403)", async () => {
    // Act
    const member = await invoke(handler, { method: 'GET', resource: '/v1/tenants/{tenantId}/users', pathParameters: { tenantId: 'acme' }, auth: acmeMember });
    const stranger = await invoke(handler, {
      method: 'GET',
      resource: '/v1/tenants/{tenantId}/users',
      pathParameters: { tenantId: 'globex' },
      auth: acmeAdmin,
    });

    // Assess
    expect([member.status, stranger.status]).toEqual([403, 403]);
    expect(calls).toEqual([]);
  });

  it('refuses a user id that is no id (400)', async () => {
    // Act
    const result = await invoke(handler, {
      method: 'PATCH',
      resource: '/v1/tenants/{tenantId}/users/{userId}',
      pathParameters: { tenantId: 'acme', userId: '../globex' },
      auth: acmeAdmin,
      ...body({ role: 'viewer' }),
    });

    // Assess
    expect(result.status).toBe(400);
  });
});

describe('api-keys group', () => {
  const { calls, service } = recorder<ApiKeysDependencies['apiKeys']>();
  const handler = createApiKeysHandler(config, { logger, tenantGate: openGate, apiKeys: service });

  it('never makes a platform-admin key, nor one for a key id that is no id', async () => {
    // Act
    const created = await invoke(handler, {
      method: 'POST',
      resource: '/v1/tenants/{tenantId}/api-keys',
      pathParameters: { tenantId: 'acme' },
      auth: acmeAdmin,
      ...body({ name: 'ci', role: 'platform-admin' }),
    });
    const revoked = await invoke(handler, {
      method: 'DELETE',
      resource: '/v1/tenants/{tenantId}/api-keys/{keyId}',
      pathParameters: { tenantId: 'acme', keyId: 'apk.acme.xyz' },
      auth: acmeAdmin,
    });

    // Assess
    expect([created.status, revoked.status]).toEqual([422, 400]);
    expect(calls).toEqual([]);
  });
});

describe('tenants group', () => {
  const { calls, service } = recorder<TenantsDependencies['lifecycle']>();
  const subscriptions = recorder<TenantsDependencies['subscriptions']>().service;
  const billing = recorder<TenantsDependencies['billing']>().service;
  const handler = createTenantsHandler(config, {
    logger,
    tenantGate: openGate,
    lifecycle: service,
    subscriptions,
    billing,
    tenants: { get: async () => undefined },
  });

  beforeEach(() => calls.splice(0));

  it('onboards only platform admins, from a valid manifest', async () => {
    // Prepare
    const manifest = { id: 'initech', slug: 'initech', name: 'Initech', plan: 'free', homeRegion: 'eu-central-1', admins: ['bill@initech.example'] };

    // Act
    const byAdmin = await invoke(handler, { method: 'POST', resource: '/v1/tenants', auth: platformAdmin, ...body(manifest) });
    const byTenantAdmin = await invoke(handler, { method: 'POST', resource: '/v1/tenants', auth: acmeAdmin, ...body(manifest) });
    const invalid = await invoke(handler, {
      method: 'POST',
      resource: '/v1/tenants',
      auth: platformAdmin,
      ...body({ ...manifest, sso: { oidc: [{ name: 'x', issuer: 'http://insecure.example', clientId: 'c', clientSecretRef: 's' }] } }),
    });

    // Assess
    expect([byAdmin.status, byTenantAdmin.status, invalid.status]).toEqual([201, 403, 422]);
    expect(invalid.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['body.sso.oidc.0.issuer']);
    expect(calls.map((call) => call.method)).toEqual(['create']);
  });

  it('keeps suspend, reactivate, retry and offboard for platform admins', async () => {
    // Act
    const statuses = await Promise.all(
      [
        ['POST', '/v1/tenants/{tenantId}/suspend'],
        ['POST', '/v1/tenants/{tenantId}/reactivate'],
        ['POST', '/v1/tenants/{tenantId}/retry'],
        ['DELETE', '/v1/tenants/{tenantId}'],
      ].map(async ([method, resource]) => (await invoke(handler, { method, resource, pathParameters: { tenantId: 'acme' }, auth: acmeAdmin })).status),
    );

    // Assess
    expect(statuses).toEqual([403, 403, 403, 403]);
    expect(calls).toEqual([]);
  });

  it('refuses an empty change (422)', async () => {
    // Act
    const result = await invoke(handler, {
      method: 'PATCH',
      resource: '/v1/tenants/{tenantId}',
      pathParameters: { tenantId: 'acme' },
      auth: acmeAdmin,
      ...body({}),
    });

    // Assess
    expect(result.status).toBe(422);
  });
});

describe('tenant changes', () => {
  const lifecycle = new TenantLifecycleService({
    directory: new Proxy({} as never, { get: () => () => Promise.reject(new Error('no directory access expected')) }),
    homeOf: () => {
      throw new Error('no home access expected');
    },
    servedRegions: ['eu-central-1'],
    region: 'eu-central-1',
    controlPlaneRegion: 'eu-central-1',
    regionEndpoints: {},
    events: { provisioningRequested: async () => undefined, offboardingRequested: async () => undefined },
    cursors: new CursorCodec('x'.repeat(32)),
  });

  it.each([{ plan: 'enterprise' as const }, { status: 'SUSPENDED' as const }])('lets only platform admins change %o', async (changes) => {
    // Act
    const outcome = lifecycle.update({ tenantId: 'acme', actor: 'user:u-1', requestId: 'r' }, acmeAdmin, changes);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(ForbiddenError);
  });
});
