import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as keys from '../../../functions/data/table-keys';
import { auditor, member, resourceFixture, tenantAdmin, viewer } from '../../support/resources';

const fixture = resourceFixture();
afterAll(() => fixture.close());

const agentsPath = '/v1/tenants/{tenantId}/agents';
const agentPath = '/v1/tenants/{tenantId}/agents/{agentId}';
const memoriesPath = '/v1/tenants/{tenantId}/agents/{agentId}/memories';
const memoryPath = '/v1/tenants/{tenantId}/agents/{agentId}/memories/{memoryId}';

async function createAgent(tenantId: string, headers: Record<string, string> = {}, name = 'Helper') {
  return fixture.call('agents', 'POST', agentsPath, { pathParameters: { tenantId }, headers, body: { name, modelId: 'local.echo' } });
}

async function createMemory(
  tenantId: string,
  agentId: string,
  body: Record<string, unknown> = { content: 'remember this' },
  headers: Record<string, string> = {},
) {
  return fixture.call('memories', 'POST', memoriesPath, { pathParameters: { tenantId, agentId }, headers, body });
}

describe('agents through the handlers', () => {
  it('creates an agent with 201, ETag and Location, and reads it back', async () => {
    // Prepare
    const tenantId = await fixture.createTenant();
    // Act
    const created = await createAgent(tenantId);
    const read = await fixture.call('agents', 'GET', agentPath, { pathParameters: { tenantId, agentId: created.json.agentId } });
    // Assess
    expect(created.statusCode).toBe(201);
    expect(created.headers?.etag).toBe('"1"');
    expect(created.headers?.location).toBe(`/v1/tenants/${tenantId}/agents/${created.json.agentId}`);
    expect(read.json).toEqual(created.json);
  });

  it('answers 429 quota-exceeded with the limit and usage past the plan, and writes nothing', async () => {
    // Prepare
    const tenantId = await fixture.createTenant('free');
    for (let i = 0; i < 3; i++) expect((await createAgent(tenantId)).statusCode).toBe(201);
    // Act
    const refused = await createAgent(tenantId);
    // Assess
    expect(refused.statusCode).toBe(429);
    expect(refused.json).toMatchObject({ code: 'quota-exceeded', limit: 3, usage: 3, quota: 'agents' });
    const agents = await fixture.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `T#${tenantId}#AGENT` } });
    expect(agents).toHaveLength(3);
  });

  it('lets a viewer read but not write, and a member not read the audit log', async () => {
    const tenantId = await fixture.createTenant();
    const viewerList = await fixture.call('agents', 'GET', agentsPath, { pathParameters: { tenantId }, auth: viewer(tenantId) });
    const viewerCreate = await fixture.call('agents', 'POST', agentsPath, {
      pathParameters: { tenantId },
      auth: viewer(tenantId),
      body: { name: 'x', modelId: 'local.echo' },
    });
    const memberAudit = await fixture.call('audit', 'GET', '/v1/tenants/{tenantId}/audit', { pathParameters: { tenantId }, auth: member(tenantId) });
    const auditorAudit = await fixture.call('audit', 'GET', '/v1/tenants/{tenantId}/audit', { pathParameters: { tenantId }, auth: auditor(tenantId) });
    expect([viewerList.statusCode, viewerCreate.statusCode, memberAudit.statusCode, auditorAudit.statusCode]).toEqual([200, 403, 403, 200]);
  });

  it('refuses to delete an agent that still has memories, and deletes it once they are gone', async () => {
    // Prepare
    const tenantId = await fixture.createTenant();
    const agentId = (await createAgent(tenantId)).json.agentId;
    const memory = await createMemory(tenantId, agentId);
    // Act
    const refused = await fixture.call('agents', 'DELETE', agentPath, { pathParameters: { tenantId, agentId } });
    await fixture.call('memories', 'DELETE', memoryPath, { pathParameters: { tenantId, agentId, memoryId: memory.json.memoryId } });
    const deleted = await fixture.call('agents', 'DELETE', agentPath, { pathParameters: { tenantId, agentId } });
    // Assess
    expect(refused.statusCode).toBe(409);
    expect(deleted.statusCode).toBe(204);
    expect((await fixture.call('agents', 'GET', agentPath, { pathParameters: { tenantId, agentId } })).statusCode).toBe(404);
  });
});

