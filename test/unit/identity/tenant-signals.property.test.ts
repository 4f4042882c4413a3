import fc from 'fast-check';
import { AuthenticationError } from '../../../functions/core/errors';
import { apiKeyAuthenticator } from '../../../functions/identity/api-key.authenticator';
import { AuthorizerService, bearerAuthenticator } from '../../../functions/identity/authorizer.service';
import { isAllowed, TENANT_ROLES, type TenantRole } from '../../../functions/core/roles';
import { TokenVerifier } from '../../../functions/identity/token-verifier';
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
import { requestPath, type Outcome } from './request-path';

/** Tenants with their slugs; `acme` is the caller's tenant, the others are strangers. */
const TENANTS = { acme: 'acme-slug', globex: 'globex-slug', initech: 'initech-slug' } as const;
type TenantName = keyof typeof TENANTS;

/** What one signal says: absent, or a tenant (for the subdomain also a slug nobody owns). */
const tenantSignal = fc.option(fc.constantFrom<TenantName>('acme', 'globex', 'initech'), { nil: undefined });
const subdomainSignal = fc.option(fc.constantFrom<TenantName | 'unknown'>('acme', 'globex', 'initech', 'unknown'), { nil: undefined });

/**
 * The authorizer decides on the credential alone (API Gateway caches its answer per Authorization header); the
 * signals are checked on the request path behind it: the cached policy (tenant paths of the principal's own tenant
 * only) and the handler middleware (every signal must agree). The property holds for that whole path, and for a
 * cached answer as for a fresh one: each request is decided with the answer given to the same credential on
 * another route.
 */
