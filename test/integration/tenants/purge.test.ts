import { BatchWriteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../../functions/core/errors';
import { agentCollectionKeys } from '../../../functions/agents/agent.repository';
import { tenantPrefix } from '../../../functions/data/keys';
import * as keys from '../../../functions/data/table-keys';
import { TENANT_DATA_CATALOGUE } from '../../../functions/tenant-data.catalogue';
import { TenantPurge } from '../../../functions/tenants/tenant-purge';
import { createLifecycleFixture, type LifecycleFixture } from './lifecycle-fixture';

const EU = 'eu-central-1';
let fixture: LifecycleFixture;

beforeAll(async () => {
  fixture = await createLifecycleFixture('purge');
});

afterAll(async () => {
  await fixture?.dispose();
});

it("purges every partition of the tenant's domains, agents and their memories included, and nothing of another tenant", async () => {
  // Prepare: agents with memories, a workflow with a run, a member, for two tenants
  const { db } = fixture.regions[EU].local;
  const put = (tenantId: string, item: Record<string, unknown>) => db(tenantId).send(new PutCommand({ TableName: fixture.tableName, Item: item }));
  for (const tenantId of ['purge-a', 'purge-b']) {
    for (const agentId of ['a1', 'a2']) {
      await put(tenantId, { ...keys.agent(tenantId, agentId), ...agentCollectionKeys(tenantId, '2026-11-28T00:00:00Z', agentId) });
      await put(tenantId, { ...keys.memory(tenantId, agentId, `m-${agentId}`) });
      await put(tenantId, { ...keys.memoryCounter(tenantId, agentId), count: 1 });
    }
    await put(tenantId, { ...keys.workflow(tenantId, 'w1') });
    await put(tenantId, { ...keys.run(tenantId, 'w1', 'r1') });
  }
  const before = await fixture.scanPrefix(EU, tenantPrefix('purge-b'));

  // Act
  const deleted = await new TenantPurge(db, fixture.tableName, TENANT_DATA_CATALOGUE).purge('purge-a');

  // Assess
  expect(deleted).toBe(8);
  expect(await fixture.scanPrefix(EU, tenantPrefix('purge-a'))).toEqual([]);
  expect(await fixture.scanPrefix(EU, tenantPrefix('purge-b'))).toHaveLength(before.length);
});

it('deletes what was written under the tenant keys while it ran, and gives up when items keep appearing', async () => {
  // Prepare: a client that writes a usage period item of the tenant before each of the purge's first `times` batches,
  // as a meter of another container may have while the purge ran
  const { db } = fixture.regions[EU].local;
  const tenantId = 'purge-during';
  const put = (item: Record<string, unknown>) => db(tenantId).send(new PutCommand({ TableName: fixture.tableName, Item: item }));
  const writingMeanwhile = (times: number) => {
    let written = 0;
    return (id: string) => {
      const client = db(id);
      const send = async (command: unknown) => {
        if (command instanceof BatchWriteCommand && written < times) {
          written += 1;
          await put({ ...keys.usagePeriod(id, `2031-${String(written).padStart(2, '0')}`), requests: 1 });
        }
        return client.send(command as never);
      };
      return { send } as unknown as DynamoDBDocumentClient;
    };
  };
  await put({ ...keys.tenantProfile(tenantId), status: 'OFFBOARDING' });
  await put({ ...keys.agent(tenantId, 'a1') });

  // Act
  const deleted = await new TenantPurge(writingMeanwhile(1), fixture.tableName, TENANT_DATA_CATALOGUE).purge(tenantId);
  await put({ ...keys.agent(tenantId, 'a1') });
  const endless = new TenantPurge(writingMeanwhile(Number.POSITIVE_INFINITY), fixture.tableName, TENANT_DATA_CATALOGUE).purge(tenantId);

  // Assess
  expect(deleted).toBe(3);
  await expect(endless).rejects.toThrow(`items of tenant ${tenantId} still appeared after 3 passes`);
  await new TenantPurge(db, fixture.tableName, TENANT_DATA_CATALOGUE).purge(tenantId);
  expect(await fixture.scanPrefix(EU, tenantPrefix(tenantId))).toEqual([]);
});

describe("the offboarding purge of the tenant's model credential secrets", () => {
  const HOLD = { reason: 'litigation 7', placedAt: '2026-11-28T00:00:00.000Z', placedBy: 'platform-admin:ops-1' };
  const settings = (tenantId: string, legalHold?: typeof HOLD) => ({
    ...keys.complianceSettings(tenantId),
    retention: {},
    ...(legalHold ? { legalHold } : {}),
    updatedAt: '2026-11-28T00:00:00.000Z',
    version: legalHold ? 2 : 1,
  });
  const secretsOf = async (tenantId: string, ids: readonly string[]) =>
    (await Promise.all(ids.map((id) => fixture.credentials.read(tenantId, id)))).map((stored) => stored?.current.value);

  it("deletes every secret of the tenant (an orphan no item names included), none of another tenant's, and succeeds again when retried", async () => {
    // Prepare: two secrets per tenant, one rotated with a staged value, and an orphan; a tenant whose id prefixes the other's
    const { db } = fixture.regions[EU].local;
    const ids = ['cred1', 'cred2', 'orphan'];
    for (const tenantId of ['secrets-a', 'secrets-ab']) {
      for (const id of ids) await fixture.credentials.put(tenantId, id, `${tenantId}/${id}`);
      await fixture.credentials.stage(tenantId, 'cred1', `${tenantId}/cred1 staged`);
    }
    const purge = new TenantPurge(db, fixture.tableName, TENANT_DATA_CATALOGUE, { elsewhere: [fixture.credentials] });

    // Act
    const first = await purge.purge('secrets-a');
    const again = await purge.purge('secrets-a');

    // Assess
    expect([first, again]).toEqual([3, 0]);
    expect(await secretsOf('secrets-a', ids)).toEqual([undefined, undefined, undefined]);
    expect(await secretsOf('secrets-ab', ids)).toEqual(ids.map((id) => `secrets-ab/${id}`));
  });

  it('deletes no secret while the tenant is under a legal hold, and all of them once it is lifted', async () => {
    // Prepare
    const { db } = fixture.regions[EU].local;
    const tenantId = 'secrets-held';
    await fixture.credentials.put(tenantId, 'cred1', 'held/cred1');
    await db(tenantId).send(new PutCommand({ TableName: fixture.tableName, Item: settings(tenantId, HOLD) }));
    const purge = new TenantPurge(db, fixture.tableName, TENANT_DATA_CATALOGUE, { elsewhere: [fixture.credentials] });

    // Act
    const refused = await purge.purge(tenantId).catch((error: unknown) => error);
    const heldSecret = await secretsOf(tenantId, ['cred1']);
    await db(tenantId).send(new PutCommand({ TableName: fixture.tableName, Item: settings(tenantId) }));
    await purge.purge(tenantId);

    // Assess
    expect(refused).toBeInstanceOf(ConflictError);
    expect(heldSecret).toEqual(['held/cred1']);
    expect(await secretsOf(tenantId, ['cred1'])).toEqual([undefined]);
  });
});