describe("models of the tenant's plan", () => {
  it('answers 422 model-not-allowed to a create naming a model outside the plan, and writes nothing', async () => {
    // Prepare
    const tenantId = await fixture.createTenant('free');
    // Act
    const refused = await fixture.call('agents', 'POST', agentsPath, {
      pathParameters: { tenantId },
      body: { name: 'Big', modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0' },
    });
    // Assess
    expect(refused.statusCode).toBe(422);
    expect(refused.headers?.['content-type']).toBe('application/problem+json');
    expect(refused.json).toMatchObject({ code: 'model-not-allowed', plan: 'free', modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0' });
    expect(refused.json.allowedModels).toContain('amazon.nova-lite-v1:0');
    expect(await fixture.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `T#${tenantId}#AGENT` } })).toEqual([]);
  });

  it('answers 422 to an update that names a model outside the plan and keeps the agent, but lets one on the plan through', async () => {
    // Prepare
    const tenantId = await fixture.createTenant('team');
    const agent = (await createAgent(tenantId)).json;
    const patch = (modelId: string) => fixture.call('agents', 'PATCH', agentPath, { pathParameters: { tenantId, agentId: agent.agentId }, body: { modelId } });
    // Act
    const refused = await patch('anthropic.claude-3-7-sonnet-20250219-v1:0');
    const kept = await fixture.call('agents', 'GET', agentPath, { pathParameters: { tenantId, agentId: agent.agentId } });
    const allowed = await patch('anthropic.claude-3-haiku-20240307-v1:0');
    // Assess
    expect(refused.statusCode).toBe(422);
    expect(refused.json.code).toBe('model-not-allowed');
    expect(kept.json).toEqual(agent);
    expect(allowed.statusCode).toBe(200);
    expect(allowed.json).toMatchObject({ modelId: 'anthropic.claude-3-haiku-20240307-v1:0', version: 2 });
  });
});

describe('optimistic locking', () => {
  it('applies a PATCH with the current ETag and answers 412 to the stale one', async () => {
    // Prepare
    const tenantId = await fixture.createTenant();
    const agent = (await createAgent(tenantId)).json;
    // Act
    const first = await fixture.call('agents', 'PATCH', agentPath, {
      pathParameters: { tenantId, agentId: agent.agentId },
      headers: { 'If-Match': '"1"' },
      body: { name: 'Renamed' },
    });
    const stale = await fixture.call('agents', 'PATCH', agentPath, {
      pathParameters: { tenantId, agentId: agent.agentId },
      headers: { 'If-Match': '"1"' },
      body: { name: 'Lost update' },
    });
    const staleDelete = await fixture.call('agents', 'DELETE', agentPath, {
      pathParameters: { tenantId, agentId: agent.agentId },
      headers: { 'If-Match': '"1"' },
    });
    // Assess
    expect(first.statusCode).toBe(200);
    expect(first.headers?.etag).toBe('"2"');
    expect(first.json.name).toBe('Renamed');
    expect(stale.statusCode).toBe(412);
    expect(stale.json.code).toBe('precondition-failed');
    expect(staleDelete.statusCode).toBe(412);
  });

  it('lets exactly one of two concurrent PATCHes with the same ETag win', async () => {
    const tenantId = await fixture.createTenant();
    const agentId = (await createAgent(tenantId)).json.agentId;
    const memoryId = (await createMemory(tenantId, agentId)).json.memoryId;
    const results = await Promise.all(
      ['a', 'b', 'c', 'd'].map((content) =>
        fixture.call('memories', 'PATCH', memoryPath, { pathParameters: { tenantId, agentId, memoryId }, headers: { 'If-Match': '"1"' }, body: { content } }),
      ),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 412, 412, 412]);
  });

  it('answers 400 to a malformed If-Match', async () => {
    const tenantId = await fixture.createTenant();
    const agentId = (await createAgent(tenantId)).json.agentId;
    const result = await fixture.call('agents', 'DELETE', agentPath, { pathParameters: { tenantId, agentId }, headers: { 'If-Match': 'version-1' } });
    expect(result.statusCode).toBe(400);
  });
});

