import { platformUsageKey } from '../../../functions/identity/usage-identifier';
import { createAuthorizer, type AuthorizerDependencies } from '../../../functions/api/authorizer';
import { parseRuntimeConfig } from '../../../functions/api/runtime-config';
import { decodeAuthContext } from '../../../functions/core/auth-context';
import { policyAllows } from '../../../local/authorizer-policy';
import { lambdaContext } from '../../support/rest-event';
import {
  accessToken,
  authorizerEvent,
  bearer,
  clock,
  FakeMembers,
  FakeIssuerRegistry,
  FakeJwksHost,
  idToken,
  platformPool,
  tenantPool,
  type Pool,
} from './fixtures';

const config = parseRuntimeConfig({ AWS_REGION: 'eu-central-1', TABLE_NAME: 'agent-platform', API_BASE_DOMAIN: 'api.example.test' });
const GET_TENANT = { method: 'GET', resource: '/v1/tenants/{tenantId}' } as const;
const STAGE_ARN = 'arn:aws:execute-api:eu-central-1:123456789012:abcdef1234/prod';

/** Every log line the authorizer wrote, as the JSON it would print. */
class LogRecorder implements Pick<AuthorizerDependencies['logger'], 'debug' | 'info' | 'warn'> {
  readonly lines: string[] = [];
  readonly debug = (...args: unknown[]) => this.record('DEBUG', args);
  readonly info = (...args: unknown[]) => this.record('INFO', args);
  readonly warn = (...args: unknown[]) => this.record('WARN', args);
  private record(level: string, args: unknown[]) {
    this.lines.push(JSON.stringify({ level, args }));
  }
}

