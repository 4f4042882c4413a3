import { apiKeyAuthenticator } from '../../../functions/identity/api-key.authenticator';
import { AuthorizerService, bearerAuthenticator, type Principal } from '../../../functions/identity/authorizer.service';
import type { Credential } from '../../../functions/identity/credentials';
import { TokenVerifier } from '../../../functions/identity/token-verifier';
import { AuthenticationError } from '../../../functions/core/errors';
import {
  apiKeyHeader,
  authorizerEvent,
  bearer,
  clock,
  FakeApiKeys,
  FakeDirectory,
  FakeMembers,
  FakeIssuerRegistry,
  FakeJwksHost,
  idToken,
  platformPool,
  tenantPool,
  type Pool,
} from './fixtures';
import { TEST_ROUTES } from './route-fixtures';
import { requestPath } from './request-path';

describe('AuthorizerService', () => {
  let acme: Pool;
  let platform: Pool;

  beforeAll(async () => {
    [acme, platform] = await Promise.all([tenantPool('acme'), platformPool()]);
  });

  function service(members = new FakeMembers().set('acme', 'user-1', 'tenant-admin'), apiKeys = new FakeApiKeys()) {
    const verifier = new TokenVerifier({ issuers: new FakeIssuerRegistry([acme, platform]), keySetFor: new FakeJwksHost([acme, platform]).keySetFor, clock });
    return new AuthorizerService({
      authenticators: { bearer: bearerAuthenticator(verifier), 'api-key': apiKeyAuthenticator(apiKeys, clock) },
      members,
    });
  }

  /** The authorizer, its policy and the handler middleware behind it, with tenants addressed by subdomain. */
  function requestPathOf(members?: FakeMembers, directory = new FakeDirectory({ acme: 'acme', globex: 'globex' })) {
    return requestPath(service(members), TEST_ROUTES, { baseDomain: 'api.example.test', slugs: directory.slugs });
  }

  it('allows a platform admin on a platform-wide route, with no tenant in the context', async () => {
    // Prepare
    const token = await idToken(platform, { groups: ['platform-admin'], claims: { sub: 'operator-1' } });

    // Act
    const decision = await service().authorize(authorizerEvent({ method: 'GET', resource: '/v1/tenants', headers: bearer(token) }));

    // Assess
    expect(decision).toEqual({ effect: 'Allow', context: { principalType: 'platform-admin', principalId: 'operator-1', roles: ['platform-admin'] } });
  });

  it('decides on the credential alone: the same answer on every route and whatever the tenant signals', async () => {
    // Prepare
    const token = await idToken(acme, { groups: ['viewer'] });
    const events = [
      authorizerEvent({ method: 'GET', resource: '/v1/me', headers: bearer(token) }),
      authorizerEvent({ method: 'POST', resource: '/v1/tenants/{tenantId}/suspend', pathParameters: { tenantId: 'globex' }, headers: bearer(token) }),
      authorizerEvent({ method: 'GET', resource: '/v1/tenants', headers: { ...bearer(token), 'X-Tenant-Id': 'globex', Host: 'nobody.api.example.test' } }),
    ];

    // Act
    const decisions = await Promise.all(events.map((event) => service().authorize(event)));

    // Assess
    expect(new Set(decisions.map((decision) => JSON.stringify(decision))).size).toBe(1);
    expect(decisions[0]).toMatchObject({ effect: 'Allow', context: { tenantId: 'acme', roles: ['tenant-admin'] } });
  });

  it('denies a platform pool account outside the platform-admin group everywhere', async () => {
    // Prepare
    const token = await idToken(platform, { groups: [] });

    // Act
    const decision = await service().authorize(authorizerEvent({ method: 'GET', resource: '/v1/health', headers: bearer(token) }));

    // Assess
    expect(decision).toMatchObject({ effect: 'Deny', reason: 'role-not-allowed' });
  });

  it('lets a platform admin name the tenant by subdomain only', async () => {
    // Prepare
    const token = await idToken(platform, { groups: ['platform-admin'] });
    const event = authorizerEvent({ method: 'GET', resource: '/v1/me', headers: { ...bearer(token), Host: 'globex.api.example.test' } });

    // Act
    const outcome = await requestPathOf()(event);

    // Assess
    expect(outcome).toMatchObject({ status: 200, auth: { tenantId: 'globex' } });
  });

  it('refuses a platform admin whose subdomain names no known tenant', async () => {
    // Prepare
    const token = await idToken(platform, { groups: ['platform-admin'] });
    const event = authorizerEvent({ method: 'GET', resource: '/v1/tenants', headers: { ...bearer(token), Host: 'nobody.api.example.test' } });

    // Act
    const outcome = await requestPathOf()(event);

    // Assess
    expect(outcome.status).toBe(403);
  });

  it('refuses a platform admin whose X-Tenant-Id is not a tenant id', async () => {
    // Prepare
    const token = await idToken(platform, { groups: ['platform-admin'] });
    const event = authorizerEvent({ method: 'GET', resource: '/v1/tenants', headers: { ...bearer(token), 'X-Tenant-Id': 'T#acme#' } });

    // Act
    const outcome = await requestPathOf()(event);

    // Assess
    expect(outcome.status).toBe(403);
  });

  it('refuses a tenant admin on a platform-admin route', async () => {
    // Prepare
    const token = await idToken(acme, { groups: ['tenant-admin'] });
    const event = authorizerEvent({ method: 'POST', resource: '/v1/tenants/{tenantId}/suspend', pathParameters: { tenantId: 'acme' }, headers: bearer(token) });

    // Act
    const outcome = await requestPathOf()(event);

    // Assess
    expect(outcome.status).toBe(403);
  });

  it.each([
    ['viewer', 'GET', 200],
    ['viewer', 'POST', 403],
    ['member', 'POST', 200],
    ['auditor', 'GET', 403],
  ] as const)('gives a %s on %s agents: %s, whatever groups the token claims', async (role, method, status) => {
    // Prepare
    const token = await idToken(acme, { groups: ['tenant-admin'] });
    const event = authorizerEvent({ method, resource: '/v1/tenants/{tenantId}/agents', pathParameters: { tenantId: 'acme' }, headers: bearer(token) });

    // Act
    const outcome = await requestPathOf(new FakeMembers().set('acme', 'user-1', role))(event);

    // Assess
    expect(outcome.status).toBe(status);
  });

  it('allows a tenant user on a route without tenant signals, acting on its own tenant', async () => {
    // Prepare
    const token = await idToken(acme, { groups: ['member'] });

    // Act
    const decision = await service(new FakeMembers().set('acme', 'user-1', 'member')).authorize(
      authorizerEvent({ method: 'GET', resource: '/v1/me', headers: bearer(token) }),
    );

    // Assess
    expect(decision).toEqual({
      effect: 'Allow',
      context: { principalType: 'user', principalId: 'user-1', tenantId: 'acme', roles: ['member'], memberId: 'm-user-1' },
    });
  });

  it('refuses with 401 every token of a user who is no member (removed, or never joined)', async () => {
    // Prepare
    const token = await idToken(acme, { groups: ['tenant-admin'] });
    const event = authorizerEvent({ method: 'GET', resource: '/v1/me', headers: bearer(token) });

    // Act
    const decision = service(new FakeMembers()).authorize(event);

    // Assess
    await expect(decision).rejects.toBeInstanceOf(AuthenticationError);
  });

  it.each([
    ['tenant-admin', 'member', 'Allow'],
    ['member', 'member', 'Allow'],
    ['member', 'viewer', 'Allow'],
    ['viewer', 'member', 'Refused'],
    ['auditor', 'viewer', 'Refused'],
  ] as const)('lets a key of a member who is now %s act as %s: %s', async (ownerRole, keyRole, outcome) => {
    // Prepare
    const apiKeys = new FakeApiKeys();
    const key = apiKeys.issue('acme', keyRole, { ownerUserId: 'm-owner' });
    const event = authorizerEvent({ method: 'GET', resource: '/v1/me', headers: apiKeyHeader(key) });

    // Act
    const decision = service(new FakeMembers().set('acme', 'owner', ownerRole), apiKeys).authorize(event);

    // Assess
    if (outcome === 'Allow') await expect(decision).resolves.toMatchObject({ effect: 'Allow', context: { roles: [keyRole], memberId: 'm-owner' } });
    else await expect(decision).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('refuses with 401 a key whose owner is no member any more, and accepts keys made by platform admins', async () => {
    // Prepare
    const apiKeys = new FakeApiKeys();
    const orphan = apiKeys.issue('acme', 'viewer', { ownerUserId: 'm-gone' });
    const platformKey = apiKeys.issue('acme', 'viewer');
    const subject = service(new FakeMembers(), apiKeys);
    const event = (key: string) => authorizerEvent({ method: 'GET', resource: '/v1/me', headers: apiKeyHeader(key) });

    // Act
    const [refused, accepted] = await Promise.allSettled([subject.authorize(event(orphan)), subject.authorize(event(platformKey))]);

    // Assess
    expect(refused).toMatchObject({ status: 'rejected', reason: expect.any(AuthenticationError) });
    expect(accepted).toMatchObject({ status: 'fulfilled', value: { effect: 'Allow' } });
  });

  it('does not look up the subdomain before the role is allowed', async () => {
    // Prepare
    const directory = new FakeDirectory({ acme: 'acme' });
    const token = await idToken(acme, { groups: ['viewer'] });
    const event = authorizerEvent({ method: 'GET', resource: '/v1/tenants', headers: { ...bearer(token), Host: 'acme.api.example.test' } });

    // Act
    const outcome = await requestPathOf(new FakeMembers().set('acme', 'user-1', 'viewer'), directory)(event);

    // Assess
    expect(outcome.status).toBe(403);
    expect(directory.lookups).toEqual([]);
  });

  it('hands each credential kind to its own authenticator', async () => {
    // Prepare
    const seen: Credential[] = [];
    const principal: Principal = { principalType: 'user', principalId: 'p-1', tenantId: 'acme', roles: ['member'] };
    const subject = new AuthorizerService({
      authenticators: {
        bearer: async (credential) => {
          seen.push(credential);
          return principal;
        },
        'api-key': async (credential) => {
          seen.push(credential);
          return principal;
        },
      },
      members: new FakeMembers().set('acme', 'p-1', 'member'),
    });

    // Act
    const decision = await subject.authorize(authorizerEvent({ method: 'GET', resource: '/v1/me', headers: { Authorization: 'Bearer a.b.c' } }));
    await subject.authorize(authorizerEvent({ method: 'GET', resource: '/v1/me', headers: { Authorization: 'ApiKey apk.acme.key' } }));

    // Assess
    expect(seen).toEqual([
      { kind: 'bearer', token: 'a.b.c' },
      { kind: 'api-key', key: 'apk.acme.key' },
    ]);
    expect(decision).toEqual({ effect: 'Allow', context: { ...principal, memberId: 'm-p-1' } });
  });
});
