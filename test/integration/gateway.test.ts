import { generateKeyPairSync } from 'node:crypto';
import { request } from 'node:http';
import { importJWK, SignJWT, type JWK } from 'jose';
import { ROUTES } from '../../functions/routes';
import type { ProvisionedPlatformAdmin, ProvisionedTenant } from '../../local/provisioner';
import { startTestPlatform, type ApiResponse, type TestPlatform, type Tokens } from '../support/platform';

/**
 * The platform through the local gateway: real API Gateway proxy events, the real authorizer verifying
 * cognito-local tokens against the issuer registry, the real handlers reading DynamoDB Local in each region.
 */

// Provisioning tenants in cognito-local and DynamoDB Local takes a few seconds on a busy machine.
jest.setTimeout(30_000);

const EU = 'eu-central-1';
const US = 'us-east-1';

let platform: TestPlatform;
let euTenant: ProvisionedTenant;
let usTenant: ProvisionedTenant;
let admin: ProvisionedPlatformAdmin;
let euAdminTokens: Tokens;
let platformTokens: Tokens;

function decodePart(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

function encodePart(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A token with the claims of `token` changed and signed with `key` (cognito-local's own key by default). */
async function resign(token: string, changes: Record<string, unknown>, key?: JWK): Promise<string> {
  const signingKey = key ?? (require('cognito-local/lib/keys/cognitoLocal.private.json') as { jwk: JWK }).jwk;
  const { iat: _iat, exp: _exp, ...claims } = { ...decodePart(token.split('.')[1]), ...changes } as Record<string, unknown>;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'CognitoLocal' })
    .setIssuedAt(typeof changes.iat === 'number' ? changes.iat : now)
    .setExpirationTime(typeof changes.exp === 'number' ? changes.exp : now + 3600)
    .sign(await importJWK(signingKey, 'RS256'));
}

function expectProblem(response: ApiResponse, status: number, code: string): void {
  expect({ status: response.status, code: response.json?.code }).toEqual({ status, code });
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.json).toEqual(expect.objectContaining({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) }));
}

beforeAll(async () => {
  platform = await startTestPlatform();
  [euTenant, usTenant, admin] = await Promise.all([platform.createTenant({ region: EU }), platform.createTenant({ region: US }), platform.platformAdmin()]);
  [euAdminTokens, platformTokens] = await Promise.all([platform.signIn(euTenant.clientId, euTenant.admin), platform.signIn(admin.clientId, admin)]);
});

afterAll(async () => {
  await platform?.close();
});

