import { resourceFixture, member, tenantAdmin } from '../../support/resources';

/**
 * The usage report reads every counter of the period in at most two DynamoDB calls (issue: it took a BatchGetItem,
 * a Query of the agents and a BatchGetItem per 100 agents), whatever the number of agents.
 */

const fixture = resourceFixture();
afterAll(() => fixture.close());

it('reports usage with one BatchGetItem and one Query, and counts every agent memory', async () => {
  // Prepare: a tenant with 5 agents, memories on 3 of them (3, 2, 1), one memory deleted again
  const tenantId = await fixture.createTenant('team');
  const agents: string[] = [];
  for (let i = 0; i < 5; i++) {
    const created = await fixture.call('agents', 'POST', '/v1/tenants/{tenantId}/agents', {
      pathParameters: { tenantId },
      body: { name: `a${i}`, modelId: 'local.echo' },
    });
    agents.push(created.json.agentId);
  }
  const memories = '/v1/tenants/{tenantId}/agents/{agentId}/memories';
  for (const [index, count] of [3, 2, 1].entries()) {
    for (let i = 0; i < count; i++)
      await fixture.call('memories', 'POST', memories, { pathParameters: { tenantId, agentId: agents[index] }, body: { content: `m${i}` } });
  }
  const extra = await fixture.call('memories', 'POST', memories, { pathParameters: { tenantId, agentId: agents[4] }, body: { content: 'gone' } });
  await fixture.call('memories', 'DELETE', `${memories}/{memoryId}`, {
    pathParameters: { tenantId, agentId: agents[4], memoryId: extra.json.memoryId },
    auth: member(tenantId),
  });
  const usage = () => fixture.call('usage', 'GET', '/v1/tenants/{tenantId}/usage', { pathParameters: { tenantId }, auth: tenantAdmin(tenantId) });
  await usage(); // a warm container: the plan is cached
  const calls: string[] = [];
  fixture.isolation.forTenant(tenantId).middlewareStack.add(
    (next, context) => async (args) => {
      calls.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'usageCallCounter' },
  );

  // Act
  const report = await usage();

  // Assess
  expect(report.statusCode).toBe(200);
  expect(calls.sort()).toEqual(['BatchGetItemCommand', 'QueryCommand']);
  expect(report.json.quotas.agents.used).toBe(5);
  expect(report.json.quotas.memoriesPerAgent.used).toBe(3);
  expect(report.json.usage.memories).toBe(6);
  expect(report.json.usage.storageBytes).toBeGreaterThan(0);
}, 60_000);
