import { CreateTableCommand, DeleteTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createHandler } from '../../functions/api/memory-expiry';
import { parseRuntimeConfig } from '../../functions/api/runtime-config';
import { platformKey } from '../../functions/data/keys';
import * as keys from '../../functions/data/table-keys';
import { TABLE_SCHEMA } from '../../functions/data/table.schema';
import { createTableInput, localDynamoDbClient } from '../../local/bootstrap';
import { LOCAL_REGIONS } from '../../local/platform.config';
import { expireAndConsume } from '../../local/ttl-expiry';
import { emulatorEndpoints } from '../support/emulators';

/**
 * DynamoDB Local keeps expired items forever; the local platform deletes them as DynamoDB's TTL does and hands the
 * removals the region stack's filter passes to the function AWS invokes with them, so an expired memory gives back
 * its quota locally too, and a tenant under a legal hold keeps what expired.
 */
const [EU] = LOCAL_REGIONS;
const { ttlAttribute: TTL, ownExpiryAttribute: OWN } = TABLE_SCHEMA;
const endpoint = emulatorEndpoints().dynamoDbEndpoint;
const raw = localDynamoDbClient(endpoint, EU);
const docs = DynamoDBDocumentClient.from(raw);
const tableName = `ttl-${process.pid}-${Date.now()}`;
const NOW = 2_000_000_000;

beforeAll(async () => {
  await raw.send(new CreateTableCommand(createTableInput(tableName)));
  await waitUntilTableExists({ client: raw, maxWaitTime: 30 }, { TableName: tableName });
});

afterAll(async () => {
  await raw.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
  raw.destroy();
});

const put = (item: Record<string, unknown>) => docs.send(new PutCommand({ TableName: tableName, Item: item }));
const stored = async () => ((await docs.send(new ScanCommand({ TableName: tableName }))).Items ?? []) as Record<string, unknown>[];
const keyOf = (item: Record<string, unknown>) => `${item.pk} ${item.sk}`;

describe('the local TTL emulation', () => {
  it('deletes what has expired, as DynamoDB does, and hands the removals of expiring kinds to their consumer', async () => {
    // Prepare: a tenant with one memory past its TTL and one before it, a held tenant with an expired memory, an
    // expired idempotency record and platform item, a TTL that is not a number and one more than five years old
    const memory = (tenantId: string, id: string, ttl: number) => ({ ...keys.memory(tenantId, 'a1', id), memoryId: id, content: 'x', [TTL]: ttl });
    for (const tenantId of ['ttl-free', 'ttl-held']) {
      await put({ ...keys.tenantProfile(tenantId), plan: 'team', status: 'ACTIVE' });
      await put({ ...keys.memoryCounter(tenantId, 'a1'), count: 2, bytes: 2 });
    }
    await put({
      ...keys.complianceSettings('ttl-held'),
      retention: {},
      updatedAt: '2033-01-01T00:00:00.000Z',
      version: 2,
      legalHold: { reason: 'audit', placedAt: '2033-01-01T00:00:00.000Z', placedBy: 'ops' },
    });
    const expired = [memory('ttl-free', 'm-old', NOW - 10), memory('ttl-held', 'm-held', NOW - 10)];
    const otherExpired = [
      { pk: 'T#ttl-free#IDEMPOTENCY#03', sk: 'k1', [TTL]: NOW - 1 },
      { pk: platformKey('SESSION', 's1'), sk: 'S', [TTL]: NOW - 1 },
    ];
    const kept = [
      memory('ttl-free', 'm-new', NOW + 3_600),
      { ...memory('ttl-free', 'm-text', 0), [TTL]: String(NOW - 10) },
      memory('ttl-free', 'm-ancient', NOW - 6 * 365 * 86_400),
    ];
    for (const item of [...expired, ...otherExpired, ...kept]) await put(item);
    const config = parseRuntimeConfig({ AWS_REGION: EU, TABLE_NAME: tableName, DYNAMODB_ENDPOINT: endpoint, DATA_CREDENTIALS: 'local', LOG_LEVEL: 'ERROR' });
    const consumer = createHandler(config);

    // Act
    const consumed = await expireAndConsume(raw, tableName, EU, async () => consumer, NOW);
    const again = await expireAndConsume(raw, tableName, EU, async () => consumer, NOW);

    // Assess
    expect([consumed, again]).toEqual([2, 0]);
    const after = await stored();
    const present = new Set(after.map(keyOf));
    expect([...expired.slice(0, 1), ...otherExpired].filter((item) => present.has(keyOf(item)))).toEqual([]);
    expect(kept.every((item) => present.has(keyOf(item)))).toBe(true);
    const held = after.find((item) => keyOf(item) === keyOf(expired[1]));
    expect(held).toMatchObject({ memoryId: 'm-held', [OWN]: NOW - 10 });
    expect(held?.[TTL]).toBeUndefined();
    const counter = (tenantId: string) => after.find((item) => keyOf(item) === keyOf(keys.memoryCounter(tenantId, 'a1')));
    expect(counter('ttl-free')?.count).toBe(1);
    expect(counter('ttl-held')?.count).toBe(2);
    const actions = (tenantId: string) => after.filter((item) => String(item.pk).startsWith(`T#${tenantId}#AUDIT`)).map((item) => item.action);
    expect(actions('ttl-free')).toEqual(['memory.expire']);
    expect(actions('ttl-held')).toEqual(['legal-hold.keep']);
  });
});
