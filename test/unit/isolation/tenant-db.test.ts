import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConfigError } from '../../../functions/core/config';
import { createIsolation, type IsolationConfig } from '../../../functions/isolation/tenant-db';
import { TenantIsolationError } from '../../../functions/isolation/tenant-guard';
import { CredentialVendingError, LocalCredentialSource, type CredentialScope, type CredentialSource } from '../../../functions/isolation/token-vending-machine';
import { stubDynamoDbHandler } from '../../support/stub-dynamodb-handler';

const TABLE = 'agent-platform';
const config: IsolationConfig = {
  AWS_REGION: 'eu-central-1',
  TABLE_NAME: TABLE,
  DYNAMODB_ENDPOINT: 'http://127.0.0.1:1',
  DATA_CREDENTIALS: 'local',
};

/** A source whose session token names the scope, counting fetches. */
function namingSource() {
  const fetches: CredentialScope[] = [];
  const source: CredentialSource = {
    async fetch(scope) {
      fetches.push(scope);
      const owner = scope.kind === 'tenant' ? scope.tenantId : scope.kind;
      return { accessKeyId: 'local', secretAccessKey: 'local', sessionToken: `session-${owner}`, expiration: new Date(Date.now() + 900_000) };
    },
  };
  return { source, fetches };
}

function setup(credentialSource: CredentialSource = namingSource().source, clientCapacity?: number) {
  const stub = stubDynamoDbHandler((target) => (target.endsWith('Query') ? { Items: [], Count: 0 } : {}));
  const isolation = createIsolation(config, { credentialSource, requestHandler: stub.handler, clientCapacity });
  return { isolation, sent: stub.sent };
}

describe('forTenant', () => {
  it("signs the tenant's requests with the tenant's session from the TVM", async () => {
    // Prepare
    const { source, fetches } = namingSource();
    const { isolation, sent } = setup(source);

    // Act
    await isolation.forTenant('acme').send(new GetCommand({ TableName: TABLE, Key: { pk: 'T#acme#AGENT', sk: 'AGENT#1' } }));
    await isolation.forTenant('globex').send(new GetCommand({ TableName: TABLE, Key: { pk: 'T#globex#AGENT', sk: 'AGENT#1' } }));
    await isolation.forTenant('acme').send(new GetCommand({ TableName: TABLE, Key: { pk: 'T#acme#AGENT', sk: 'AGENT#2' } }));

    // Assess
    expect(sent.map((r) => r.headers['x-amz-security-token'])).toEqual(['session-acme', 'session-globex', 'session-acme']);
    expect(sent.every((r) => r.headers.authorization.includes('Credential=local/'))).toBe(true);
    expect(fetches).toEqual([
      { kind: 'tenant', tenantId: 'acme' },
      { kind: 'tenant', tenantId: 'globex' },
    ]);
  });

  it("refuses Get and Query of another tenant's keys with TenantIsolationError, sending nothing and fetching no credentials", async () => {
    // Prepare
    const { source, fetches } = namingSource();
    const { isolation, sent } = setup(source);
    const acme = isolation.forTenant('acme');

    // Act
    const outcomes = await Promise.allSettled([
      acme.send(new GetCommand({ TableName: TABLE, Key: { pk: 'T#globex#AGENT', sk: 'AGENT#1' } })),
      acme.send(new GetCommand({ TableName: TABLE, Key: { pk: 'T#acme2#AGENT', sk: 'AGENT#1' } })),
      acme.send(
        new QueryCommand({
          TableName: TABLE,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': 'pk' },
          ExpressionAttributeValues: { ':pk': 'T#globex#AGENT' },
        }),
      ),
      acme.send(new ScanCommand({ TableName: TABLE })),
      acme.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'T#globex#AGENT' }, sk: { S: 'AGENT#1' } } })),
      acme.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: TABLE, Item: { pk: 'T#acme#AGENT', sk: 'AGENT#1' } } },
            { Delete: { TableName: TABLE, Key: { pk: 'T#globex#AGENT', sk: 'AGENT#1' } } },
          ],
        }),
      ),
    ]);

    // Assess
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(TenantIsolationError);
    }
    expect(sent).toHaveLength(0);
    expect(fetches).toHaveLength(0);
  });

  it('fails closed when credentials cannot be fetched: CredentialVendingError, nothing sent, though ambient credentials exist', async () => {
    // Prepare
    const ambient = { ...process.env };
    process.env.AWS_ACCESS_KEY_ID = 'AMBIENT';
    process.env.AWS_SECRET_ACCESS_KEY = 'AMBIENT';
    const { isolation, sent } = setup({ fetch: () => Promise.reject(new Error('AccessDenied')) });

    try {
      // Act
      const outcome = isolation.forTenant('acme').send(new GetCommand({ TableName: TABLE, Key: { pk: 'T#acme#AGENT', sk: 'AGENT#1' } }));

      // Assess
      await expect(outcome).rejects.toBeInstanceOf(CredentialVendingError);
      expect(sent).toHaveLength(0);
    } finally {
      process.env = ambient;
    }
  });

  it('keeps one client per tenant, bounded', () => {
    // Prepare
    const { isolation } = setup(undefined, 2);

    // Act
    const first = isolation.forTenant('acme');
    const again = isolation.forTenant('acme');
    isolation.forTenant('globex');
    isolation.forTenant('initech');
    const afterEviction = isolation.forTenant('acme');

    // Assess
    expect(again).toBe(first);
    expect(afterEviction).not.toBe(first);
  });

  it('refuses an invalid tenant id', () => {
    const { isolation } = setup();
    expect(() => isolation.forTenant('acme#AGENT')).toThrow(RangeError);
  });
});

