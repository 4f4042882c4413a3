import { corsPolicy } from '../../../functions/core/cors';
import { createGroupHandler, type Operation } from '../../../functions/core/http';
import { createLogger } from '../../../functions/core/logger';
import { WWW_AUTHENTICATE } from '../../../functions/core/response-conventions';
import type { AuthContext } from '../../../functions/core/auth-context';
import { routesOf } from '../../../functions/routes';
import { lambdaContext, restEvent, type RestEventOptions } from '../../support/rest-event';

const admin: AuthContext = { principalType: 'user', principalId: 'u-1', tenantId: 'acme', roles: ['tenant-admin'], memberId: 'm-1' };
const CONSOLE = 'https://console.acme.example';

const apiKey = { keyId: 'k-1', name: 'ci', role: 'member', prefix: 'apk.acme.k-1', key: 'apk.acme.k-1.secret', createdAt: '2026-11-01T00:00:00.000Z' };

/** The api-keys group with stub operations: what the conventions add does not depend on the services. */
function apiKeysHandler(calls: string[] = []) {
  const operations: Record<string, Operation> = {
    listApiKeys: async () => {
      calls.push('listApiKeys');
      return { body: { items: [] } };
    },
    createApiKey: async () => {
      calls.push('createApiKey');
      return { status: 201, body: apiKey, headers: { location: '/v1/tenants/acme/api-keys/k-1' } };
    },
    revokeApiKey: async () => {
      calls.push('revokeApiKey');
      return { status: 204, body: null };
    },
  };
  return createGroupHandler({ logger: createLogger('test', 'ERROR'), routes: routesOf('api-keys'), operations, cors: corsPolicy([CONSOLE]) });
}

function call(options: Partial<RestEventOptions> & Pick<RestEventOptions, 'method' | 'resource'>, calls: string[] = []) {
  return apiKeysHandler(calls)(restEvent({ auth: admin, pathParameters: { tenantId: 'acme', keyId: '0123456789abcdef0123' }, ...options }), lambdaContext());
}

const KEYS = '/v1/tenants/{tenantId}/api-keys';
const KEY = '/v1/tenants/{tenantId}/api-keys/{keyId}';

describe('HTTP conventions of every answer', () => {
  it('answers 415 unsupported-media-type to a body that is not JSON, before the operation runs', async () => {
    // Prepare
    const calls: string[] = [];

    // Act
    const result = await call({ method: 'POST', resource: KEYS, headers: { 'Content-Type': 'text/plain' }, body: 'name=ci' }, calls);

    // Assess
    expect(result.statusCode).toBe(415);
    expect(JSON.parse(result.body)).toMatchObject({ status: 415, code: 'unsupported-media-type' });
    expect(calls).toEqual([]);
  });

  it('reads application/json with a charset and +json media types', async () => {
    const plain = await call({
      method: 'POST',
      resource: KEYS,
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      body: '{"name":"ci","role":"member"}',
    });
    const suffixed = await call({
      method: 'POST',
      resource: KEYS,
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: '{"name":"ci","role":"member"}',
    });
    expect([plain.statusCode, suffixed.statusCode]).toEqual([201, 201]);
  });

  it('answers 400 malformed-request to text that is not JSON and 422 to a __proto__ key', async () => {
    const malformed = await call({ method: 'POST', resource: KEYS, headers: { 'Content-Type': 'application/json' }, body: '{"name":' });
    const polluting = await call({
      method: 'POST',
      resource: KEYS,
      headers: { 'Content-Type': 'application/json' },
      body: '{"__proto__":{"admin":true},"name":"ci","role":"member"}',
    });
    expect([malformed.statusCode, JSON.parse(malformed.body).code]).toEqual([400, 'malformed-request']);
    expect([polluting.statusCode, JSON.parse(polluting.body).code]).toEqual([422, 'validation-failed']);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('answers 204 with no body and no content type', async () => {
    const result = await call({ method: 'DELETE', resource: KEY });
    expect(result.statusCode).toBe(204);
    expect(result.body).toBe('');
    expect(result.headers?.['content-type']).toBeUndefined();
  });

  it('marks every answer Cache-Control: no-store, above all the one that shows a new API key', async () => {
    const created = await call({ method: 'POST', resource: KEYS, headers: { 'Content-Type': 'application/json' }, body: '{"name":"ci","role":"member"}' });
    const refused = await call({ method: 'GET', resource: KEYS, query: { limit: '0' } });
    expect(created.statusCode).toBe(201);
    expect(created.headers?.['cache-control']).toBe('no-store');
    expect(created.headers?.location).toBe('/v1/tenants/acme/api-keys/k-1');
    expect(refused.statusCode).toBe(400);
    expect(refused.headers?.['cache-control']).toBe('no-store');
  });

  it('challenges with WWW-Authenticate on 401', async () => {
    const result = await apiKeysHandler()(restEvent({ method: 'GET', resource: KEYS, pathParameters: { tenantId: 'acme' } }), lambdaContext());
    expect(result.statusCode).toBe(401);
    expect(result.headers?.['www-authenticate']).toBe(WWW_AUTHENTICATE);
  });

  it('gives every read an ETag and answers 304 with no body when If-None-Match names it', async () => {
    // Prepare
    const first = await call({ method: 'GET', resource: KEYS });
    const etag = String(first.headers?.etag);

    // Act
    const again = await call({ method: 'GET', resource: KEYS, headers: { 'If-None-Match': etag } });
    const other = await call({ method: 'GET', resource: KEYS, headers: { 'If-None-Match': 'W/"something-else"' } });

    // Assess
    expect(first.statusCode).toBe(200);
    expect(etag).toMatch(/^W\/".+"$/);
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers?.['content-type']).toBeUndefined();
    expect(again.headers?.etag).toBe(etag);
    expect(other.statusCode).toBe(200);
  });

  it('allows a listed console origin with credentials, never *, and gives an unlisted origin nothing', async () => {
    const allowed = await call({ method: 'GET', resource: KEYS, headers: { Origin: CONSOLE } });
    const refused = await call({ method: 'GET', resource: KEYS, headers: { Origin: 'https://evil.example' } });
    expect(allowed.headers).toMatchObject({ 'access-control-allow-origin': CONSOLE, 'access-control-allow-credentials': 'true', vary: 'Origin' });
    expect(String(allowed.headers?.['access-control-expose-headers'])).toContain('ETag');
    expect(refused.headers?.['access-control-allow-origin']).toBeUndefined();
    expect(refused.headers?.vary).toBe('Origin');
  });

  it('refuses a CORS origin list with * or a path in it', () => {
    expect(() => corsPolicy(['*'])).toThrow(RangeError);
    expect(() => corsPolicy(['https://console.example/app'])).toThrow(RangeError);
  });
});
