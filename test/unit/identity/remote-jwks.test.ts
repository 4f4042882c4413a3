import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAuthorizer } from '../../../functions/api/authorizer';
import { parseRuntimeConfig } from '../../../functions/api/runtime-config';
import { authorizerEvent, bearer, clock, FakeMembers, FakeIssuerRegistry, idToken, tenantPool, type Pool } from './fixtures';

/**
 * The default key sets against real JWKS endpoints on 127.0.0.1 (http, as cognito-local serves them): each
 * issuer's JWKS is fetched once however many requests come, and each issuer only ever gets its own keys.
 */
describe('authorizer with remote JWKS', () => {
  let server: Server;
  let requests: string[];
  let acme: Pool;
  let globex: Pool;

  beforeAll(async () => {
    requests = [];
    server = createServer((request, response) => {
      requests.push(request.url ?? '');
      const pool = [acme, globex].find((candidate) => new URL(candidate.jwksUri).pathname === request.url);
      response.writeHead(pool ? 200 : 404, { 'content-type': 'application/json' });
      response.end(JSON.stringify(pool ? { keys: [pool.key.publicJwk] } : {}));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    [acme, globex] = await Promise.all([tenantPool('acme', base), tenantPool('globex', base)]);
  });

  afterAll(async () => {
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  });

  beforeEach(() => {
    requests.length = 0;
  });

  function authorizer() {
    return createAuthorizer(parseRuntimeConfig({ AWS_REGION: 'eu-central-1', TABLE_NAME: 'agent-platform' }), {
      issuers: new FakeIssuerRegistry([acme, globex]),
      clock,
      members: new FakeMembers().set('acme', 'user-1', 'tenant-admin').set('globex', 'user-1', 'tenant-admin'),
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined },
    });
  }

  function getTenant(pool: Pool, token: string) {
    const tenantId = pool.registration.kind === 'tenant' ? pool.registration.tenantId : '';
    return authorizerEvent({ method: 'GET', resource: '/v1/tenants/{tenantId}', pathParameters: { tenantId }, headers: bearer(token) });
  }

  it('fetches each issuer JWKS once across many calls', async () => {
    // Prepare
    const authorize = authorizer();
    const events = await Promise.all(
      [acme, globex, acme, acme, globex, acme, globex, acme].map(async (pool) => getTenant(pool, await idToken(pool, { groups: ['tenant-admin'] }))),
    );

    // Act
    const results = [];
    for (const event of events) results.push(await authorize(event));

    // Assess
    expect(results.map((result) => result.policyDocument.Statement[0])).toEqual(events.map(() => expect.objectContaining({ Effect: 'Allow' })));
    expect(requests.sort()).toEqual([new URL(acme.jwksUri).pathname, new URL(globex.jwksUri).pathname].sort());
  });

  it('never verifies an issuer token with the keys of another issuer', async () => {
    // Prepare: globex's JWKS is already cached; a token claiming acme is signed with globex's key
    const authorize = authorizer();
    await authorize(getTenant(globex, await idToken(globex, { groups: ['tenant-admin'] })));
    const forged = await idToken(acme, { groups: ['tenant-admin'], key: globex.key });

    // Act
    const outcome = authorize(getTenant(acme, forged));

    // Assess
    await expect(outcome).rejects.toThrow('Unauthorized');
    expect(requests).toEqual([new URL(globex.jwksUri).pathname, new URL(acme.jwksUri).pathname]);
  });
});