describe('Idempotency-Key', () => {
  it('returns the first response to a retry with the same key and body, and creates once', async () => {
    // Prepare
    const tenantId = await fixture.createTenant();
    // Act
    const first = await createAgent(tenantId, { 'Idempotency-Key': 'create-1' });
    const retry = await createAgent(tenantId, { 'Idempotency-Key': 'create-1' });
    // Assess
    expect(retry.statusCode).toBe(201);
    expect(retry.json).toEqual(first.json);
    expect(retry.headers?.['idempotent-replayed']).toBe('true');
    const list = await fixture.call('agents', 'GET', agentsPath, { pathParameters: { tenantId } });
    expect(list.json.items).toHaveLength(1);
  });

  it('answers 409 when the key comes back with a different body', async () => {
    const tenantId = await fixture.createTenant();
    await createAgent(tenantId, { 'Idempotency-Key': 'k' }, 'One');
    const reused = await createAgent(tenantId, { 'Idempotency-Key': 'k' }, 'Two');
    expect(reused.statusCode).toBe(409);
    expect(reused.json.reason).toBe('idempotency-key-reused');
  });

  it('does the work once for 16 concurrent duplicates', async () => {
    const tenantId = await fixture.createTenant('team');
    const agentId = (await createAgent(tenantId)).json.agentId;
    const results = await Promise.all(Array.from({ length: 16 }, () => createMemory(tenantId, agentId, { content: 'once' }, { 'Idempotency-Key': 'dup' })));
    expect(new Set(results.map((r) => r.json.memoryId)).size).toBe(1);
    expect(results.every((r) => r.statusCode === 201)).toBe(true);
    const list = await fixture.call('memories', 'GET', memoriesPath, { pathParameters: { tenantId, agentId } });
    expect(list.json.items).toHaveLength(1);
  });

  it('scopes keys per tenant', async () => {
    const [a, b] = [await fixture.createTenant(), await fixture.createTenant()];
    const inA = await createAgent(a, { 'Idempotency-Key': 'shared' });
    const inB = await createAgent(b, { 'Idempotency-Key': 'shared' });
    expect(inB.statusCode).toBe(201);
    expect(inB.json.agentId).not.toBe(inA.json.agentId);
    expect(inB.headers?.['idempotent-replayed']).toBeUndefined();
  });

  it('replays a DELETE whose retry would otherwise be a 404', async () => {
    const tenantId = await fixture.createTenant();
    const agentId = (await createAgent(tenantId)).json.agentId;
    const first = await fixture.call('agents', 'DELETE', agentPath, { pathParameters: { tenantId, agentId }, headers: { 'Idempotency-Key': 'del' } });
    const retry = await fixture.call('agents', 'DELETE', agentPath, { pathParameters: { tenantId, agentId }, headers: { 'Idempotency-Key': 'del' } });
    expect([first.statusCode, retry.statusCode]).toEqual([204, 204]);
    expect(retry.headers?.['idempotent-replayed']).toBe('true');
  });
});

