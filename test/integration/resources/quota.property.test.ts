import { GetCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import * as keys from '../../../functions/data/table-keys';
import { quotaCounters } from '../../../functions/quotas/quota.counters';
import { resourceFixture } from '../../support/resources';

/**
 * Property 3, resource quota enforcement: random sequences of creates and deletes, up to 64 in flight at once and
 * spread over several containers (each with its own executor), never take a counter past its plan limit, and when
 * they have settled every counter equals the number of items it counts.
 */
const LIMITS = { agents: 4, memoriesPerAgent: 6 };
const CONTAINERS = 3;
const fixture = resourceFixture({ containers: CONTAINERS, limits: { free: LIMITS } });
afterAll(() => fixture.close());

type Command =
  | { kind: 'createAgent'; container: number }
  | { kind: 'deleteAgent'; pick: number; container: number }
  | { kind: 'createMemory'; agent: number; container: number }
  | { kind: 'deleteMemory'; pick: number; container: number };

const containerArb = fc.nat({ max: CONTAINERS - 1 });
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('createAgent' as const), container: containerArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteAgent' as const), pick: fc.nat(), container: containerArb }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('createMemory' as const), agent: fc.nat({ max: 2 }), container: containerArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('deleteMemory' as const), pick: fc.nat(), container: containerArb }) },
);

async function counterValue(key: { pk: string; sk: string }): Promise<number> {
  const { Item } = await fixture.raw.send(new GetCommand({ TableName: fixture.tableName, Key: key, ConsistentRead: true }));
  return Number(Item?.count ?? 0);
}

describe('property 3: resource quota enforcement', () => {
  it('never lets a counter exceed its limit under concurrent creates and deletes, and counters equal item counts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(commandArb, { minLength: 1, maxLength: 64 }), { minLength: 1, maxLength: 3 }), async (rounds) => {
        const tenantId = await fixture.createTenant('free');
        // Three agents exist from the start so memories have owners; agents beyond them are created by the commands.
        const seedAgents: string[] = [];
        for (let i = 0; i < 3; i++) {
          const created = await fixture.call('agents', 'POST', '/v1/tenants/{tenantId}/agents', {
            pathParameters: { tenantId },
            body: { name: `seed ${i}`, modelId: 'local.echo' },
          });
          expect(created.statusCode).toBe(201);
          seedAgents.push(created.json.agentId);
        }
        const agents = new Set<string>(seedAgents);
        const memories = new Map<string, string>(); // memoryId -> agentId
        const overLimit: string[] = [];
        for (const round of rounds) {
          const agentList = [...agents];
          const memoryList = [...memories.entries()];
          // Watch the counters while the round runs: no observation may pass the limit.
          let running = true;
          const watcher = (async () => {
            while (running) {
              const agentCount = await counterValue(quotaCounters.agents(tenantId).key);
              if (agentCount > LIMITS.agents) overLimit.push(`agents ${agentCount}`);
              for (const agentId of seedAgents) {
                const memoryCount = await counterValue(keys.memoryCounter(tenantId, agentId));
                if (memoryCount > LIMITS.memoriesPerAgent) overLimit.push(`memories of ${agentId}: ${memoryCount}`);
              }
            }
          })();
          const statuses = await Promise.all(
            round.map(async (command) => {
              const container = command.container;
              if (command.kind === 'createAgent') {
                const r = await fixture.call('agents', 'POST', '/v1/tenants/{tenantId}/agents', {
                  container,
                  pathParameters: { tenantId },
                  body: { name: 'a', modelId: 'local.echo' },
                });
                if (r.statusCode === 201) agents.add(r.json.agentId);
                return r.statusCode;
              }
              if (command.kind === 'deleteAgent') {
                const agentId = agentList[command.pick % agentList.length];
                if (seedAgents.includes(agentId)) return 0;
                const r = await fixture.call('agents', 'DELETE', '/v1/tenants/{tenantId}/agents/{agentId}', {
                  container,
                  pathParameters: { tenantId, agentId },
                });
                if (r.statusCode === 204) agents.delete(agentId);
                return r.statusCode;
              }
              if (command.kind === 'createMemory') {
                const agentId = seedAgents[command.agent];
                const r = await fixture.call('memories', 'POST', '/v1/tenants/{tenantId}/agents/{agentId}/memories', {
                  container,
                  pathParameters: { tenantId, agentId },
                  body: { content: 'c' },
                });
                if (r.statusCode === 201) memories.set(r.json.memoryId, agentId);
                return r.statusCode;
              }
              if (memoryList.length === 0) return 0;
              const [memoryId, agentId] = memoryList[command.pick % memoryList.length];
              const r = await fixture.call('memories', 'DELETE', '/v1/tenants/{tenantId}/agents/{agentId}/memories/{memoryId}', {
                container,
                pathParameters: { tenantId, agentId, memoryId },
              });
              if (r.statusCode === 204) memories.delete(memoryId);
              return r.statusCode;
            }),
          );
          running = false;
          await watcher;
          // Only the expected outcomes: done, over quota, already deleted by a concurrent command.
          expect(statuses.filter((s) => ![0, 201, 204, 404, 429].includes(s))).toEqual([]);
        }
        expect(overLimit).toEqual([]);

        // Settled: each counter equals the real number of items, which is within the limit.
        const agentItems = await fixture.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `T#${tenantId}#AGENT` } });
        expect(await counterValue(quotaCounters.agents(tenantId).key)).toBe(agentItems.length);
        expect(agentItems.length).toBe(agents.size);
        expect(agentItems.length).toBeLessThanOrEqual(LIMITS.agents);
        for (const agentId of seedAgents) {
          const items = await fixture.queryAll({
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :m)',
            ExpressionAttributeValues: { ':pk': keys.memoryPartition(tenantId, agentId), ':m': keys.memorySortKeyPrefix() },
          });
          expect(await counterValue(keys.memoryCounter(tenantId, agentId))).toBe(items.length);
          expect(items.length).toBeLessThanOrEqual(LIMITS.memoriesPerAgent);
        }
      }),
      { numRuns: 8, verbose: true },
    );
  }, 180_000);
});
