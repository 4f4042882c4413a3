import * as keys from '../../../functions/data/table-keys';
import { auditor, resourceFixture, tenantAdmin } from '../../support/resources';

/** Tools: the kind added through the catalogue, served by the agents group, audited, counted and referenced by agents. */
const fixture = resourceFixture({ limits: { free: { tools: 2 } } });
afterAll(() => fixture.close());

const toolsPath = '/v1/tenants/{tenantId}/tools';
const toolPath = '/v1/tenants/{tenantId}/tools/{toolId}';
const agentsPath = '/v1/tenants/{tenantId}/agents';
const agentPath = '/v1/tenants/{tenantId}/agents/{agentId}';

const search = {
  name: 'search',
  description: 'Searches the docs',
  inputSchema: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
  endpoint: { kind: 'http', url: 'https://tools.example.com/search' },
};
const clock = { name: 'clock', endpoint: { kind: 'built-in', name: 'current-time' } };

const createTool = (tenantId: string, body: unknown, headers: Record<string, string> = {}) =>
  fixture.call('agents', 'POST', toolsPath, { pathParameters: { tenantId }, body, headers });
const createAgent = (tenantId: string, toolIds: string[]) =>
  fixture.call('agents', 'POST', agentsPath, { pathParameters: { tenantId }, body: { name: 'Helper', modelId: 'local.echo', toolIds } });
const toolItems = (tenantId: string) => fixture.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `T#${tenantId}#TOOL` } });