describe('memories', () => {
  it('lists newest first, by tag and creation time range, page by page with signed cursors', async () => {
    // Prepare
    const tenantId = await fixture.createTenant();
    const agentId = (await createAgent(tenantId)).json.agentId;
    const created = [];
    for (let i = 0; i < 5; i++) created.push((await createMemory(tenantId, agentId, { content: `m${i}`, tags: i % 2 === 0 ? ['even'] : ['odd'] })).json);
    // Act
    const pages = [];
    let cursor: string | undefined;
    do {
      const page = await fixture.call('memories', 'GET', memoriesPath, {
        pathParameters: { tenantId, agentId },
        query: { limit: '2', ...(cursor ? { cursor } : {}) },
      });
      pages.push(page.json);
      cursor = page.json.nextCursor;
    } while (cursor);
    const even = await fixture.call('memories', 'GET', memoriesPath, { pathParameters: { tenantId, agentId }, query: { tag: 'even' } });
    const range = await fixture.call('memories', 'GET', memoriesPath, {
      pathParameters: { tenantId, agentId },
      query: { from: created[1].createdAt, to: created[3].createdAt },
    });
    // Assess
    expect(pages.flatMap((p) => p.items).map((m: { content: string }) => m.content)).toEqual(['m4', 'm3', 'm2', 'm1', 'm0']);
    expect(even.json.items.map((m: { content: string }) => m.content)).toEqual(['m4', 'm2', 'm0']);
    expect(range.json.items.map((m: { content: string }) => m.content)).toEqual(expect.arrayContaining(['m3', 'm2', 'm1']));
    expect(range.json.items.map((m: { content: string }) => m.content)).not.toContain('m4');
  });

  it("answers 400 to another tenant's cursor, and to an edited one", async () => {
    // Prepare
    const [a, b] = [await fixture.createTenant(), await fixture.createTenant()];
    const [agentA, agentB] = [(await createAgent(a)).json.agentId, (await createAgent(b)).json.agentId];
    await createMemory(a, agentA);
    await createMemory(a, agentA);
    const page = await fixture.call('memories', 'GET', memoriesPath, { pathParameters: { tenantId: a, agentId: agentA }, query: { limit: '1' } });
    // Act
    const foreign = await fixture.call('memories', 'GET', memoriesPath, {
      pathParameters: { tenantId: b, agentId: agentB },
      query: { cursor: page.json.nextCursor },
    });
    const edited = await fixture.call('memories', 'GET', memoriesPath, {
      pathParameters: { tenantId: a, agentId: agentA },
      query: { cursor: `x${page.json.nextCursor}` },
    });
    const auditCursor = await fixture.call('audit', 'GET', '/v1/tenants/{tenantId}/audit', {
      pathParameters: { tenantId: b },
      auth: tenantAdmin(b),
      query: { cursor: page.json.nextCursor },
    });
    // Assess
    expect([foreign.statusCode, edited.statusCode, auditCursor.statusCode]).toEqual([400, 400, 400]);
  });

  it('hides an expired memory before TTL removes it', async () => {
    // Prepare
    const tenantId = await fixture.createTenant();
    const agentId = (await createAgent(tenantId)).json.agentId;
    const memory = (await createMemory(tenantId, agentId, { content: 'short-lived', expiresAt: new Date(Date.now() + 3_600_000).toISOString() })).json;
    await fixture.raw.send(
      new UpdateCommand({
        TableName: fixture.tableName,
        Key: keys.memory(tenantId, agentId, memory.memoryId),
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: { ':past': 1 },
      }),
    );
    // Act
    const read = await fixture.call('memories', 'GET', memoryPath, { pathParameters: { tenantId, agentId, memoryId: memory.memoryId } });
    const list = await fixture.call('memories', 'GET', memoriesPath, { pathParameters: { tenantId, agentId } });
    // Assess
    expect(memory.expiresAt).toBeDefined();
    expect(read.statusCode).toBe(404);
    expect(list.json.items).toEqual([]);
  });

  it('answers 404 when the agent does not exist, and writes nothing', async () => {
    const tenantId = await fixture.createTenant();
    const result = await createMemory(tenantId, 'no-such-agent');
    expect(result.statusCode).toBe(404);
    const counter = await fixture.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.memoryPartition(tenantId, 'no-such-agent') },
    });
    expect(counter).toEqual([]);
  });
});