describe('authorizer', () => {
  let acme: Pool;
  let globex: Pool;
  let platform: Pool;

  beforeAll(async () => {
    [acme, globex, platform] = await Promise.all([tenantPool('acme'), tenantPool('globex'), platformPool()]);
  });

  function subject(overrides: Partial<AuthorizerDependencies> = {}) {
    const jwks = new FakeJwksHost([acme, globex, platform]);
    const logs = new LogRecorder();
    const metered: { memoryMb: number; tenants: string[] }[] = [];
    const authorize = createAuthorizer(config, {
      issuers: new FakeIssuerRegistry([acme, globex, platform]),
      clock,
      keySetFor: jwks.keySetFor,
      members: new FakeMembers().set('acme', 'user-1', 'tenant-admin').set('globex', 'user-1', 'tenant-admin'),
      logger: logs,
      meter: { addInvocation: (memoryMb, _durationMs, work) => void metered.push({ memoryMb, tenants: work.map((delivery) => delivery.tenantId) }) },
      ...overrides,
    });
    return { authorize, jwks, logs, metered };
  }

  function tenantEvent(tenantId: string, headers: Record<string, string>) {
    return authorizerEvent({ ...GET_TENANT, pathParameters: { tenantId }, headers });
  }

  describe('allows', () => {
    it('a tenant admin with an ID token on its own tenant, for every method of its roles under its tenant', async () => {
      // Prepare
      const { authorize } = subject();
      const event = tenantEvent('acme', bearer(await idToken(acme, { groups: ['tenant-admin', 'not-a-role'] })));

      // Act
      const result = await authorize(event);

      // Assess
      expect(result).toEqual({
        principalId: 'user-1',
        policyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Action: 'execute-api:Invoke',
              Effect: 'Allow',
              Resource: expect.arrayContaining([`${STAGE_ARN}/GET/v1/tenants/acme`, `${STAGE_ARN}/DELETE/v1/tenants/acme/*`]),
            },
          ],
        },
        context: { principalType: 'user', principalId: 'user-1', tenantId: 'acme', roles: 'tenant-admin', memberId: 'm-user-1' },
        // The tenant's usage-plan key: its plan meters and throttles the request.
        usageIdentifierKey: 'agent-platform-dev-usage-acme',
      });
      expect(decodeAuthContext(result.context)).toEqual({
        principalType: 'user',
        principalId: 'user-1',
        tenantId: 'acme',
        roles: ['tenant-admin'],
        memberId: 'm-user-1',
      });
    });

    it("a user of a tenant the directory homes in another region, with no role, on its own tenant's paths only", async () => {
      // Prepare
      const tenants = {
        get: async (tenantId: string) => ({ tenantId, slug: tenantId, region: 'us-east-1', status: 'ACTIVE' as const, emailDomains: [], branding: {} }),
      };
      const { authorize } = subject({ members: new FakeMembers(), tenants });
      const event = tenantEvent('acme', bearer(await idToken(acme, { groups: ['tenant-admin'] })));

      // Act
      const result = await authorize(event);

      // Assess
      expect(decodeAuthContext(result.context)).toEqual({ principalType: 'user', principalId: 'user-1', tenantId: 'acme', roles: [] });
      expect(policyAllows(result.policyDocument, event.methodArn)).toBe(true);
      expect(policyAllows(result.policyDocument, `${STAGE_ARN}/DELETE/v1/tenants/acme/agents/a-1`)).toBe(true);
      expect(policyAllows(result.policyDocument, `${STAGE_ARN}/GET/v1/tenants/globex`)).toBe(false);
      expect(policyAllows(result.policyDocument, `${STAGE_ARN}/GET/v1/me`)).toBe(false);
    });

    it('a tenant admin with an access token', async () => {
      // Prepare
      const { authorize } = subject();
      const event = tenantEvent('acme', bearer(await accessToken(acme, { groups: ['tenant-admin'] })));

      // Act
      const result = await authorize(event);

      // Assess
      expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow' });
      expect(result.context).toMatchObject({ principalType: 'user', tenantId: 'acme' });
    });

    it('a token whose custom:tenantId claim agrees with its issuer', async () => {
      // Prepare
      const { authorize } = subject();
      const token = await idToken(acme, { groups: ['tenant-admin'], claims: { 'custom:tenantId': 'acme' } });

      // Act
      const result = await authorize(tenantEvent('acme', bearer(token)));

      // Assess
      expect(result.context).toMatchObject({ tenantId: 'acme' });
    });

    it('header names and the Bearer scheme in any case', async () => {
      // Prepare
      const { authorize } = subject();
      const token = await idToken(acme, { groups: ['tenant-admin'] });
      const event = tenantEvent('acme', { authorization: `bearer ${token}`, 'x-tenant-id': 'acme', Host: 'ACME.api.example.test:443' });

      // Act
      const result = await authorize(event);

      // Assess
      expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow' });
    });

    it.each([['api.example.test'], ['abcdef1234.execute-api.eu-central-1.amazonaws.com'], ['evil-api.example.test']])(
      'a request to host %s, which names no tenant',
      async (host) => {
        // Prepare
        const { authorize } = subject();
        const event = tenantEvent('acme', { ...bearer(await idToken(acme, { groups: ['tenant-admin'] })), Host: host });

        // Act
        const result = await authorize(event);

        // Assess
        expect(policyAllows(result.policyDocument, event.methodArn)).toBe(true);
      },
    );

    it('a platform admin, on every method of the stage and with no tenant (the handler takes it from the signals)', async () => {
      // Prepare
      const { authorize } = subject();
      const token = await idToken(platform, { groups: ['platform-admin', 'tenant-admin'], claims: { sub: 'operator-1' } });
      const event = tenantEvent('globex', { ...bearer(token), 'X-Tenant-Id': 'globex', Host: 'globex.api.example.test' });

      // Act
      const result = await authorize(event);

      // Assess
      expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow', Resource: [`${STAGE_ARN}/*`] });
      expect(decodeAuthContext(result.context)).toEqual({
        principalType: 'platform-admin',
        principalId: 'operator-1',
        roles: ['platform-admin'],
      });
      // Platform admins act for the platform: the platform key meters them, no tenant's plan.
      expect(result.usageIdentifierKey).toBe(platformUsageKey(config.STAGE));
    });

    it("and meters the invocation that let a tenant's principal in to that tenant, with the function's memory; a platform admin's, a 401 and a 403 to none", async () => {
      // Prepare
      const { authorize, metered } = subject();
      const context = { ...lambdaContext('authorizer'), memoryLimitInMB: '512' };
      const admin = await idToken(platform, { groups: ['platform-admin'], claims: { sub: 'operator-1' } });

      // Act
      await authorize(tenantEvent('acme', bearer(await idToken(acme, { groups: ['tenant-admin'] }))), context);
      await authorize(tenantEvent('globex', { ...bearer(admin), 'X-Tenant-Id': 'globex', Host: 'globex.api.example.test' }), context);
      await expect(authorize(tenantEvent('acme', {}), context)).rejects.toThrow('Unauthorized');
      const refused = await authorize(tenantEvent('acme', bearer(await idToken(platform, { groups: ['tenant-admin'] }))), context);

      // Assess
      expect(refused.policyDocument.Statement[0].Effect).toBe('Deny');
      expect(metered).toEqual([{ memoryMb: 512, tenants: ['acme'] }]);
    });
  });

  describe('answers 401', () => {
    it('when the Authorization header is missing', async () => {
      // Prepare
      const { authorize } = subject();

      // Act
      const outcome = authorize(tenantEvent('acme', {}));

      // Assess
      await expect(outcome).rejects.toThrow(new Error('Unauthorized'));
    });

    it.each([
      ['another scheme', 'Basic dXNlcjpwYXNz'],
      ['a bare scheme', 'Bearer'],
      ['a token of two parts', 'Bearer abc.def'],
      ['a token with spaces', 'Bearer abc.def ghi.jkl'],
      ['a token of invalid characters', 'Bearer a$b.c%d.e&f'],
      ['a token that is not JSON', 'Bearer abc.def.ghi'],
      ['an oversized token', `Bearer ${'a'.repeat(5000)}.${'b'.repeat(5000)}.c`],
    ])('when the bearer is malformed: %s', async (_name, authorization) => {
      // Prepare
      const { authorize } = subject();

      // Act
      const outcome = authorize(tenantEvent('acme', { Authorization: authorization }));

      // Assess
      await expect(outcome).rejects.toThrow('Unauthorized');
    });

    it('when the request carries two different Authorization headers', async () => {
      // Prepare
      const { authorize } = subject();
      const event = tenantEvent('acme', {});
      const tokens = [await idToken(acme, { groups: ['tenant-admin'] }), await idToken(globex, { groups: ['tenant-admin'] })];
      event.multiValueHeaders = { Authorization: tokens.map((token) => `Bearer ${token}`) };
      event.headers = { Authorization: `Bearer ${tokens[1]}` };

      // Act
      const outcome = authorize(event);

      // Assess
      await expect(outcome).rejects.toThrow('Unauthorized');
    });

    it('when the token is expired', async () => {
      // Prepare
      const { authorize } = subject();
      const token = await idToken(acme, { groups: ['tenant-admin'], claims: { exp: Math.floor(clock().getTime() / 1000) - 600 } });

      // Act
      const outcome = authorize(tenantEvent('acme', bearer(token)));

      // Assess
      await expect(outcome).rejects.toThrow('Unauthorized');
    });

    it('when the issuer is unknown', async () => {
      // Prepare
      const { authorize } = subject({ issuers: new FakeIssuerRegistry([acme]) });
      const token = await idToken(globex, { groups: ['tenant-admin'] });

      // Act
      const outcome = authorize(tenantEvent('globex', bearer(token)));

      // Assess
      await expect(outcome).rejects.toThrow('Unauthorized');
    });

    it('when the issuer is registered for tenant A but custom:tenantId says B', async () => {
      // Prepare
      const { authorize, logs } = subject();
      const token = await idToken(acme, { groups: ['tenant-admin'], claims: { 'custom:tenantId': 'globex' } });

      // Act
      const outcome = authorize(tenantEvent('globex', bearer(token)));

      // Assess
      await expect(outcome).rejects.toThrow('Unauthorized');
      expect(logs.lines.join('\n')).toContain('"reason":"tenant-claim"');
    });
  });

  describe('gives a policy that does not cover the request', () => {
    async function expectNotCovered(event: ReturnType<typeof tenantEvent>, authorize: ReturnType<typeof subject>['authorize']) {
      const result = await authorize(event);
      expect(result.principalId).toBeDefined();
      expect(policyAllows(result.policyDocument, event.methodArn)).toBe(false);
    }

    it('to a tenant user whose path names another tenant', async () => {
      // Prepare
      const { authorize } = subject();
      const token = await idToken(acme, { groups: ['tenant-admin'] });

      // Act, Assess
      await expectNotCovered(tenantEvent('globex', bearer(token)), authorize);
    });

    it('to a tenant user whose path names a tenant whose id starts with its own', async () => {
      // Prepare
      const { authorize } = subject();
      const token = await idToken(acme, { groups: ['tenant-admin'] });

      // Act, Assess
      await expectNotCovered(tenantEvent('acme2', bearer(token)), authorize);
      await expectNotCovered(
        authorizerEvent({ method: 'GET', resource: '/v1/tenants/{tenantId}/agents', pathParameters: { tenantId: 'acme-x' }, headers: bearer(token) }),
        authorize,
      );
    });

    it('to a platform pool account outside the platform-admin group, nowhere', async () => {
      // Prepare
      const { authorize } = subject();
      const token = await idToken(platform, { groups: ['tenant-admin'] });
      const event = tenantEvent('acme', bearer(token));

      // Act
      const result = await authorize(event);

      // Assess
      expect(result.policyDocument.Statement).toEqual([expect.objectContaining({ Effect: 'Deny', Resource: [`${STAGE_ARN}/*`] })]);
      expect(result.context).toBeUndefined();
    });

    it('to a tenant pool group named platform-admin, which grants nothing', async () => {
      // Prepare
      const { authorize } = subject({ members: new FakeMembers().set('acme', 'user-1', 'viewer') });
      const token = await idToken(acme, { groups: ['platform-admin'] });

      // Act, Assess
      await expectNotCovered(authorizerEvent({ method: 'GET', resource: '/v1/tenants', headers: bearer(token) }), authorize);
      await expectNotCovered(
        authorizerEvent({ method: 'POST', resource: '/v1/tenants/{tenantId}/agents', pathParameters: { tenantId: 'acme' }, headers: bearer(token) }),
        authorize,
      );
    });

    it('to a viewer on a method no route of its role has under its tenant, whatever groups its token claims', async () => {
      // Prepare
      const { authorize } = subject({ members: new FakeMembers().set('acme', 'user-1', 'viewer') });
      const token = await idToken(acme, { groups: ['tenant-admin', 'viewer', 'member', 'auditor'] });

      // Act, Assess
      await expectNotCovered(
        authorizerEvent({
          method: 'DELETE',
          resource: '/v1/tenants/{tenantId}/agents/{agentId}',
          pathParameters: { tenantId: 'acme', agentId: 'a1' },
          headers: bearer(token),
        }),
        authorize,
      );
    });
  });

  it('fetches the JWKS of each issuer once across many calls', async () => {
    // Prepare
    const { authorize, jwks } = subject();
    const calls = await Promise.all(
      [acme, globex, acme, globex, acme, platform, acme].map(async (pool) => {
        const tenantId = pool === platform ? 'acme' : pool.registration.kind === 'tenant' ? pool.registration.tenantId : '';
        const groups = pool === platform ? ['platform-admin'] : ['tenant-admin'];
        return tenantEvent(tenantId, bearer(await idToken(pool, { groups })));
      }),
    );

    // Act
    for (const event of calls) await authorize(event);

    // Assess
    expect([...jwks.fetched].sort()).toEqual([acme.jwksUri, globex.jwksUri, platform.jwksUri].sort());
  });

  it('never logs the token', async () => {
    // Prepare
    const { authorize, logs } = subject();
    const allowed = await idToken(acme, { groups: ['tenant-admin'] });
    const denied = await idToken(acme, { groups: ['viewer'] });
    const refused = await idToken(acme, { groups: ['tenant-admin'], claims: { 'custom:tenantId': 'globex' } });

    // Act
    await authorize(tenantEvent('acme', bearer(allowed)));
    await authorize(tenantEvent('acme', bearer(denied)));
    await authorize(tenantEvent('acme', bearer(refused))).catch(() => undefined);

    // Assess
    expect(logs.lines).toHaveLength(3);
    for (const line of logs.lines) expect(line).toContain('"tenantId":"acme"');
    for (const token of [allowed, denied, refused]) {
      expect(logs.lines.join('\n')).not.toContain(token.split('.')[2]);
    }
  });

  it('fails without answering 401 when the issuer registry is unreachable', async () => {
    // Prepare
    const outage = new Error('ProvisionedThroughputExceededException');
    const { authorize } = subject({
      issuers: {
        lookup: async () => {
          throw outage;
        },
      },
    });

    // Act
    const outcome = authorize(tenantEvent('acme', bearer(await idToken(acme, { groups: ['tenant-admin'] }))));

    // Assess
    await expect(outcome).rejects.toBe(outage);
  });
});
