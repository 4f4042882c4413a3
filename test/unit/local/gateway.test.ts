import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import type { ClientLimits } from '../../../functions/billing/client-limits.catalogue';
import { MAX_URL_LENGTH, startLocalGateway, type FunctionSource, type LocalGateway } from '../../../local/gateway';
import { requestFrom } from '../../support/client-request';
import { encodeAuthContext } from '../../../functions/core/auth-context';
import { principalPolicy } from '../../../functions/identity/authorizer-policy';
import { ROUTES } from '../../../functions/routes';

/** The local gateway's own contract, with stub functions: nothing else runs. */

const REGIONS = ['eu-central-1', 'us-east-1'];

interface Seen {
  events: APIGatewayProxyEvent[];
  authorizerEvents: APIGatewayRequestAuthorizerEvent[];
}

function stubFunctions(seen: Seen, authorize: (event: APIGatewayRequestAuthorizerEvent) => Promise<unknown>): FunctionSource {
  return {
    createHandler: async (group, config) => async (event) => {
      seen.events.push(event);
      const sleepMs = Number(event.headers['x-sleep-ms'] ?? 0);
      if (sleepMs > 0) await new Promise((resolve) => setTimeout(resolve, sleepMs));
      return {
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ group, region: config.AWS_REGION, endpoints: config.REGION_ENDPOINTS }),
      };
    },
    createAuthorizer: async () => async (event) => {
      seen.authorizerEvents.push(event);
      return (await authorize(event)) as never;
    },
  };
}

const allow = (event: APIGatewayRequestAuthorizerEvent) =>
  Promise.resolve({
    principalId: 'user-1',
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }] },
    context: { principalType: 'user', tenantId: 'acme', roles: 'tenant-admin', count: 3 },
  });

async function withGateway(
  authorize: (event: APIGatewayRequestAuthorizerEvent) => Promise<unknown>,
  run: (gateway: LocalGateway, seen: Seen) => Promise<void>,
  clientLimits?: ClientLimits,
  environment?: Record<string, string>,
) {
  const seen: Seen = { events: [], authorizerEvents: [] };
  const gateway = await startLocalGateway({
    ...(clientLimits ? { clientLimits } : {}),
    ...(environment ? { environment } : {}),
    regions: REGIONS,
    port: 0,
    dynamoDbEndpoint: 'http://127.0.0.1:9',
    tableName: 'agent-platform',
    log: () => undefined,
    functions: stubFunctions(seen, authorize),
  });
  try {
    await run(gateway, seen);
  } finally {
    await gateway.close();
  }
}