describe('usage and audit', () => {
  it('reports usage against the plan limits', async () => {
    // Prepare
    const tenantId = await fixture.createTenant('free');
    const agentId = (await createAgent(tenantId)).json.agentId;
    await createMemory(tenantId, agentId, { content: 'a' });
    await createMemory(tenantId, agentId, { content: 'b' });
    // Act
    const usage = await fixture.call('usage', 'GET', '/v1/tenants/{tenantId}/usage', { pathParameters: { tenantId }, auth: tenantAdmin(tenantId) });
    const forbidden = await fixture.call('usage', 'GET', '/v1/tenants/{tenantId}/usage', { pathParameters: { tenantId } });
    // Assess
    expect(usage.statusCode).toBe(200);
    expect(usage.json).toMatchObject({
      plan: 'free',
      quotas: { agents: { used: 1, limit: 3 }, memoriesPerAgent: { used: 2, limit: 100 }, runsPerMonth: { used: 0, limit: 100 } },
      usage: { memories: 2 },
    });
    expect(usage.json.usage.storageBytes).toBeGreaterThan(0);
    expect(forbidden.statusCode).toBe(403);
  });

  it('records every mutation with its actor, filters the log and verifies the chain; a deleted head breaks it', async () => {
    // Prepare
    const tenantId = await fixture.createTenant();
    const agentId = (await createAgent(tenantId)).json.agentId;
    await createMemory(tenantId, agentId);
    await fixture.call('agents', 'PATCH', agentPath, {
      pathParameters: { tenantId, agentId },
      auth: member(tenantId, 'u-other'),
      body: { status: 'DISABLED' },
    });
    const unsealed = await fixture.call('audit', 'GET', '/v1/tenants/{tenantId}/audit/verify', { pathParameters: { tenantId }, auth: auditor(tenantId) });
    await fixture.seal(tenantId);
    // Act
    const all = await fixture.call('audit', 'GET', '/v1/tenants/{tenantId}/audit', { pathParameters: { tenantId }, auth: auditor(tenantId) });
    const byActor = await fixture.call('audit', 'GET', '/v1/tenants/{tenantId}/audit', {
      pathParameters: { tenantId },
      auth: auditor(tenantId),
      query: { actor: 'user:u-other' },
    });
    const byTarget = await fixture.call('audit', 'GET', '/v1/tenants/{tenantId}/audit', {
      pathParameters: { tenantId },
      auth: auditor(tenantId),
      query: { target: `agent/${agentId}`, action: 'memory.create' },
    });
    const verified = await fixture.call('audit', 'GET', '/v1/tenants/{tenantId}/audit/verify', { pathParameters: { tenantId }, auth: auditor(tenantId) });
    const lane = all.json.items[0].lane as number;
    await fixture.raw.send(new DeleteCommand({ TableName: fixture.tableName, Key: keys.auditHead(tenantId, lane) }));
    const broken = await fixture.call('audit', 'GET', '/v1/tenants/{tenantId}/audit/verify', { pathParameters: { tenantId }, auth: auditor(tenantId) });
    // Assess
    expect(all.json.items.map((e: { action: string }) => e.action)).toEqual(['agent.create', 'memory.create', 'agent.update']);
    expect(byActor.json.items.map((e: { action: string }) => e.action)).toEqual(['agent.update']);
    expect(byTarget.json.items).toHaveLength(1);
    expect(unsealed.json).toMatchObject({ valid: true, entries: 0, unsealed: { entries: 3 } });
    expect(verified.json).toMatchObject({ valid: true, entries: 3, unsealed: { entries: 0 } });
    expect(broken.json).toMatchObject({ valid: false, firstBroken: { lane, seq: 1, reason: 'head-mismatch' } });
  });
});