describe('platformDb', () => {
  it('allows platform keys and refuses tenant keys', async () => {
    // Prepare
    const { source, fetches } = namingSource();
    const { isolation, sent } = setup(source);
    const platform = isolation.platformDb();

    // Act
    await platform.send(new GetCommand({ TableName: TABLE, Key: { pk: 'P#TENANT#acme', sk: 'DIRECTORY' } }));
    const tenantRead = platform.send(new GetCommand({ TableName: TABLE, Key: { pk: 'T#acme#TENANT', sk: 'PROFILE' } }));
    const tenantWrite = platform.send(new PutCommand({ TableName: TABLE, Item: { pk: 'P#TENANT#acme', sk: 'X', collectionPk: 'T#acme#A' } }));

    // Assess
    await expect(tenantRead).rejects.toBeInstanceOf(TenantIsolationError);
    await expect(tenantWrite).rejects.toBeInstanceOf(TenantIsolationError);
    expect(sent.map((r) => r.headers['x-amz-security-token'])).toEqual(['session-platform']);
    expect(fetches).toEqual([{ kind: 'platform' }]);
  });
});

describe('platformDb and issuerRegistryDb', () => {
  it('lets the platform client write platform keys but not the issuer registry', async () => {
    // Prepare
    const { isolation, sent } = setup();
    const platform = isolation.platformDb();
    const issuer = { pk: 'P#ISSUER#https%3A%2F%2Fevil', sk: 'ISSUER' };

    // Act
    await platform.send(new PutCommand({ TableName: TABLE, Item: { pk: 'P#SLUG#acme', sk: 'SLUG' } }));
    const refused = await Promise.allSettled([
      platform.send(new PutCommand({ TableName: TABLE, Item: { ...issuer, kind: 'platform' } })),
      platform.send(new UpdateCommand({ TableName: TABLE, Key: issuer, UpdateExpression: 'SET kind = :k', ExpressionAttributeValues: { ':k': 'platform' } })),
      platform.send(
        new TransactWriteCommand({
          TransactItems: [{ Put: { TableName: TABLE, Item: { pk: 'P#SLUG#x', sk: 'SLUG' } } }, { Delete: { TableName: TABLE, Key: issuer } }],
        }),
      ),
    ]);

    // Assess
    expect(refused.map((r) => r.status === 'rejected' && r.reason instanceof TenantIsolationError)).toEqual([true, true, true]);
    expect(sent.map((r) => r.headers['x-amz-security-token'])).toEqual(['session-platform']);
  });

  it('lets the issuer registry client write issuer registrations and nothing else', async () => {
    // Prepare
    const { source, fetches } = namingSource();
    const { isolation, sent } = setup(source);
    const registry = isolation.issuerRegistryDb();

    // Act
    await registry.send(new PutCommand({ TableName: TABLE, Item: { pk: 'P#ISSUER#https%3A%2F%2Fpool', sk: 'ISSUER' } }));
    const directoryWrite = registry.send(new PutCommand({ TableName: TABLE, Item: { pk: 'P#TENANT#acme', sk: 'DIRECTORY' } }));

    // Assess
    await expect(directoryWrite).rejects.toBeInstanceOf(TenantIsolationError);
    expect(sent.map((r) => r.headers['x-amz-security-token'])).toEqual(['session-issuers']);
    expect(fetches).toEqual([{ kind: 'issuers' }]);
  });
});

