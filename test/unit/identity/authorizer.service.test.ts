import { apiKeyAuthenticator } from '../../../functions/identity/api-key.authenticator';
import { AuthorizerService, bearerAuthenticator, type Principal } from '../../../functions/identity/authorizer.service';
import type { Credential } from '../../../functions/identity/credentials';
import { TokenVerifier } from '../../../functions/identity/token-verifier';
import { authorizerEvent, bearer, clock, FakeApiKeys, FakeDirectory, FakeIssuerRegistry, FakeJwksHost, idToken, platformPool, tenantPool, type Pool } from './fixtures';
import { findTestRoute } from './route-fixtures';

describe('AuthorizerService', () => {
  let acme: Pool;
  let platform: Pool;

  beforeAll(async () => {
    [acme, platform] = await Promise.all([tenantPool('acme'), platformPool()]);
  });

  function service(directory = new FakeDirectory({ acme: 'acme', globex: 'globex' })) {
    const verifier = new TokenVerifier({ issuers: new FakeIssuerRegistry([acme, platform]), keySetFor: new FakeJwksHost([acme, platform]).keySetFor, clock });
    return new AuthorizerService({
      authenticators: { bearer: bearerAuthenticator(verifier), 'api-key': apiKeyAuthenticator(new FakeApiKeys(), clock) },
      directory,
      baseDomain: 'api.example.test',
      findRoute: findTestRoute,
    });
  }

  it('allows a platform admin on a platform-wide route, with no tenant in the context', async () => {
    // Prepare
    const token = await idToken(platform, { groups: ['platform-admin'], claims: { sub: 'operator-1' } });

    // Act
    const decision = await service().authorize(authorizerEvent({ method: 'GET', resource: '/v1/tenants', headers: bearer(token) }));

    // Assess
    expect(decision).toEqual({ effect: 'Allow', context: { principalType: 'platform-admin', principalId: 'operator-1', roles: ['platform-admin'] } });
  });

  it('allows a platform admin to name the tenant by subdomain only', async () => {
    // Prepare
    const token = await idToken(platform, { groups: ['platform-admin'] });
    const event = authorizerEvent({ method: 'GET', resource: '/v1/me', headers: { ...bearer(token), Host: 'globex.api.example.test' } });

    // Act
    const decision = await service().authorize(event);

    // Assess
    expect(decision).toMatchObject({ effect: 'Allow', context: { tenantId: 'globex' } });
  });

  it('denies a platform admin whose subdomain names no known tenant', async () => {
    // Prepare
    const token = await idToken(platform, { groups: ['platform-admin'] });
    const event = authorizerEvent({ method: 'GET', resource: '/v1/tenants', headers: { ...bearer(token), Host: 'nobody.api.example.test' } });

    // Act
    const decision = await service().authorize(event);

    // Assess
    expect(decision).toMatchObject({ effect: 'Deny', reason: 'conflicting-tenant-signals' });
  });

  it('denies a platform admin whose X-Tenant-Id is not a tenant id', async () => {
    // Prepare
    const token = await idToken(platform, { groups: ['platform-admin'] });
    const event = authorizerEvent({ method: 'GET', resource: '/v1/tenants', headers: { ...bearer(token), 'X-Tenant-Id': 'T#acme#' } });

    // Act
    const decision = await service().authorize(event);

    // Assess
    expect(decision).toMatchObject({ effect: 'Deny', reason: 'conflicting-tenant-signals' });
  });

  it('denies a tenant admin on a platform-admin route', async () => {
    // Prepare
    const token = await idToken(acme, { groups: ['tenant-admin'] });
    const event = authorizerEvent({ method: 'POST', resource: '/v1/tenants/{tenantId}/suspend', pathParameters: { tenantId: 'acme' }, headers: bearer(token) });

    // Act
    const decision = await service().authorize(event);

    // Assess
    expect(decision).toMatchObject({ effect: 'Deny', reason: 'role-not-allowed' });
  });

  it.each([
    ['viewer', 'GET', 'Allow'],
    ['viewer', 'POST', 'Deny'],
    ['member', 'POST', 'Allow'],
    ['auditor', 'GET', 'Deny'],
  ])('gives a %s on %s agents: %s', async (group, method, effect) => {
    // Prepare
    const token = await idToken(acme, { groups: [group] });
    const event = authorizerEvent({ method, resource: '/v1/tenants/{tenantId}/agents', pathParameters: { tenantId: 'acme' }, headers: bearer(token) });

    // Act
    const decision = await service().authorize(event);

    // Assess
    expect(decision.effect).toBe(effect);
  });

  it('allows a tenant user on a route without tenant signals, acting on its own tenant', async () => {
    // Prepare
    const token = await idToken(acme, { groups: ['member'] });

    // Act
    const decision = await service().authorize(authorizerEvent({ method: 'GET', resource: '/v1/me', headers: bearer(token) }));

    // Assess
    expect(decision).toEqual({ effect: 'Allow', context: { principalType: 'user', principalId: 'user-1', tenantId: 'acme', roles: ['member'] } });
  });

  it('does not look up the subdomain before the role is allowed', async () => {
    // Prepare
    const directory = new FakeDirectory({ acme: 'acme' });
    const token = await idToken(acme, { groups: ['viewer'] });
    const event = authorizerEvent({ method: 'GET', resource: '/v1/tenants', headers: { ...bearer(token), Host: 'acme.api.example.test' } });

    // Act
    const decision = await service(directory).authorize(event);

    // Assess
    expect(decision).toMatchObject({ effect: 'Deny', reason: 'role-not-allowed' });
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
      directory: new FakeDirectory(),
      findRoute: findTestRoute,
    });

    // Act
    const decision = await subject.authorize(authorizerEvent({ method: 'GET', resource: '/v1/me', headers: { Authorization: 'Bearer a.b.c' } }));
    await subject.authorize(authorizerEvent({ method: 'GET', resource: '/v1/me', headers: { 'X-Api-Key': 'apk.acme.key' } }));

    // Assess
    expect(seen).toEqual([
      { kind: 'bearer', token: 'a.b.c' },
      { kind: 'api-key', key: 'apk.acme.key' },
    ]);
    expect(decision).toEqual({ effect: 'Allow', context: principal });
  });
});