describe('public routes', () => {
  it.each([EU, US] as const)('answers GET /v1/health with 200 in %s', async (region) => {
    const response = await platform.call(region, 'GET', '/v1/health');

    expect(response.status).toBe(200);
    expect(response.json).toEqual(expect.objectContaining({ status: 'ok', region }));
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('discovers a tenant by slug with its home region, API and login endpoints', async () => {
    const response = await platform.call(EU, 'GET', `/v1/discovery?slug=${usTenant.slug}`);

    expect(response.status).toBe(200);
    expect(response.json.tenants).toEqual([
      expect.objectContaining({
        tenantId: usTenant.tenantId,
        region: US,
        apiUrl: platform.endpoints[US],
        auth: expect.objectContaining({ userPoolId: usTenant.userPoolId, clientId: usTenant.clientId, issuer: usTenant.issuer }),
      }),
    ]);
  });

  it('discovers a tenant by email domain', async () => {
    const response = await platform.call(US, 'GET', `/v1/discovery?email=${encodeURIComponent(`someone@${euTenant.tenantId}.example`)}`);

    expect(response.status).toBe(200);
    expect(response.json.tenants.map((tenant: { tenantId: string }) => tenant.tenantId)).toEqual([euTenant.tenantId]);
  });

  it('finds nothing for an unknown slug', async () => {
    const response = await platform.call(EU, 'GET', '/v1/discovery?slug=nobody-here');

    expect(response.status).toBe(200);
    expect(response.json.tenants).toEqual([]);
  });

  it('rejects a discovery query without email, host or slug with 400 problem+json', async () => {
    const response = await platform.call(EU, 'GET', '/v1/discovery');

    expectProblem(response, 400, 'validation-failed');
  });
});

describe('authentication', () => {
  const ownTenant = () => `/v1/tenants/${euTenant.tenantId}`;

  it('answers 401 problem+json without a token', async () => {
    expectProblem(await platform.call(EU, 'GET', ownTenant()), 401, 'unauthenticated');
  });

  it('answers 401 to a token whose claims were changed after signing', async () => {
    const [header, payload, signature] = euAdminTokens.idToken.split('.');
    const tampered = [header, encodePart({ ...decodePart(payload), 'cognito:groups': ['tenant-admin', 'platform-admin'] }), signature].join('.');

    expectProblem(await platform.call(EU, 'GET', ownTenant(), { token: tampered }), 401, 'unauthenticated');
  });

  it('answers 401 to an expired token with a valid signature', async () => {
    const past = Math.floor(Date.now() / 1000) - 7200;
    const expired = await resign(euAdminTokens.idToken, { iat: past, exp: past + 3600, auth_time: past });

    expectProblem(await platform.call(EU, 'GET', ownTenant(), { token: expired }), 401, 'unauthenticated');
  });

  it('answers 401 to an unsigned token (alg none)', async () => {
    const [, payload] = euAdminTokens.idToken.split('.');
    const unsigned = `${encodePart({ alg: 'none', typ: 'JWT' })}.${payload}.`;

    expectProblem(await platform.call(EU, 'GET', ownTenant(), { token: unsigned }), 401, 'unauthenticated');
  });

  it('answers 401 to a token signed with another key under the same key id', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = await resign(euAdminTokens.idToken, {}, privateKey.export({ format: 'jwk' }) as JWK);

    expectProblem(await platform.call(EU, 'GET', ownTenant(), { token: forged }), 401, 'unauthenticated');
  });

  it('answers 401 to a valid token from a user pool that is not registered', async () => {
    const rogue = await platform.createTenant();
    const rogueTokens = await platform.signIn(rogue.clientId, rogue.admin);
    const moved = await resign(rogueTokens.idToken, { iss: `${platform.cognitoEndpoint}/local_unregistered` });

    expectProblem(await platform.call(EU, 'GET', ownTenant(), { token: moved }), 401, 'unauthenticated');
  });
});

describe('tenant access', () => {
  it("lets a tenant admin read the tenant's record", async () => {
    const response = await platform.call(EU, 'GET', `/v1/tenants/${euTenant.tenantId}`, { token: euAdminTokens.idToken });

    expect(response.status).toBe(200);
    expect(response.json).toEqual(expect.objectContaining({ tenantId: euTenant.tenantId, region: EU, status: 'ACTIVE' }));
  });

  it("answers 403 problem+json when a tenant admin reads another tenant's record", async () => {
    const response = await platform.call(EU, 'GET', `/v1/tenants/${usTenant.tenantId}`, { token: euAdminTokens.idToken });

    expectProblem(response, 403, 'forbidden');
    expect(response.json.name).toBeUndefined();
  });

  it('answers 403 when the X-Tenant-Id signal names another tenant than the credential', async () => {
    const response = await platform.call(EU, 'GET', `/v1/tenants/${euTenant.tenantId}`, {
      token: euAdminTokens.idToken,
      headers: { 'x-tenant-id': usTenant.tenantId },
    });

    expectProblem(response, 403, 'forbidden');
  });

  it.each([
    ['the eu-central-1 tenant', EU, () => euTenant],
    ['the us-east-1 tenant', US, () => usTenant],
  ] as const)('lets a platform admin read %s in its home region', async (_name, region, tenant) => {
    const response = await platform.call(region, 'GET', `/v1/tenants/${tenant().tenantId}`, { token: platformTokens.accessToken });

    expect(response.status).toBe(200);
    expect(response.json).toEqual(expect.objectContaining({ tenantId: tenant().tenantId, region }));
  });

  it('answers 421 with the home region and its endpoint when a tenant is read in another region', async () => {
    const response = await platform.call(EU, 'GET', `/v1/tenants/${usTenant.tenantId}`, { token: platformTokens.accessToken });

    expectProblem(response, 421, 'wrong-region');
    expect(response.json).toEqual(expect.objectContaining({ region: US, endpoint: platform.endpoints[US] }));
  });
});

describe('gateway', () => {
  it('answers 404 problem+json for an unknown route', async () => {
    expectProblem(await platform.call(EU, 'GET', '/v1/no-such-thing'), 404, 'route-not-found');
  });

  it('answers 404 outside the API when there is no console to serve', async () => {
    expectProblem(await platform.call(EU, 'GET', '/'), 404, 'route-not-found');
  });

  it('answers a known path with another method as API Gateway does (404 route-not-found), naming the methods in Allow', async () => {
    const response = await platform.call(EU, 'DELETE', '/v1/health');

    expectProblem(response, 404, 'route-not-found');
    expect(response.headers.get('allow')).toBe('GET');
  });

  it('answers 413 problem+json to a body over the limit', async () => {
    const { status, contentType, body } = await new Promise<{ status?: number; contentType?: string; body: string }>((done, fail) => {
      const payload = Buffer.alloc(2 * 1024 * 1024, 'a');
      const headers = { 'content-type': 'application/json', 'content-length': String(payload.length) };
      const req = request(`${platform.endpoints[EU]}/v1/health`, { method: 'POST', headers }, (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => done({ status: res.statusCode, contentType: res.headers['content-type'], body: text }));
      });
      req.on('error', fail);
      req.end(payload);
    });

    expect({ status, code: JSON.parse(body).code }).toEqual({ status: 413, code: 'request-too-large' });
    expect(contentType).toMatch(/^application\/problem\+json/);
  });

  it('answers malformed JSON with 400 or 422, never 5xx, on every route that takes a body', async () => {
    const routesWithBody = ROUTES.filter((route) => 'body' in route.request);
    const answers: { operationId: string; status: number }[] = [];
    for (const route of routesWithBody) {
      const path = route.path.replace(/\{(\w+)\}/g, (_match, name: string) => (name === 'tenantId' ? euTenant.tenantId : 'x'));
      const token =
        route.access !== 'public' && (route.access as readonly string[]).includes('tenant-admin') ? euAdminTokens.idToken : platformTokens.accessToken;
      const response = await platform.call(EU, route.method, path, { token, headers: { 'content-type': 'application/json' }, body: '{"name": ' });

      answers.push({ operationId: route.operationId, status: response.status });
    }

    expect(answers.filter(({ status }) => status !== 400 && status !== 422)).toEqual([]);
  });
});
