import fc from 'fast-check';
import { AuthorizerService, bearerAuthenticator } from '../../../functions/identity/authorizer.service';
import { TokenVerifier } from '../../../functions/identity/token-verifier';
import { authorizerEvent, bearer, clock, FakeDirectory, FakeIssuerRegistry, FakeJwksHost, idToken, platformPool, tenantPool, type Pool } from './fixtures';
import { findTestRoute } from './route-fixtures';

/** Tenants with their slugs; `acme` is the caller's tenant, the others are strangers. */
const TENANTS = { acme: 'acme-slug', globex: 'globex-slug', initech: 'initech-slug' } as const;
type TenantName = keyof typeof TENANTS;

/** What one signal says: absent, or a tenant (for the subdomain also a slug nobody owns). */
const tenantSignal = fc.option(fc.constantFrom<TenantName>('acme', 'globex', 'initech'), { nil: undefined });
const subdomainSignal = fc.option(fc.constantFrom<TenantName | 'unknown'>('acme', 'globex', 'initech', 'unknown'), { nil: undefined });

describe('property 2: tenant context consistency', () => {
  let token: string;
  let adminToken: string;
  let service: AuthorizerService;

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
      authenticators: { bearer: bearerAuthenticator(verifier) },
      directory: new FakeDirectory(Object.fromEntries(Object.entries(TENANTS).map(([tenantId, slug]) => [slug, tenantId]))),
      baseDomain: 'api.example.test',
      findRoute: findTestRoute,
    });
  });

  function signalledEvent(credential: string, path?: TenantName, header?: TenantName, subdomain?: TenantName | 'unknown') {
    return authorizerEvent({
      method: 'GET',
      resource: path ? '/v1/tenants/{tenantId}/agents' : '/v1/me',
      ...(path ? { pathParameters: { tenantId: path } } : {}),
      headers: {
        ...bearer(credential),
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
        const decision = await service.authorize(event);

        // Assess
        expect(decision.effect).toBe(everySignalIsOwn ? 'Allow' : 'Deny');
        if (decision.effect === 'Allow') expect(decision.context.tenantId).toBe('acme');
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
        const decision = await service.authorize(event);

        // Assess
        const agree = named.size <= 1 && !named.has('unknown');
        expect(decision.effect).toBe(agree ? 'Allow' : 'Deny');
        if (decision.effect === 'Allow') expect(decision.context.tenantId).toBe([...named][0]);
      }),
      { numRuns: 200 },
    );
  });
});
