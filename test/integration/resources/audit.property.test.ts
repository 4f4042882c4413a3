import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { SEALED_LANE } from '../../../functions/audit/audit-chain';
import * as keys from '../../../functions/data/table-keys';
import { auditor, member, resourceFixture } from '../../support/resources';

/**
 * Property 11, tenant-scoped audit trails: after random operations by several tenants at once, each tenant's log
 * holds exactly its own actions, in order, reported unsealed until the sealer runs and verifying once sealed; editing,
 * deleting or reordering any single sealed entry makes verify fail at that entry.
 */
const fixture = resourceFixture({ containers: 2 });
afterAll(() => fixture.close());

type Op =
  | { kind: 'createAgent'; actor: number }
  | { kind: 'updateAgent'; actor: number; pick: number }
  | { kind: 'createMemory'; actor: number; pick: number }
  | { kind: 'deleteMemory'; actor: number; pick: number };

const actorArb = fc.nat({ max: 2 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('createAgent' as const), actor: actorArb }),
  fc.record({ kind: fc.constant('updateAgent' as const), actor: actorArb, pick: fc.nat() }),
  fc.record({ kind: fc.constant('createMemory' as const), actor: actorArb, pick: fc.nat() }),
  fc.record({ kind: fc.constant('deleteMemory' as const), actor: actorArb, pick: fc.nat() }),
);

interface Expected {
  readonly action: string;
  readonly actor: string;
  readonly target: string;
}

/** Runs a tenant's operations one after another (alternating containers); returns what its log must hold. */
async function runOps(tenantId: string, ops: Op[]): Promise<Expected[]> {
  const expected: Expected[] = [];
  const agents: string[] = [];
  const memories: { agentId: string; memoryId: string }[] = [];
  for (const [i, op] of ops.entries()) {
    const auth = member(tenantId, `u-${op.actor}`);
    const actor = `user:u-${op.actor}`;
    const container = i % 2;
    if (op.kind === 'createAgent' || agents.length === 0) {
      const r = await fixture.call('agents', 'POST', '/v1/tenants/{tenantId}/agents', {
        container,
        auth,
        pathParameters: { tenantId },
        body: { name: 'n', modelId: 'local.echo' },
      });
      if (r.statusCode !== 201) continue;
      agents.push(r.json.agentId);
      expected.push({ action: 'agent.create', actor, target: `agent/${r.json.agentId}` });
    } else if (op.kind === 'updateAgent') {
      const agentId = agents[op.pick % agents.length];
      const r = await fixture.call('agents', 'PATCH', '/v1/tenants/{tenantId}/agents/{agentId}', {
        container,
        auth,
        pathParameters: { tenantId, agentId },
        body: { name: `n${i}` },
      });
      expect(r.statusCode).toBe(200);
      expected.push({ action: 'agent.update', actor, target: `agent/${agentId}` });
    } else if (op.kind === 'createMemory' || memories.length === 0) {
      const agentId = agents[op.pick % agents.length];
      const r = await fixture.call('memories', 'POST', '/v1/tenants/{tenantId}/agents/{agentId}/memories', {
        container,
        auth,
        pathParameters: { tenantId, agentId },
        body: { content: `c${i}` },
      });
      expect(r.statusCode).toBe(201);
      memories.push({ agentId, memoryId: r.json.memoryId });
      expected.push({ action: 'memory.create', actor, target: `agent/${agentId}/memory/${r.json.memoryId}` });
    } else {
      const [{ agentId, memoryId }] = memories.splice(op.pick % memories.length, 1);
      const r = await fixture.call('memories', 'DELETE', '/v1/tenants/{tenantId}/agents/{agentId}/memories/{memoryId}', {
        container,
        auth,
        pathParameters: { tenantId, agentId, memoryId },
      });
      expect(r.statusCode).toBe(204);
      expected.push({ action: 'memory.delete', actor, target: `agent/${agentId}/memory/${memoryId}` });
    }
  }
  return expected;
}

