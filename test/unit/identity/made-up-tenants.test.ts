import type { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { marshall } from '@aws-sdk/util-dynamodb';
import { createAuthorizer } from '../../../functions/api/authorizer';
import { parseRuntimeConfig } from '../../../functions/api/runtime-config';
import * as keys from '../../../functions/data/table-keys';
import { newApiKey } from '../../../functions/identity/api-key.secret';
import { createIsolation } from '../../../functions/isolation/tenant-db';
import { StsCredentialSource } from '../../../functions/isolation/token-vending-machine';
import type { TenantStatus } from '../../../functions/tenants/tenant.schema';
import { stubDynamoDbHandler } from '../../support/stub-dynamodb-handler';
import { apiKeyHeader, authorizerEvent, bearer, clock, FakeJwksHost, idToken, tenantPool, type Pool } from './fixtures';

/**
 * Anonymous callers can make up tenant ids: in a well-formed API key, or in a token of a pool nobody registered.
 * None of them may cost an STS AssumeRole or push a real tenant's credentials out of the container's cache. The
 * authorizer runs here with its real wiring (directory, issuer registry, token vending machine over an STS port);
 * only STS and DynamoDB are stand-ins.
 */

const TABLE = 'agent-platform';
const config = parseRuntimeConfig({
  AWS_REGION: 'eu-central-1',
  TABLE_NAME: TABLE,
  DYNAMODB_ENDPOINT: 'http://127.0.0.1:1',
  DATA_CREDENTIALS: 'sts',
  TENANT_DATA_ROLE_ARN: 'arn:aws:iam::111122223333:role/TenantData',
  PLATFORM_DATA_ROLE_ARN: 'arn:aws:iam::111122223333:role/PlatformData',
});
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined };
const LIST_AGENTS = { method: 'GET', resource: '/v1/tenants/{tenantId}/agents' } as const;

/** STS that counts AssumeRole calls by session name. */
function countingSts() {
  const sessions: string[] = [];
  const sts = {
    send: async (command: AssumeRoleCommand) => {
      sessions.push(String(command.input.RoleSessionName));
      const Expiration = new Date(Date.now() + 900_000);
      return { Credentials: { AccessKeyId: 'ASIA1', SecretAccessKey: 's', SessionToken: 't', Expiration } };
    },
  };
  return { sts, sessions };
}

/** A table of the given items, read by key (GetItem only: the authorizer reads nothing else). */
function memoryTable(items: readonly Record<string, unknown>[]) {
  const byKey = new Map(items.map((item) => [`${item.pk}|${item.sk}`, item]));
  return (target: string, body: string) => {
    if (!target.endsWith('.GetItem')) throw new Error(`unexpected ${target}`);
    const { Key } = JSON.parse(body) as { Key: { pk: { S: string }; sk: { S: string } } };
    const item = byKey.get(`${Key.pk.S}|${Key.sk.S}`);
    return item ? { Item: marshall(item) } : {};
  };
}

function directoryEntry(tenantId: string, status: TenantStatus) {
  return { ...keys.tenantDirectory(tenantId), tenantId, slug: tenantId, region: 'eu-central-1', status, emailDomains: [], branding: {} };
}

/** A stored member key of the tenant; returns the item and the key. */
function storedKey(tenantId: string) {
  const made = newApiKey(tenantId);
  const item = {
    ...keys.apiKey(tenantId, made.keyId),
    tenantId,
    keyId: made.keyId,
    name: 'ci',
    role: 'member',
    prefix: made.prefix,
    secretHash: made.secretHash,
    createdAt: '2026-05-01T00:00:00.000Z',
    createdBy: 'user:admin',
  };
  return { item, key: made.key };
}

function keyEvent(tenantId: string, key: string) {
  return authorizerEvent({ ...LIST_AGENTS, pathParameters: { tenantId }, headers: apiKeyHeader(key) });
}

