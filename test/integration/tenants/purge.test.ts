import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { agentCollectionKeys } from '../../../functions/agents/agent.repository';
import { keys, tenantPrefix } from '../../../functions/data/keys';
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