describe('local gateway', () => {
  it('builds a REST proxy event with the route resource, path parameters, query and authorizer context', async () => {
    await withGateway(allow, async (gateway, seen) => {
      // Act
      const response = await fetch(`${gateway.endpoints['eu-central-1']}/v1/tenants/acme?x=1&x=2&y=z`, {
        headers: { Authorization: 'Bearer t', 'X-Custom': 'a' },
      });

      // Assess
      expect(response.status).toBe(200);
      const [event] = seen.events;
      expect(event).toEqual(
        expect.objectContaining({
          resource: '/v1/tenants/{tenantId}',
          path: '/v1/tenants/acme',
          httpMethod: 'GET',
          pathParameters: { tenantId: 'acme' },
          queryStringParameters: { x: '2', y: 'z' },
          multiValueQueryStringParameters: { x: ['1', '2'], y: ['z'] },
          body: null,
          isBase64Encoded: false,
          stageVariables: null,
        }),
      );
      expect(event.headers.Authorization).toBe('Bearer t');
      expect(event.multiValueHeaders['X-Custom']).toEqual(['a']);
      expect(event.requestContext).toEqual(
        expect.objectContaining({
          stage: 'local',
          resourcePath: '/v1/tenants/{tenantId}',
          requestId: response.headers.get('x-amzn-requestid'),
          authorizer: { principalType: 'user', tenantId: 'acme', roles: 'tenant-admin', count: '3', principalId: 'user-1' },
        }),
      );
      expect(event.requestContext.identity.sourceIp).toBe('127.0.0.1');
      expect(seen.authorizerEvents[0]).toEqual(
        expect.objectContaining({
          type: 'REQUEST',
          methodArn: 'arn:aws:execute-api:eu-central-1:000000000000:local/local/GET/v1/tenants/acme',
          resource: '/v1/tenants/{tenantId}',
        }),
      );
    });
  });

  it('configures each region with its own region and every region endpoint', async () => {
    await withGateway(allow, async (gateway) => {
      const body: unknown = await (await fetch(`${gateway.endpoints['us-east-1']}/v1/health`)).json();

      expect(body).toEqual({ group: 'platform', region: 'us-east-1', endpoints: gateway.endpoints });
    });
  });

  it('refuses a URL longer than API Gateway takes with its 400 problem, before the authorizer; takes one at the limit', async () => {
    await withGateway(allow, async (gateway, seen) => {
      // Act
      const path = '/v1/tenants/acme/agents/';
      const atLimit = await fetch(`${gateway.endpoints['eu-central-1']}${path}${'a'.repeat(MAX_URL_LENGTH - path.length)}`, {
        headers: { Authorization: 'Bearer t' },
      });
      const beyond = await fetch(`${gateway.endpoints['eu-central-1']}${path}${'a'.repeat(3 * MAX_URL_LENGTH)}`, { headers: { Authorization: 'Bearer t' } });

      // Assess
      expect(atLimit.status).toBe(200);
      expect([beyond.status, beyond.headers.get('content-type')]).toEqual([400, 'application/problem+json']);
      expect(await beyond.json()).toMatchObject({ code: 'bad-request', requestId: beyond.headers.get('x-amzn-requestid') });
      expect(seen.authorizerEvents).toHaveLength(1);
    });
  });

  it('runs no authorizer on public routes', async () => {
    await withGateway(allow, async (gateway, seen) => {
      await fetch(`${gateway.endpoints['eu-central-1']}/v1/health`);

      expect(seen.authorizerEvents).toEqual([]);
      expect(seen.events[0].requestContext.authorizer).toBeNull();
    });
  });

  it("tells a public route's caller its per-client quota in RateLimit-Policy and RateLimit headers", async () => {
    await withGateway(allow, async (gateway) => {
      // Act
      const first = await fetch(`${gateway.endpoints['eu-central-1']}/v1/health`);
      const second = await fetch(`${gateway.endpoints['eu-central-1']}/v1/health`);

      // Assess
      expect(first.headers.get('ratelimit-policy')).toBe('"publicRoutes";q=300;w=300');
      expect(first.headers.get('ratelimit')).toMatch(/^"publicRoutes";r=299;t=\d+$/);
      expect(second.headers.get('ratelimit')).toMatch(/^"publicRoutes";r=298;t=\d+$/);
    });
  });

  const deny = async (event: APIGatewayRequestAuthorizerEvent) => {
    const allowed = await allow(event);
    return { ...allowed, policyDocument: { ...allowed.policyDocument, Statement: [{ ...allowed.policyDocument.Statement[0], Effect: 'Deny' }] } };
  };

  it.each<[string, (event: APIGatewayRequestAuthorizerEvent) => Promise<unknown>, number, string]>([
    ['throws Unauthorized', () => Promise.reject(new Error('Unauthorized')), 401, 'unauthenticated'],
    ['returns a Deny policy', deny, 403, 'forbidden'],
    ['crashes', () => Promise.reject(new Error('boom')), 500, 'internal-error'],
    ['returns garbage', () => Promise.resolve({}), 500, 'internal-error'],
  ])('answers problem+json when the authorizer %s', async (_name, authorize, status, code) => {
    await withGateway(authorize, async (gateway, seen) => {
      const response = await fetch(`${gateway.endpoints['eu-central-1']}/v1/tenants/acme`, { headers: { authorization: 'Bearer t' } });

      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(((await response.json()) as { code: string }).code).toBe(code);
      expect(seen.events).toEqual([]);
    });
  });

  describe('limits per client address', () => {
    const LIMITS: ClientLimits = {
      anyRequest: { requests: 60, windowSeconds: 60 },
      publicRoutes: { requests: 10, windowSeconds: 60 },
      rejected: { requests: 10, windowSeconds: 60 },
    };
    /** Allows the key `good`, refuses every other credential. */
    const goodKeyOnly = (event: APIGatewayRequestAuthorizerEvent) =>
      event.headers?.authorization === 'ApiKey good' ? allow(event) : Promise.reject(new Error('Unauthorized'));
    const FLOODER = '127.0.0.2';
    const BEARER = { headers: { authorization: 'Bearer t' } };
    const TENANT = '127.0.0.3';

    it('answers 429 problem+json with Retry-After past the public-route limit, to that client only', async () => {
      await withGateway(
        allow,
        async (gateway) => {
          // Prepare
          const url = `${gateway.endpoints['eu-central-1']}/v1/discovery?slug=acme`;

          // Act
          const flood = [];
          for (let i = 0; i < 11; i += 1) flood.push(await requestFrom(FLOODER, url));
          const other = await requestFrom(TENANT, url);
          const otherRegion = await requestFrom(FLOODER, `${gateway.endpoints['us-east-1']}/v1/health`);

          // Assess
          expect(flood.slice(0, 10).map((response) => response.status)).toEqual(Array(10).fill(200));
          const refused = flood[10];
          expect([refused.status, refused.headers['content-type'], refused.headers['retry-after']]).toEqual([429, 'application/problem+json', '6']);
          expect(JSON.parse(refused.text)).toMatchObject({ status: 429, code: 'rate-limited', detail: 'this client sent too many requests to public routes' });
          expect([other.status, otherRegion.status]).toEqual([200, 200]);
        },
        LIMITS,
      );
    });

    it("stops a client's flood of bad keys before the authorizer while a tenant's requests keep working", async () => {
      await withGateway(
        goodKeyOnly,
        async (gateway, seen) => {
          // Prepare
          const url = `${gateway.endpoints['eu-central-1']}/v1/tenants/acme`;

          // Act
          const flood = [];
          for (let i = 0; i < 15; i += 1) flood.push(await requestFrom(FLOODER, url, { headers: { authorization: `ApiKey bad-${i}` } }));
          const authorizerCalls = seen.authorizerEvents.length;
          const tenant = [];
          for (let i = 0; i < 20; i += 1) tenant.push(await requestFrom(TENANT, url, { headers: { authorization: 'ApiKey good' } }));

          // Assess
          expect(flood.map((response) => response.status)).toEqual([...Array(10).fill(401), ...Array(5).fill(429)]);
          expect(flood[14].headers['retry-after']).toBe('6');
          expect(JSON.parse(flood[14].text)).toMatchObject({ code: 'rate-limited', detail: 'this client sent too many requests that were refused' });
          expect(authorizerCalls).toBe(10);
          // Accepted requests use up nothing of the refused-request limit.
          expect(tenant.map((response) => response.status)).toEqual(Array(20).fill(200));
        },
        LIMITS,
      );
    });

    it('counts 403 answers as refused too', async () => {
      await withGateway(
        deny,
        async (gateway) => {
          // Act
          const statuses = [];
          for (let i = 0; i < 11; i += 1) statuses.push((await requestFrom(FLOODER, `${gateway.endpoints['eu-central-1']}/v1/tenants/acme`, BEARER)).status);

          // Assess
          expect(statuses).toEqual([...Array(10).fill(403), 429]);
        },
        LIMITS,
      );
    });

    it('limits every API request of a client', async () => {
      await withGateway(
        allow,
        async (gateway) => {
          // Act
          const statuses = [];
          for (let i = 0; i < 61; i += 1) statuses.push((await requestFrom(FLOODER, `${gateway.endpoints['eu-central-1']}/v1/tenants/acme`, BEARER)).status);

          // Assess
          expect(statuses.filter((status) => status === 200)).toHaveLength(60);
          expect(statuses[60]).toBe(429);
        },
        LIMITS,
      );
    });
  });

  it("sums the route functions' invocations and their duration, as Lambda reports Duration, leaving out the authorizer and refused requests, and the gateway's own time around them", async () => {
    await withGateway(allow, async (gateway, seen) => {
      // Arrange
      const base = gateway.endpoints['eu-central-1'];

      // Act
      const statuses = [
        (await fetch(`${base}/v1/tenants/acme`, { headers: { authorization: 'Bearer t', 'x-sleep-ms': '40' } })).status,
        (await fetch(`${base}/v1/tenants/acme`, { headers: { authorization: 'Bearer t', 'x-sleep-ms': '40' } })).status,
        // The cached policy allows the first method ARN only.
        (await fetch(`${base}/v1/tenants/acme/agents`, { headers: { authorization: 'Bearer t' } })).status,
        (await fetch(`${base}/v1/tenants/acme`)).status,
        (await fetch(`${base}/v1/no-such-route`, { headers: { authorization: 'Bearer t' } })).status,
      ];

      // Assess
      expect(statuses).toEqual([200, 200, 403, 401, 404]);
      expect(seen.authorizerEvents).toHaveLength(1);
      const { invocations, totalMs, gatewayMs } = gateway.functionDurations();
      expect(invocations).toBe(2);
      expect(totalMs).toBeGreaterThanOrEqual(78);
      // The gateway's time is its own: the functions' two 40 ms sleeps are not in it.
      expect(gatewayMs).toBeGreaterThan(0);
      expect(gatewayMs).toBeLessThan(78);
    });
  });

  describe('authorizer result cache (as API Gateway with identity source Authorization and a TTL)', () => {
    /** The real policy of a tenant admin of acme: every method of its role under /v1/tenants/acme. */
    const tenantAdminOfAcme = (revoked: Set<string>) => async (event: APIGatewayRequestAuthorizerEvent) => {
      if (revoked.has(String(event.headers?.authorization))) throw new Error('Unauthorized');
      const principal = { principalType: 'user', principalId: 'user-1', tenantId: 'acme', roles: ['tenant-admin'] } as const;
      return { principalId: 'user-1', policyDocument: principalPolicy(event.methodArn, principal, ROUTES), context: encodeAuthContext(principal) };
    };
    const get = (gateway: LocalGateway, path: string, authorization?: string) =>
      fetch(`${gateway.endpoints['eu-central-1']}${path}`, { headers: authorization ? { authorization } : {} }).then((response) => response.status);

    it('invokes the authorizer once per Authorization header and evaluates the cached policy against each method ARN', async () => {
      await withGateway(tenantAdminOfAcme(new Set()), async (gateway, seen) => {
        // Act
        const statuses = [
          await get(gateway, '/v1/tenants/acme', 'Bearer one'),
          await get(gateway, '/v1/tenants/acme/agents', 'Bearer one'),
          await get(gateway, '/v1/tenants/globex', 'Bearer one'),
          await get(gateway, '/v1/tenants/globex/agents', 'Bearer one'),
          await get(gateway, '/v1/tenants', 'Bearer one'),
          await get(gateway, '/v1/tenants/acme', 'Bearer two'),
        ];

        // Assess
        expect(statuses).toEqual([200, 200, 403, 403, 403, 200]);
        expect(seen.authorizerEvents.map((event) => event.headers?.authorization)).toEqual(['Bearer one', 'Bearer two']);
        expect(gateway.authorizerCache()).toEqual({ hits: 4, misses: 2 });
      });
    });

    it('answers 401 without invoking the authorizer when the request has no Authorization header', async () => {
      await withGateway(allow, async (gateway, seen) => {
        // Act
        const response = await fetch(`${gateway.endpoints['eu-central-1']}/v1/tenants/acme`, { headers: { 'x-api-key': 'apk.acme.1.secret' } });

        // Assess
        expect(response.status).toBe(401);
        expect(((await response.json()) as { code: string }).code).toBe('unauthenticated');
        expect(seen.authorizerEvents).toEqual([]);
      });
    });

    it('lets a revocation take effect once the TTL (ACCESS_CACHE_SECONDS) has passed, not before', async () => {
      const revoked = new Set<string>();
      await withGateway(
        tenantAdminOfAcme(revoked),
        async (gateway, seen) => {
          // Act
          const before = await get(gateway, '/v1/tenants/acme', 'Bearer one');
          revoked.add('Bearer one');
          const withinBound = await get(gateway, '/v1/tenants/acme/agents', 'Bearer one');
          await new Promise((done) => setTimeout(done, 1_100));
          const afterBound = await get(gateway, '/v1/tenants/acme', 'Bearer one');

          // Assess
          expect([before, withinBound, afterBound]).toEqual([200, 200, 401]);
          expect(seen.authorizerEvents).toHaveLength(2);
        },
        undefined,
        { ACCESS_CACHE_SECONDS: '1' },
      );
    });

    it('invokes the authorizer for every request when ACCESS_CACHE_SECONDS is 0', async () => {
      await withGateway(
        tenantAdminOfAcme(new Set()),
        async (gateway, seen) => {
          // Act
          for (let i = 0; i < 3; i += 1) await get(gateway, '/v1/tenants/acme', 'Bearer one');

          // Assess
          expect(seen.authorizerEvents).toHaveLength(3);
          expect(gateway.authorizerCache()).toEqual({ hits: 0, misses: 3 });
        },
        undefined,
        { ACCESS_CACHE_SECONDS: '0' },
      );
    });
  });
});