describe('made-up tenants', () => {
  let acme: Pool;
  let nobody: Pool;

  beforeAll(async () => {
    [acme, nobody] = await Promise.all([tenantPool('acme'), tenantPool('made-up-pool')]);
  });

  /**
   * Two real tenants with a key each, a deleted and a provisioning tenant with a stored key each, and acme's pool
   * registered. The credential cache holds two tenants: one made-up tenant reaching it would evict a real one.
   */
  async function subject() {
    const acmeKey = storedKey('acme');
    const globexKey = storedKey('globex');
    const deletedKey = storedKey('gone-tenant');
    const provisioningKey = storedKey('new-tenant');
    const table = stubDynamoDbHandler(
      memoryTable([
        directoryEntry('acme', 'ACTIVE'),
        directoryEntry('globex', 'SUSPENDED'),
        directoryEntry('gone-tenant', 'DELETED'),
        directoryEntry('new-tenant', 'PROVISIONING'),
        ...[acmeKey, globexKey, deletedKey, provisioningKey].map((stored) => stored.item),
        { ...keys.issuer(acme.issuer), ...acme.registration },
      ]),
    );
    const { sts, sessions } = countingSts();
    const isolation = createIsolation(config, {
      credentialSource: new StsCredentialSource({
        sts: sts as never,
        tenantDataRoleArn: config.TENANT_DATA_ROLE_ARN,
        platformDataRoleArn: config.PLATFORM_DATA_ROLE_ARN,
      }),
      requestHandler: table.handler,
      credentialCapacity: 2,
    });
    const authorize = createAuthorizer(config, { isolation, clock, keySetFor: new FakeJwksHost([acme, nobody]).keySetFor, logger: silent });
    const keysOf = { acme: acmeKey.key, globex: globexKey.key, deleted: deletedKey.key, provisioning: provisioningKey.key };
    // Both real tenants have been served once: their sessions are cached.
    await authorize(keyEvent('acme', keysOf.acme));
    await authorize(keyEvent('globex', keysOf.globex));
    expect(sessions).toEqual(expect.arrayContaining(['tenant-acme', 'tenant-globex']));
    return { authorize, sessions, warm: [...sessions], keys: keysOf };
  }

  it('API keys of made-up tenants get 401, cause no STS call and leave real tenants cached', async () => {
    // Prepare
    const { authorize, sessions, warm, keys: real } = await subject();
    const madeUp = Array.from({ length: 40 }, (_, i) => `made-up-${i % 20}`).map((tenantId) => ({ tenantId, key: newApiKey(tenantId).key }));

    // Act
    const outcomes = await Promise.allSettled(madeUp.map(({ tenantId, key }) => authorize(keyEvent(tenantId, key))));
    const afterwards = [await authorize(keyEvent('acme', real.acme)), await authorize(keyEvent('globex', real.globex))];

    // Assess
    expect(outcomes.every((outcome) => outcome.status === 'rejected' && String(outcome.reason) === 'Error: Unauthorized')).toBe(true);
    expect(afterwards.map((result) => result.policyDocument.Statement[0].Effect)).toEqual(['Allow', 'Allow']);
    expect(sessions).toEqual(warm);
  });

  it.each([
    ['deleted', 'gone-tenant'],
    ['provisioning', 'new-tenant'],
  ] as const)('a stored key of a %s tenant gets the same 401 as a bad key, with no STS call', async (kind, tenantId) => {
    // Prepare
    const { authorize, sessions, warm, keys: stored } = await subject();

    // Act
    const outcome = authorize(keyEvent(tenantId, stored[kind]));

    // Assess
    await expect(outcome).rejects.toThrow(new Error('Unauthorized'));
    expect(sessions).toEqual(warm);
  });

  it('bearer tokens of an unregistered pool, or naming a made-up tenant, get 401 with no STS call', async () => {
    // Prepare
    const { authorize, sessions, warm, keys: real } = await subject();
    const tokens = [
      await idToken(nobody, { groups: ['tenant-admin'], claims: { 'custom:tenantId': 'made-up-tenant' } }),
      await idToken(acme, { groups: ['tenant-admin'], claims: { 'custom:tenantId': 'made-up-tenant' } }),
    ];

    // Act
    const outcomes = await Promise.allSettled(
      tokens.map((token) => authorize(authorizerEvent({ ...LIST_AGENTS, pathParameters: { tenantId: 'made-up-tenant' }, headers: bearer(token) }))),
    );
    const afterwards = await authorize(keyEvent('acme', real.acme));

    // Assess
    expect(outcomes.map((outcome) => outcome.status === 'rejected' && String(outcome.reason))).toEqual(['Error: Unauthorized', 'Error: Unauthorized']);
    expect(afterwards.policyDocument.Statement[0].Effect).toBe('Allow');
    expect(sessions).toEqual(warm);
  });
});
