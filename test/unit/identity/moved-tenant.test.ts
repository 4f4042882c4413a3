import { apiKeyAuthenticator } from '../../../functions/identity/api-key.authenticator';
import { movedTenantResources } from '../../../functions/identity/authorizer-policy';
import { apiGatewayAuthorizer } from '../../../functions/identity/authorizer.adapter';
import { usageKeysOf } from '../../../functions/identity/usage-identifier';
import { AuthorizerService, bearerAuthenticator } from '../../../functions/identity/authorizer.service';
import { TokenVerifier } from '../../../functions/identity/token-verifier';
import { AuthenticationError } from '../../../functions/core/errors';
import { createTenantGate } from '../../../functions/tenants/tenant-gate';
import { tenantPathSchema, type TenantDirectoryEntry, type TenantStatus } from '../../../functions/tenants/tenant.schema';
import {
  apiKeyHeader,
  authorizerEvent,
  bearer,
  clock,
  FakeApiKeys,
  FakeIssuerRegistry,
  FakeJwksHost,
  FakeMembers,
  idToken,
  tenantPool,
  type Pool,
} from './fixtures';
import { requestPath } from './request-path';
import { TEST_ROUTES } from './route-fixtures';

/**
 * A tenant migrated to another region leaves its issuer registered in the old one (its pool stays there) but no
 * member record: the old region's authorizer allows its principals with no role, so the tenant gate answers them
 * 421 naming the new region. A member removed from a tenant homed here, or a tenant the directory does not know,
 * stays a 401.
 */

const HERE = 'eu-central-1';
const THERE = 'us-east-1';
const ENDPOINTS = { [HERE]: `https://${HERE}.api.test`, [THERE]: `https://${THERE}.api.test` };
const STAGE_ARN = 'arn:aws:execute-api:eu-central-1:123456789012:abcdef1234/prod';
/** The test routes with the tenant path parameter the product's tenant routes validate (the gate runs on it). */
const ROUTES = TEST_ROUTES.map((route) => (route.path.includes('{tenantId}') ? { ...route, request: { path: tenantPathSchema } } : route));

function entry(tenantId: string, region: string, status: TenantStatus = 'ACTIVE'): TenantDirectoryEntry {
  return { tenantId, slug: tenantId, region, status, emailDomains: [], branding: {} };
}

/** The directory as both the authorizer and the gate read it, with the tenants looked up. */
class Directory {
  readonly lookups: string[] = [];
  constructor(private readonly entries: Readonly<Record<string, TenantDirectoryEntry>>) {}
  readonly get = async (tenantId: string) => {
    this.lookups.push(tenantId);
    return this.entries[tenantId];
  };
}