describe('tools through the agents group', () => {
  it('creates (201, ETag, Location), reads, lists page by page, updates with If-Match and deletes a tool', async () => {
    // Prepare
    const tenantId = await fixture.createTenant('team');
    // Act
    const created = await createTool(tenantId, search);
    await createTool(tenantId, clock);
    const toolId = created.json.toolId;
    const read = await fixture.call('agents', 'GET', toolPath, { pathParameters: { tenantId, toolId } });
    const first = await fixture.call('agents', 'GET', toolsPath, { pathParameters: { tenantId }, query: { limit: '1' } });
    const second = await fixture.call('agents', 'GET', toolsPath, { pathParameters: { tenantId }, query: { limit: '1', cursor: first.json.nextCursor } });
    const updated = await fixture.call('agents', 'PATCH', toolPath, {
      pathParameters: { tenantId, toolId },
      headers: { 'If-Match': '"1"' },
      body: { description: 'Searches everything' },
    });
    const stale = await fixture.call('agents', 'PATCH', toolPath, {
      pathParameters: { tenantId, toolId },
      headers: { 'If-Match': '"1"' },
      body: { description: 'lost' },
    });
    const deleted = await fixture.call('agents', 'DELETE', toolPath, { pathParameters: { tenantId, toolId }, headers: { 'If-Match': '"2"' } });
    const gone = await fixture.call('agents', 'GET', toolPath, { pathParameters: { tenantId, toolId } });
    // Assess
    expect(created.statusCode).toBe(201);
    expect(created.headers?.etag).toBe('"1"');
    expect(created.headers?.location).toBe(`/v1/tenants/${tenantId}/tools/${toolId}`);
    expect(created.json).toMatchObject({ ...search, endpoint: { ...search.endpoint, method: 'POST' }, version: 1 });
    expect(read.json).toEqual(created.json);
    expect([...first.json.items, ...second.json.items].map((tool: { name: string }) => tool.name).sort()).toEqual(['clock', 'search']);
    expect([updated.statusCode, updated.json.version, stale.statusCode, deleted.statusCode, gone.statusCode]).toEqual([200, 2, 412, 204, 404]);
  });

  it('answers 422 problems to bad definitions and writes nothing', async () => {
    const tenantId = await fixture.createTenant('team');
    const bad = [
      { ...search, endpoint: { kind: 'http', url: 'http://tools.example.com/search' } },
      { ...search, inputSchema: { type: 'string' } },
      { ...search, endpoint: { kind: 'built-in', name: 'rm-rf' } },
      { ...search, name: 'a#b' },
      { ...search, extra: true },
    ];
    const answers = await Promise.all(bad.map((body) => createTool(tenantId, body)));
    expect(answers.map((answer) => [answer.statusCode, answer.headers?.['content-type']])).toEqual(bad.map(() => [422, 'application/problem+json']));
    expect(await toolItems(tenantId)).toEqual([]);
  });

  it("counts tools against the plan's limit (429 past it), in the usage report, and replays an Idempotency-Key", async () => {
    // Prepare: the fixture's free plan allows 2 tools
    const tenantId = await fixture.createTenant('free');
    // Act
    const first = await createTool(tenantId, search, { 'Idempotency-Key': 'tool-1' });
    const replay = await createTool(tenantId, search, { 'Idempotency-Key': 'tool-1' });
    await createTool(tenantId, clock);
    const refused = await createTool(tenantId, { ...clock, name: 'third' });
    const usage = await fixture.call('usage', 'GET', '/v1/tenants/{tenantId}/usage', { pathParameters: { tenantId }, auth: tenantAdmin(tenantId) });
    // Assess
    expect(replay.json).toEqual(first.json);
    expect(refused.statusCode).toBe(429);
    expect(refused.json).toMatchObject({ code: 'quota-exceeded', quota: 'tools', limit: 2, usage: 2 });
    expect(await toolItems(tenantId)).toHaveLength(2);
    expect(usage.json.quotas.tools).toEqual({ used: 2, limit: 2 });
    const counter = await fixture.queryAll({
      KeyConditionExpression: 'pk = :pk AND sk = :sk',
      ExpressionAttributeValues: { ':pk': keys.quotaCounter(tenantId, 'TOOLS').pk, ':sk': keys.quotaCounter(tenantId, 'TOOLS').sk },
    });
    expect(usage.json.usage.storageBytes).toBeGreaterThanOrEqual(Number(counter[0]?.bytes));
  });

  it('audits every tool change in the tenant log', async () => {
    const tenantId = await fixture.createTenant('team');
    const toolId = (await createTool(tenantId, clock)).json.toolId;
    await fixture.call('agents', 'PATCH', toolPath, { pathParameters: { tenantId, toolId }, body: { description: 'now' } });
    await fixture.call('agents', 'DELETE', toolPath, { pathParameters: { tenantId, toolId } });
    const log = await fixture.call('audit', 'GET', '/v1/tenants/{tenantId}/audit', {
      pathParameters: { tenantId },
      auth: auditor(tenantId),
      query: { limit: '100' },
    });
    const actions = log.json.items.filter((entry: { target: string }) => entry.target === `tool/${toolId}`).map((entry: { action: string }) => entry.action);
    expect(actions.sort()).toEqual(['tool.create', 'tool.delete', 'tool.update']);
  });
});

describe('agents naming tools by id', () => {
  it("refuses an agent naming an unknown tool or another tenant's (422, nothing written) and accepts its own", async () => {
    // Prepare
    const tenantId = await fixture.createTenant('team');
    const other = await fixture.createTenant('team');
    const own = (await createTool(tenantId, clock)).json.toolId;
    const foreign = (await createTool(other, clock)).json.toolId;
    // Act
    const unknown = await createAgent(tenantId, [own, 'no-such-tool']);
    const crossTenant = await createAgent(tenantId, [foreign]);
    const accepted = await createAgent(tenantId, [own]);
    const patched = await fixture.call('agents', 'PATCH', agentPath, {
      pathParameters: { tenantId, agentId: accepted.json.agentId },
      body: { toolIds: ['no-such-tool'] },
    });
    // Assess
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json.errors ?? unknown.json.issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ pointer: expect.stringContaining('toolIds') })]),
    );
    expect([crossTenant.statusCode, accepted.statusCode, patched.statusCode]).toEqual([422, 201, 422]);
    expect(accepted.json.toolIds).toEqual([own]);
    const agents = await fixture.call('agents', 'GET', agentsPath, { pathParameters: { tenantId } });
    expect(agents.json.items).toHaveLength(1);
    expect(agents.json.items[0].toolIds).toEqual([own]);
  });
});