describe('directoryDb', () => {
  it('reads platform keys with the directory session and refuses every write and every tenant key', async () => {
    // Prepare
    const { source, fetches } = namingSource();
    const { isolation, sent } = setup(source);
    const directory = isolation.directoryDb();
    const entry = { pk: 'P#TENANT#acme', sk: 'DIRECTORY' };

    // Act
    await directory.send(new GetCommand({ TableName: TABLE, Key: { pk: 'P#ISSUER#https%3A%2F%2Fpool', sk: 'ISSUER' } }));
    await directory.send(
      new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'P#DOMAIN#acme.example' } }),
    );
    await directory.send(new TransactGetCommand({ TransactItems: [{ Get: { TableName: TABLE, Key: entry } }] }));
    const refused = await Promise.allSettled([
      directory.send(new PutCommand({ TableName: TABLE, Item: { ...entry, status: 'ACTIVE' } })),
      directory.send(
        new UpdateCommand({
          TableName: TABLE,
          Key: entry,
          UpdateExpression: 'SET #s = :s',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': 'ACTIVE' },
        }),
      ),
      directory.send(new DeleteCommand({ TableName: TABLE, Key: { pk: 'P#ISSUER#https%3A%2F%2Fpool', sk: 'ISSUER' } })),
      directory.send(
        new TransactWriteCommand({ TransactItems: [{ ConditionCheck: { TableName: TABLE, Key: entry, ConditionExpression: 'attribute_exists(pk)' } }] }),
      ),
      directory.send(new GetCommand({ TableName: TABLE, Key: { pk: 'T#acme#TENANT', sk: 'PROFILE' } })),
    ]);

    // Assess
    expect(refused.map((r) => r.status === 'rejected' && r.reason instanceof TenantIsolationError)).toEqual([true, true, true, true, true]);
    expect(sent).toHaveLength(3);
    expect(sent.every((r) => r.headers['x-amz-security-token'] === 'session-directory')).toBe(true);
    expect(fetches).toEqual([{ kind: 'directory' }]);
  });

  it.each([
    ['the directory read role when it has one', { DIRECTORY_DATA_ROLE_ARN: 'arn:aws:iam::111122223333:role/D' }, 'directory'],
    [
      'the platform role of a function that writes platform keys and has no read role',
      { PLATFORM_DATA_ROLE_ARN: 'arn:aws:iam::111122223333:role/P' },
      'platform',
    ],
  ] as const)('reads with %s when credentials come from STS', async (_case, roles, kind) => {
    // Prepare
    const { source, fetches } = namingSource();
    const stub = stubDynamoDbHandler();
    const isolation = createIsolation({ ...config, DATA_CREDENTIALS: 'sts', ...roles }, { credentialSource: source, requestHandler: stub.handler });

    // Act
    await isolation.directoryDb().send(new GetCommand({ TableName: TABLE, Key: { pk: 'P#TENANT#acme', sk: 'DIRECTORY' } }));
    const write = isolation.directoryDb().send(new PutCommand({ TableName: TABLE, Item: { pk: 'P#TENANT#acme', sk: 'DIRECTORY' } }));

    // Assess
    expect(fetches).toEqual([{ kind }]);
    await expect(write).rejects.toBeInstanceOf(TenantIsolationError);
  });
});

describe('createIsolation', () => {
  it('uses the local credential source with DATA_CREDENTIALS=local', async () => {
    // Prepare
    const stub = stubDynamoDbHandler();
    const isolation = createIsolation(config, { requestHandler: stub.handler });

    // Act
    const credentials = await isolation.tvm.credentialsFor('acme');

    // Assess
    expect(credentials.accessKeyId).toBe(LocalCredentialSource.ACCESS_KEY_ID);
  });

  it('refuses a tenant client without TENANT_DATA_ROLE_ARN when credentials come from STS', () => {
    // Prepare
    const isolation = createIsolation({ ...config, DATA_CREDENTIALS: 'sts', PLATFORM_DATA_ROLE_ARN: 'arn:aws:iam::111122223333:role/P' });

    // Act
    const forTenant = () => isolation.forTenant('acme');

    // Assess
    expect(forTenant).toThrow(ConfigError);
    expect(() => isolation.platformDb()).not.toThrow();
  });

  it('gives a function with only the directory read role no client that writes platform keys or the issuer registry', () => {
    // Prepare
    const isolation = createIsolation({ ...config, DATA_CREDENTIALS: 'sts', DIRECTORY_DATA_ROLE_ARN: 'arn:aws:iam::111122223333:role/D' });

    // Act / Assess
    expect(() => isolation.directoryDb()).not.toThrow();
    expect(() => isolation.platformDb()).toThrow(/PLATFORM_DATA_ROLE_ARN is required/);
    expect(() => isolation.issuerRegistryDb()).toThrow(/ISSUERS_DATA_ROLE_ARN is required/);
  });

  it('gives a function with the platform role no issuer registry client, and no directory client without any role', () => {
    // Prepare
    const writer = createIsolation({ ...config, DATA_CREDENTIALS: 'sts', PLATFORM_DATA_ROLE_ARN: 'arn:aws:iam::111122223333:role/P' });
    const none = createIsolation({ ...config, DATA_CREDENTIALS: 'sts' });

    // Act / Assess
    expect(() => writer.issuerRegistryDb()).toThrow(ConfigError);
    expect(() => none.directoryDb()).toThrow(/DIRECTORY_DATA_ROLE_ARN is required/);
  });
});