describe('property 2: tenant context consistency', () => {
  let token: string;
  let adminToken: string;
  let service: AuthorizerService;
  let decide: (event: ReturnType<typeof signalledEvent>) => Promise<Outcome>;
  const apiKeys = new FakeApiKeys();

  beforeAll(async () => {
    const [acme, platform]: Pool[] = await Promise.all([tenantPool('acme'), platformPool()]);
    token = await idToken(acme, { groups: ['tenant-admin'] });
    adminToken = await idToken(platform, { groups: ['platform-admin'] });
    const verifier = new TokenVerifier({
      issuers: new FakeIssuerRegistry([acme, platform]),
      keySetFor: new FakeJwksHost([acme, platform]).keySetFor,
      clock,
    });
    service = new AuthorizerService({
      authenticators: { bearer: bearerAuthenticator(verifier), 'api-key': apiKeyAuthenticator(apiKeys, clock) },
      members: new FakeMembers().set('acme', 'user-1', 'tenant-admin'),
    });
    const directory = new FakeDirectory(Object.fromEntries(Object.entries(TENANTS).map(([tenantId, slug]) => [slug, tenantId])));
    // The answer API Gateway cached for the credential: given on the first route the credential was seen on.
    const cached = new Map<string, ReturnType<AuthorizerService['authorize']>>();
    const cachedService = {
      authorize: (event: ReturnType<typeof signalledEvent>) => {
        const identity = String(event.headers?.Authorization);
        if (!cached.has(identity)) cached.set(identity, service.authorize(event));
        return cached.get(identity)!;
      },
    };
    decide = requestPath(cachedService, TEST_ROUTES, { baseDomain: 'api.example.test', slugs: directory.slugs });
  });

  function signalledEvent(credential: string | Record<string, string>, path?: TenantName, header?: TenantName, subdomain?: TenantName | 'unknown') {
    return authorizerEvent({
      method: 'GET',
      resource: path ? '/v1/tenants/{tenantId}/agents' : '/v1/me',
      ...(path ? { pathParameters: { tenantId: path } } : {}),
      headers: {
        ...(typeof credential === 'string' ? bearer(credential) : credential),
        ...(header ? { 'X-Tenant-Id': header } : {}),
        ...(subdomain ? { Host: `${subdomain === 'unknown' ? 'nobody' : TENANTS[subdomain]}.api.example.test` } : {}),
      },
    });
  }

  it('allows a tenant user only when every present signal names its token tenant', async () => {
    await fc.assert(
      fc.asyncProperty(tenantSignal, tenantSignal, subdomainSignal, async (path, header, subdomain) => {
        // Prepare
        const event = signalledEvent(token, path, header, subdomain);
        const everySignalIsOwn = [path, header, subdomain].every((signal) => signal === undefined || signal === 'acme');

        // Act
        const outcome = await decide(event);

        // Assess
        expect(outcome.status).toBe(everySignalIsOwn ? 200 : 403);
        if (outcome.status === 200) expect(outcome.auth?.tenantId).toBe('acme');
      }),
      { numRuns: 200 },
    );
  });

  it('allows a platform admin only when the present signals agree, acting on the tenant they name', async () => {
    await fc.assert(
      fc.asyncProperty(tenantSignal, tenantSignal, subdomainSignal, async (path, header, subdomain) => {
        // Prepare
        const event = signalledEvent(adminToken, path, header, subdomain);
        const named = new Set([path, header, subdomain].filter((signal) => signal !== undefined));

        // Act
        const outcome = await decide(event);

        // Assess
        const agree = named.size <= 1 && !named.has('unknown');
        expect(outcome.status).toBe(agree ? 200 : 403);
        if (outcome.status === 200) expect(outcome.auth?.tenantId).toBe([...named][0]);
      }),
      { numRuns: 200 },
    );
  });
  /** API keys of every tenant with every tenant role, issued once. */
  const keysByTenant = new Map<TenantName, Map<TenantRole, string>>();
  function keyOf(tenant: TenantName, role: TenantRole): string {
    const roles = keysByTenant.get(tenant) ?? new Map<TenantRole, string>();
    keysByTenant.set(tenant, roles);
    const key = roles.get(role) ?? apiKeys.issue(tenant, role);
    roles.set(role, key);
    return key;
  }
  const tenantName = fc.constantFrom<TenantName>('acme', 'globex', 'initech');
  const tenantRole = fc.constantFrom<TenantRole>(...TENANT_ROLES);

  it("allows an API key of any tenant only when every present signal names the key's tenant, acting for that tenant", async () => {
    await fc.assert(
      fc.asyncProperty(tenantName, tenantRole, tenantSignal, tenantSignal, subdomainSignal, async (owner, role, path, header, subdomain) => {
        // Prepare
        const event = signalledEvent(apiKeyHeader(keyOf(owner, role)), path, header, subdomain);
        const route = TEST_ROUTES.find((r) => r.path === event.resource && r.method === 'GET');
        const everySignalIsOwn = [path, header, subdomain].every((signal) => signal === undefined || signal === owner);
        const roleAllowed = route !== undefined && isAllowed(route.access, [role]);

        // Act
        const outcome = await decide(event);

        // Assess
        expect(outcome.status).toBe(everySignalIsOwn && roleAllowed ? 200 : 403);
        if (outcome.status === 200) {
          expect(outcome.auth).toEqual(expect.objectContaining({ principalType: 'api-key', tenantId: owner, roles: [role] }));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never accepts an API key rewritten to name another tenant or key, nor one sent beside a bearer token', async () => {
    await fc.assert(
      fc.asyncProperty(
        tenantName,
        tenantName,
        fc.constantFrom('tenant', 'keyId', 'secret', 'both-credentials'),
        fc.nat(),
        async (owner, other, tamper, seed) => {
          // Prepare
          const key = keyOf(owner, 'member');
          const [mark, tenant, keyId, secret] = key.split('.');
          const flip = (text: string) => {
            const i = seed % text.length;
            const replacement = text[i] === 'a' ? 'b' : 'a';
            return text.slice(0, i) + replacement + text.slice(i + 1);
          };
          let headers: Record<string, string>;
          if (tamper === 'tenant') headers = apiKeyHeader([mark, other === owner ? `${other}x` : other, keyId, secret].join('.'));
          else if (tamper === 'keyId') headers = apiKeyHeader([mark, tenant, flip(keyId), secret].join('.'));
          else if (tamper === 'secret') headers = apiKeyHeader([mark, tenant, keyId, flip(secret)].join('.'));
          else headers = apiKeyHeader(key);
          const event = signalledEvent(headers, owner);
          // Two Authorization headers: the key and a bearer token (which of two principals would be meant?).
          if (tamper === 'both-credentials')
            event.multiValueHeaders = { ...event.multiValueHeaders, Authorization: [headers.Authorization, bearer(token).Authorization] };

          // Act
          const outcome = service.authorize(event);

          // Assess
          await expect(outcome).rejects.toBeInstanceOf(AuthenticationError);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses a revoked or expired API key with 401', async () => {
    // Prepare
    const revoked = apiKeys.issue('acme', 'member', { revokedAt: '2026-05-01T00:00:00.000Z' });
    const expired = apiKeys.issue('acme', 'member', { expiresOn: '2026-06-01T11:59:59.000Z' });
    const valid = apiKeys.issue('acme', 'member', { expiresOn: '2026-06-01T12:00:01.000Z' });

    // Act
    const outcomes = await Promise.allSettled([revoked, expired, valid].map((key) => service.authorize(signalledEvent(apiKeyHeader(key), 'acme'))));

    // Assess
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value.effect : (o.reason as Error).constructor.name))).toEqual([
      'AuthenticationError',
      'AuthenticationError',
      'Allow',
    ]);
  });
});
