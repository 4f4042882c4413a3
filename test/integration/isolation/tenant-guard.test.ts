import { GetCommand, PutCommand, QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AgentRepository, agentCollectionKeys } from '../../../functions/agents/agent.repository';
import * as keys from '../../../functions/data/table-keys';
import { TenantIsolationError } from '../../../functions/isolation/tenant-guard';
import { createIsolationFixture, type IsolationFixture } from './isolation-fixture';

/**
 * The guard on a real local table: DynamoDB Local ignores IAM, so without the guard the acme client below would read
 * globex's agent. With it, the request is refused in the process and never reaches DynamoDB Local.
 */

let fixture: IsolationFixture;

beforeAll(async () => {
  fixture = await createIsolationFixture('isolation-guard');
  // Arranged with the test's own unscoped client: the guard, not the write path, is under test here.
  const now = new Date().toISOString();
  const agent = {
    agentId: 'shared-id',
    name: 'Globex agent',
    modelId: 'local.echo',
    instructions: '',
    tools: [],
    status: 'ACTIVE',
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await fixture.inspector.send(
    new PutCommand({
      TableName: fixture.tableName,
      Item: { ...keys.agent('globex', 'shared-id'), ...agentCollectionKeys('globex', now, 'shared-id'), ...agent },
    }),
  );
});

afterAll(async () => {
  await fixture?.dispose();
});

/** Counts the requests a client actually sends (after signing, at the end of the stack). */
function countSent(client: DynamoDBDocumentClient): () => number {
  let sent = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      sent += 1;
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'countSentForTest', override: true },
  );
  return () => sent;
}

describe("a tenant's scoped client against DynamoDB Local", () => {
  it('cannot Get or Query a T#globex#… key: TenantIsolationError, and nothing is sent', async () => {
    // Prepare
    const acme = fixture.isolation.forTenant('acme');
    const sent = countSent(acme);

    // Act
    const get = acme.send(new GetCommand({ TableName: fixture.tableName, Key: keys.agent('globex', 'shared-id') }));
    const query = acme.send(
      new QueryCommand({
        TableName: fixture.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'pk' },
        ExpressionAttributeValues: { ':pk': keys.agentPartition('globex') },
      }),
    );
    const indexQuery = acme.send(
      new QueryCommand({
        TableName: fixture.tableName,
        IndexName: 'byCollection',
        KeyConditionExpression: '#c = :c',
        ExpressionAttributeNames: { '#c': 'collectionPk' },
        ExpressionAttributeValues: { ':c': keys.agentsByCreated('globex') },
      }),
    );
    const scan = acme.send(new ScanCommand({ TableName: fixture.tableName }));

    // Assess
    for (const attempt of [get, query, indexQuery, scan]) await expect(attempt).rejects.toBeInstanceOf(TenantIsolationError);
    expect(sent()).toBe(0);
    // The counter does count: the tenant's own key goes through.
    await acme.send(new GetCommand({ TableName: fixture.tableName, Key: keys.agent('acme', 'shared-id') }));
    expect(sent()).toBe(1);
  });

  it("cannot write into globex's partition or its index collection", async () => {
    // Prepare
    const acme = fixture.isolation.forTenant('acme');
    const sent = countSent(acme);

    // Act
    const intoPartition = acme.send(new PutCommand({ TableName: fixture.tableName, Item: { ...keys.agent('globex', 'planted'), name: 'x' } }));
    const intoIndex = acme.send(
      new PutCommand({
        TableName: fixture.tableName,
        Item: { ...keys.agent('acme', 'planted'), ...agentCollectionKeys('globex', '2026-01-01T00:00:00.000Z', 'planted') },
      }),
    );

    // Assess
    await expect(intoPartition).rejects.toBeInstanceOf(TenantIsolationError);
    await expect(intoIndex).rejects.toBeInstanceOf(TenantIsolationError);
    expect(sent()).toBe(0);
    expect(await fixture.scanPrefix('T#globex#')).toHaveLength(1);
    expect(await fixture.scanPrefix('T#acme#')).toHaveLength(0);
  });

  it('reads its own keys, and an id that exists only for globex is simply not there for acme', async () => {
    // Prepare
    const acme = new AgentRepository({ db: fixture.isolation.forTenant('acme'), tableName: fixture.tableName, tenantId: 'acme', cursors: fixture.cursors });

    // Act
    const got = await acme.get('shared-id');
    const page = await acme.list({ order: 'newest', limit: 10 });

    // Assess
    expect(got).toBeUndefined();
    expect(page).toEqual({ items: [] });
  });

  it('the platform client reads platform keys and cannot read tenant data', async () => {
    // Prepare
    const platform = fixture.isolation.platformDb();
    await platform.send(new PutCommand({ TableName: fixture.tableName, Item: { ...keys.tenantDirectory('globex'), slug: 'globex' } }));

    // Act
    const entry = await platform.send(new GetCommand({ TableName: fixture.tableName, Key: keys.tenantDirectory('globex') }));
    const profile = platform.send(new GetCommand({ TableName: fixture.tableName, Key: keys.tenantProfile('globex') }));

    // Assess
    expect(entry.Item?.slug).toBe('globex');
    await expect(profile).rejects.toBeInstanceOf(TenantIsolationError);
  });
});