describe('the authorizer of the region a tenant left', () => {
  let acme: Pool;

  beforeAll(async () => {
    acme = await tenantPool('acme');
  });

  function service(directory: Directory, members = new FakeMembers(), apiKeys = new FakeApiKeys()) {
    const verifier = new TokenVerifier({ issuers: new FakeIssuerRegistry([acme]), keySetFor: new FakeJwksHost([acme]).keySetFor, clock });
    return new AuthorizerService({
      authenticators: { bearer: bearerAuthenticator(verifier), 'api-key': apiKeyAuthenticator(apiKeys, clock) },
      members,
      residency: { region: HERE, directory },
    });
  }

  const getTenant = (headers: Record<string, string>, tenantId = 'acme') =>
    authorizerEvent({ method: 'GET', resource: '/v1/tenants/{tenantId}', pathParameters: { tenantId }, headers });

  it('allows a user of a tenant homed in another region with no role, naming that region', async () => {
    // Prepare
    const token = await idToken(acme, { groups: ['tenant-admin'] });

    // Act
    const decision = await service(new Directory({ acme: entry('acme', THERE) })).authorize(getTenant(bearer(token)));

    // Assess
    expect(decision).toEqual({ effect: 'Allow', context: { principalType: 'user', principalId: 'user-1', tenantId: 'acme', roles: [] }, homedIn: THERE });
  });

  it.each([
    ['homed here (the member was removed)', { acme: entry('acme', HERE) }],
    ['the directory does not know', {}],
    ['offboarded', { acme: entry('acme', THERE, 'DELETED') }],
  ])('refuses with 401 a user without a member record of a tenant %s', async (_case, entries) => {
    // Prepare
    const token = await idToken(acme, { groups: ['tenant-admin'] });
    const directory = new Directory(entries);

    // Act
    const decision = service(directory).authorize(getTenant(bearer(token)));

    // Assess
    await expect(decision).rejects.toBeInstanceOf(AuthenticationError);
    expect(directory.lookups).toEqual(['acme']);
  });

  it('reads the directory only when the member record is missing: a member keeps its role', async () => {
    // Prepare
    const token = await idToken(acme, { groups: ['viewer'] });
    const directory = new Directory({ acme: entry('acme', THERE) });

    // Act
    const decision = await service(directory, new FakeMembers().set('acme', 'user-1', 'member')).authorize(getTenant(bearer(token)));

    // Assess
    expect(decision).toEqual({ effect: 'Allow', context: expect.objectContaining({ roles: ['member'], memberId: 'm-user-1' }) });
    expect(directory.lookups).toEqual([]);
  });

  it("allows a key of a moved tenant whose owner's record is gone with no role and no owner", async () => {
    // Prepare
    const apiKeys = new FakeApiKeys();
    const key = apiKeys.issue('acme', 'member', { ownerUserId: 'm-owner' });

    // Act
    const decision = await service(new Directory({ acme: entry('acme', THERE) }), new FakeMembers(), apiKeys).authorize(getTenant(apiKeyHeader(key)));

    // Assess
    expect(decision).toMatchObject({ effect: 'Allow', context: { principalType: 'api-key', tenantId: 'acme', roles: [] }, homedIn: THERE });
    expect(decision.effect === 'Allow' && decision.context.memberId).toBeUndefined();
  });

  it("meters a moved tenant's principal by the redirect key, which every region's stage has, and a member by its tenant's key", async () => {
    // Prepare: the tenant's own key exists only where its stack is; API Gateway refuses an unknown key with 403
    const token = await idToken(acme, { groups: ['tenant-admin'] });
    const keys = usageKeysOf('prod');
    const quiet = { debug: () => {}, info: () => {}, warn: () => {} };
    const authorizerWith = (members: FakeMembers) =>
      apiGatewayAuthorizer(service(new Directory({ acme: entry('acme', THERE) }), members), quiet, TEST_ROUTES, keys);

    // Act
    const moved = await authorizerWith(new FakeMembers())(getTenant(bearer(token)));
    const member = await authorizerWith(new FakeMembers().set('acme', 'user-1', 'member'))(getTenant(bearer(token)));

    // Assess
    expect(moved.usageIdentifierKey).toBe(keys.redirect);
    expect(member.usageIdentifierKey).toBe(keys.tenant('acme'));
    expect(new Set([keys.redirect, keys.platform, keys.tenant('acme')]).size).toBe(3);
  });

  it("gives a moved tenant's principal every method under its own tenant's paths, and nothing outside them", () => {
    // Act
    const resources = movedTenantResources(STAGE_ARN, 'acme', TEST_ROUTES);

    // Assess
    expect(resources).toEqual([
      `${STAGE_ARN}/GET/v1/tenants/acme`,
      `${STAGE_ARN}/GET/v1/tenants/acme/*`,
      `${STAGE_ARN}/POST/v1/tenants/acme`,
      `${STAGE_ARN}/POST/v1/tenants/acme/*`,
    ]);
  });

  describe('on the request path (policy, handler middleware and tenant gate)', () => {
    function path(gateDirectory: Directory) {
      const gate = createTenantGate({ directory: gateDirectory, region: HERE, regionEndpoints: ENDPOINTS });
      return requestPath(service(new Directory({ acme: entry('acme', THERE) })), ROUTES, {}, gate);
    }

    it.each([
      ['GET', '/v1/tenants/{tenantId}'],
      ['GET', '/v1/tenants/{tenantId}/agents'],
      ['POST', '/v1/tenants/{tenantId}/agents'],
      ['POST', '/v1/tenants/{tenantId}/suspend'],
    ])('answers %s %s with 421 naming the new region, before any role check', async (method, resource) => {
      // Prepare
      const token = await idToken(acme, { groups: ['tenant-admin'] });
      const event = authorizerEvent({ method, resource, pathParameters: { tenantId: 'acme' }, headers: bearer(token) });

      // Act
      const outcome = await path(new Directory({ acme: entry('acme', THERE) }))(event);

      // Assess
      expect(outcome).toEqual({ status: 421, problem: expect.objectContaining({ code: 'wrong-region', region: THERE, endpoint: ENDPOINTS[THERE] }) });
    });

    it("refuses another tenant's paths and routes outside any tenant", async () => {
      // Prepare
      const token = await idToken(acme, { groups: ['tenant-admin'] });
      const decide = path(new Directory({ acme: entry('acme', THERE), globex: entry('globex', HERE) }));

      // Act
      const outcomes = await Promise.all([
        decide(getTenant(bearer(token), 'globex')),
        decide(authorizerEvent({ method: 'GET', resource: '/v1/me', headers: bearer(token) })),
        decide(authorizerEvent({ method: 'GET', resource: '/v1/tenants', headers: bearer(token) })),
      ]);

      // Assess
      expect(outcomes.map((outcome) => outcome.status)).toEqual([403, 403, 403]);
    });

    it('never runs an operation for it, even when the gate finds the tenant homed here', async () => {
      // Prepare
      const token = await idToken(acme, { groups: ['tenant-admin'] });

      // Act
      const outcome = await path(new Directory({ acme: entry('acme', HERE) }))(getTenant(bearer(token)));

      // Assess
      expect(outcome).toEqual({ status: 403, problem: expect.objectContaining({ code: 'forbidden' }) });
    });
  });
});