async function readLog(tenantId: string): Promise<Expected[]> {
  const entries: Expected[] = [];
  let cursor: string | undefined;
  do {
    const page = await fixture.call('audit', 'GET', '/v1/tenants/{tenantId}/audit', {
      pathParameters: { tenantId },
      auth: auditor(tenantId),
      query: { limit: '4', ...(cursor ? { cursor } : {}) },
    });
    expect(page.statusCode).toBe(200);
    entries.push(...page.json.items.map((e: Expected & { tenantId: string }) => ({ action: e.action, actor: e.actor, target: e.target, tenant: e.tenantId })));
    cursor = page.json.nextCursor;
  } while (cursor);
  return entries;
}

const verify = async (tenantId: string) =>
  (await fixture.call('audit', 'GET', '/v1/tenants/{tenantId}/audit/verify', { pathParameters: { tenantId }, auth: auditor(tenantId) })).json;

describe('property 11: tenant-scoped audit trails', () => {
  it("holds exactly each tenant's own actions in order, verifies, and breaks at any single tampered entry", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(opArb, { minLength: 1, maxLength: 10 }), { minLength: 2, maxLength: 3 }),
        fc.constantFrom('edit', 'edit', 'delete', 'swap'),
        fc.constantFrom('id', 'time', 'actor', 'action', 'target', 'requestId', 'digest', 'prevHash', 'hash', 'seq', 'tenantId'),
        fc.nat(),
        async (opsPerTenant, tamper, field, pick) => {
          const tenants = await Promise.all(opsPerTenant.map(() => fixture.createTenant('team')));
          const expected = await Promise.all(tenants.map((tenantId, i) => runOps(tenantId, opsPerTenant[i])));

          for (const [i, tenantId] of tenants.entries()) {
            expect(await verify(tenantId)).toMatchObject({ valid: true, entries: 0, unsealed: { entries: expected[i].length } });
            await Promise.all(fixture.executors.map(() => fixture.seal(tenantId)));
            const log = await readLog(tenantId);
            expect(log).toEqual(expected[i].map((e) => ({ ...e, tenant: tenantId })));
            expect(await verify(tenantId)).toMatchObject({ valid: true, entries: expected[i].length, unsealed: { entries: 0 } });
          }

          // Tamper with one sealed entry of the first tenant's log.
          const tenantId = tenants[0];
          const items = await fixture.queryAll({
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': keys.auditLanePartition(tenantId, SEALED_LANE) },
          });
          const k = pick % items.length;
          const item = items[k];
          let expectedSeq = k + 1;
          if (tamper === 'edit') {
            const value = item[field];
            const edited = typeof value === 'number' ? value + 1 : field === 'time' ? new Date(Date.parse(String(value)) + 1).toISOString() : `${value}0`;
            await fixture.raw.send(new PutCommand({ TableName: fixture.tableName, Item: { ...item, [field]: edited } }));
          } else if (tamper === 'delete') {
            await fixture.raw.send(new DeleteCommand({ TableName: fixture.tableName, Key: { pk: item.pk, sk: item.sk } }));
          } else {
            if (items.length < 2) return;
            const j = k === items.length - 1 ? k - 1 : k + 1;
            const other = items[j];
            await fixture.raw.send(new PutCommand({ TableName: fixture.tableName, Item: { ...other, pk: item.pk, sk: item.sk } }));
            await fixture.raw.send(new PutCommand({ TableName: fixture.tableName, Item: { ...item, pk: other.pk, sk: other.sk } }));
            expectedSeq = Math.min(k, j) + 1;
          }
          const result = await verify(tenantId);
          expect(result.valid).toBe(false);
          expect(result.firstBroken).toMatchObject({ lane: item.lane, seq: expectedSeq });
          // The other tenants' logs are untouched and still verify.
          for (const other of tenants.slice(1)) expect((await verify(other)).valid).toBe(true);
        },
      ),
      { numRuns: 15, verbose: true },
    );
  }, 180_000);
});
