import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AuthContext } from '../../../functions/core/auth-context';
import * as keys from '../../../functions/data/table-keys';
import { ModelInvocationError, type ModelProvider } from '../../../functions/models/model-provider';
import { monthOf } from '../../../functions/quotas/quota.counters';
import { createWorkflowsFixture, jsonBody, type WorkflowsFixture } from './workflows-fixture';

const WORKFLOWS = '/v1/tenants/{tenantId}/workflows';
const WORKFLOW = '/v1/tenants/{tenantId}/workflows/{workflowId}';
const RUNS = '/v1/tenants/{tenantId}/workflows/{workflowId}/runs';
const RUN = '/v1/tenants/{tenantId}/workflows/{workflowId}/runs/{runId}';

let fixture: WorkflowsFixture;
let acme: AuthContext;
let globex: AuthContext;

beforeAll(async () => {
  fixture = await createWorkflowsFixture('workflows-it');
  acme = await fixture.addTenant('acme', 'free');
  globex = await fixture.addTenant('globex', 'team');
});

afterAll(async () => {
  await fixture?.dispose();
});

function createWorkflow(auth: AuthContext, body: unknown, headers: Record<string, string> = {}) {
  const request = jsonBody(body);
  return fixture.call({
    method: 'POST',
    resource: WORKFLOWS,
    pathParameters: { tenantId: auth.tenantId as string },
    auth,
    ...request,
    headers: { ...request.headers, ...headers },
  });
}

function startRun(auth: AuthContext, workflowId: string, body: unknown = {}, headers: Record<string, string> = {}, tenantId = auth.tenantId as string) {
  const request = jsonBody(body);
  return fixture.call({
    method: 'POST',
    resource: RUNS,
    pathParameters: { tenantId, workflowId },
    auth,
    ...request,
    headers: { ...request.headers, ...headers },
  });
}

describe('workflows and runs against DynamoDB Local', () => {
  it('creates a DAG workflow, runs it to SUCCEEDED with step results in topological order, and meters its tokens', async () => {
    // Prepare
    const writer = await fixture.addAgent('globex', { name: 'writer', modelId: 'local.writer' });
    const critic = await fixture.addAgent('globex', { name: 'critic', modelId: 'local.critic' });
    const created = await createWorkflow(globex, {
      name: 'Draft and review',
      mode: 'dag',
      steps: [
        { id: 'review', agentId: critic.agentId, dependsOn: ['draft-a', 'draft-b'], prompt: 'Pick the better draft.' },
        { id: 'draft-a', agentId: writer.agentId },
        { id: 'draft-b', agentId: writer.agentId, prompt: 'Be bold.' },
      ],
    });
    expect(created.status).toBe(201);
    const workflowId = created.body.workflowId as string;

    // Act
    const started = await startRun(globex, workflowId, { input: 'Write a haiku about DynamoDB.' });
    const run = { ...started, body: await fixture.waitForRun('globex', workflowId, started.body.runId) };

    // Assess
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ status: 'QUEUED', steps: [] });
    expect(run.body).toMatchObject({ workflowId, workflowVersion: 1, status: 'SUCCEEDED', provider: 'local', startedBy: 'user:member-of-globex' });
    expect(run.body.steps.map((s: { stepId: string; status: string }) => [s.stepId, s.status])).toEqual([
      ['draft-a', 'SUCCEEDED'],
      ['draft-b', 'SUCCEEDED'],
      ['review', 'SUCCEEDED'],
    ]);
    expect(run.body.steps[2]).toMatchObject({ agentId: critic.agentId, modelId: 'local.critic', output: expect.stringContaining('local.critic') });
    const total = run.body.usage.inputTokens + run.body.usage.outputTokens;
    expect(total).toBeGreaterThan(0);
    expect(run.headers.location).toBe(`/v1/tenants/globex/workflows/${workflowId}/runs/${run.body.runId}`);

    const read = await fixture.call({ method: 'GET', resource: RUN, pathParameters: { tenantId: 'globex', workflowId, runId: run.body.runId }, auth: globex });
    expect(read.body).toEqual(run.body);
    const list = await fixture.call({ method: 'GET', resource: RUNS, pathParameters: { tenantId: 'globex', workflowId }, auth: globex });
    expect(list.body.items.map((r: { runId: string }) => r.runId)).toEqual([run.body.runId]);

    const items = await fixture.itemsOf('globex');
    const period = monthOf(new Date(run.body.createdAt));
    const usage = items.find((item) => item.pk === keys.usagePeriod('globex', period).pk && item.sk === keys.usagePeriod('globex', period).sk);
    expect(usage?.tokens).toBe(total);
    const runsCounter = items.find((item) => item.sk === keys.quotaCounter('globex', 'RUNS', period).sk);
    expect(runsCounter?.count).toBe(1);
    // Audited: each entry is written pending with the change (its digest) and linked into the chain by the sealer.
    const audited = (item: Record<string, unknown>) => typeof item.action === 'string' && (typeof item.hash === 'string' || typeof item.digest === 'string');
    const actions = items.filter(audited).map((item) => item.action);
    expect(actions).toEqual(expect.arrayContaining(['workflow.create', 'workflow-run.start', 'workflow-run.begin', 'workflow-run.finish']));
  });

  it('answers 429 quota-exceeded with the limit once the month has no runs left, and writes no run', async () => {
    // Prepare: the free plan allows 100 runs a month; 99 were used.
    const agent = await fixture.addAgent('acme');
    const created = await createWorkflow(acme, { name: 'One step', steps: [{ id: 'only', agentId: agent.agentId }] });
    const workflowId = created.body.workflowId as string;
    const counter = keys.quotaCounter('acme', 'RUNS', monthOf(new Date()));
    await fixture.inspector.send(new PutCommand({ TableName: fixture.tableName, Item: { ...counter, count: 99, bytes: 0 } }));

    // Act
    const last = await startRun(acme, workflowId);
    const over = await startRun(acme, workflowId);

    // Assess
    expect(last.status).toBe(202);
    expect(over.status).toBe(429);
    expect(over.headers['content-type']).toBe('application/problem+json');
    expect(over.body).toMatchObject({ code: 'quota-exceeded', quota: 'runsPerMonth', limit: 100, usage: 100 });
    const runs = await fixture.call({ method: 'GET', resource: RUNS, pathParameters: { tenantId: 'acme', workflowId }, auth: acme });
    expect(runs.body.items).toHaveLength(1);
    await fixture.waitForRun('acme', workflowId, last.body.runId);
  });

  it("rejects a workflow naming another tenant's agent with 422 and writes nothing", async () => {
    // Prepare
    const foreign = await fixture.addAgent('globex', { name: 'globex secret agent' });
    const before = await fixture.itemsOf('acme');
    // Act
    const result = await createWorkflow(acme, { name: 'Borrow', steps: [{ id: 'steal', agentId: foreign.agentId }] });
    // Assess
    expect(result.status).toBe(422);
    expect(result.body.errors).toEqual([
      { pointer: 'body.steps.0.agentId', message: `dangling reference: agent ${foreign.agentId} does not exist in this tenant` },
    ]);
    expect(await fixture.itemsOf('acme')).toEqual(before);
  });

  it("does not let tenant A read tenant B's workflows or runs, by its own path or by B's", async () => {
    // Prepare
    const agent = await fixture.addAgent('globex');
    const created = await createWorkflow(globex, { name: 'Private', steps: [{ id: 's', agentId: agent.agentId }] });
    const workflowId = created.body.workflowId as string;
    const run = await startRun(globex, workflowId);
    const runId = run.body.runId as string;
    // Act
    const viaOwnPath = await fixture.call({ method: 'GET', resource: RUN, pathParameters: { tenantId: 'acme', workflowId, runId }, auth: acme });
    const listViaOwnPath = await fixture.call({ method: 'GET', resource: RUNS, pathParameters: { tenantId: 'acme', workflowId }, auth: acme });
    const workflowViaOwnPath = await fixture.call({ method: 'GET', resource: WORKFLOW, pathParameters: { tenantId: 'acme', workflowId }, auth: acme });
    const viaTheirPath = await fixture.call({ method: 'GET', resource: RUN, pathParameters: { tenantId: 'globex', workflowId, runId }, auth: acme });
    const startViaOwnPath = await startRun(acme, workflowId);
    // Assess
    expect(viaOwnPath.status).toBe(404);
    expect(listViaOwnPath.body).toEqual({ items: [] });
    expect(workflowViaOwnPath.status).toBe(404);
    expect(viaTheirPath.status).toBe(403);
    expect(startViaOwnPath.status).toBe(404);
  });

  it('refuses a cursor of another tenant with 400', async () => {
    // Prepare: globex has several workflows by now; one per page gives a cursor.
    const agent = await fixture.addAgent('globex');
    await createWorkflow(globex, { name: 'Another', steps: [{ id: 's', agentId: agent.agentId }] });
    const page = await fixture.call({ method: 'GET', resource: WORKFLOWS, pathParameters: { tenantId: 'globex' }, auth: globex, query: { limit: '1' } });
    expect(page.body.nextCursor).toEqual(expect.any(String));
    // Act
    const stolen = await fixture.call({
      method: 'GET',
      resource: WORKFLOWS,
      pathParameters: { tenantId: 'acme' },
      auth: acme,
      query: { cursor: page.body.nextCursor },
    });
    const own = await fixture.call({
      method: 'GET',
      resource: WORKFLOWS,
      pathParameters: { tenantId: 'globex' },
      auth: globex,
      query: { limit: '1', cursor: page.body.nextCursor },
    });
    // Assess
    expect(stolen.status).toBe(400);
    expect(own.status).toBe(200);
    expect(own.body.items[0].workflowId).not.toBe(page.body.items[0].workflowId);
  });

  it('starts a run once per Idempotency-Key and answers a retry with that run as it is now', async () => {
    // Prepare
    const agent = await fixture.addAgent('globex');
    const created = await createWorkflow(globex, { name: 'Once', steps: [{ id: 's', agentId: agent.agentId }] });
    const workflowId = created.body.workflowId as string;
    const key = { 'Idempotency-Key': `run-${workflowId}` };
    // Act
    const first = await startRun(globex, workflowId, { input: 'x' }, key);
    const retry = await startRun(globex, workflowId, { input: 'x' }, key);
    const misuse = await startRun(globex, workflowId, { input: 'y' }, key);
    // Assess
    expect(first.status).toBe(202);
    expect(retry.status).toBe(202);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.runId).toEqual(first.body.runId);
    expect(misuse.status).toBe(409);
    const runs = await fixture.call({ method: 'GET', resource: RUNS, pathParameters: { tenantId: 'globex', workflowId }, auth: globex });
    expect(runs.body.items).toHaveLength(1);
  });

  it('updates with If-Match, refuses a stale ETag with 412, and frees the quota on delete', async () => {
    // Prepare
    const agent = await fixture.addAgent('globex');
    const created = await createWorkflow(globex, { name: 'Versioned', steps: [{ id: 's', agentId: agent.agentId }] });
    const path = { tenantId: 'globex', workflowId: created.body.workflowId as string };
    const countBefore = (await fixture.itemsOf('globex')).find((i) => i.sk === keys.quotaCounter('globex', 'WORKFLOWS').sk)?.count;
    // Act
    const updated = await fixture.call({
      method: 'PATCH',
      resource: WORKFLOW,
      pathParameters: path,
      auth: globex,
      body: JSON.stringify({ name: 'Renamed' }),
      headers: { 'If-Match': '"1"' },
    });
    const stale = await fixture.call({
      method: 'PATCH',
      resource: WORKFLOW,
      pathParameters: path,
      auth: globex,
      body: JSON.stringify({ name: 'Again' }),
      headers: { 'If-Match': '"1"' },
    });
    const staleDelete = await fixture.call({ method: 'DELETE', resource: WORKFLOW, pathParameters: path, auth: globex, headers: { 'If-Match': '"1"' } });
    const deleted = await fixture.call({
      method: 'DELETE',
      resource: WORKFLOW,
      pathParameters: path,
      auth: globex,
      headers: { 'If-Match': updated.headers.etag },
    });
    const gone = await fixture.call({ method: 'GET', resource: WORKFLOW, pathParameters: path, auth: globex });
    // Assess
    expect(updated.status).toBe(200);
    expect(updated.headers.etag).toBe('"2"');
    expect(updated.body.name).toBe('Renamed');
    expect(stale.status).toBe(412);
    expect(staleDelete.status).toBe(412);
    expect(deleted.status).toBe(204);
    expect(gone.status).toBe(404);
    const countAfter = (await fixture.itemsOf('globex')).find((i) => i.sk === keys.quotaCounter('globex', 'WORKFLOWS').sk)?.count;
    expect(countAfter).toBe(Number(countBefore) - 1);
  });

  it('answers 429 quota-exceeded when the plan has no workflows left', async () => {
    // Prepare: the free plan allows 3 workflows; acme has 1.
    const agent = await fixture.addAgent('acme');
    const body = { name: 'More', steps: [{ id: 's', agentId: agent.agentId }] };
    // Act
    const results = [await createWorkflow(acme, body), await createWorkflow(acme, body), await createWorkflow(acme, body)];
    // Assess
    expect(results.map((r) => r.status)).toEqual([201, 201, 429]);
    expect(results[2].body).toMatchObject({ code: 'quota-exceeded', quota: 'workflows', limit: 3, usage: 3 });
  });
});

describe('a run whose model fails', () => {
  let failing: WorkflowsFixture;
  const provider: ModelProvider = {
    name: 'bedrock',
    invoke: async (call) => {
      if (call.modelId === 'broken') throw new ModelInvocationError('Bedrock rejected the call: ThrottlingException');
      return { output: 'ok', usage: { inputTokens: 5, outputTokens: 1 } };
    },
  };

  beforeAll(async () => {
    failing = await createWorkflowsFixture('workflows-fail-it', { provider });
  });

  afterAll(async () => {
    await failing?.dispose();
  });

  it('ends FAILED with the reason, skips later steps and still meters the tokens used', async () => {
    // Prepare
    const auth = await failing.addTenant('initech', 'team');
    const good = await failing.addAgent('initech', { modelId: 'fine' });
    const bad = await failing.addAgent('initech', { modelId: 'broken' });
    const created = await failing.call({
      method: 'POST',
      resource: WORKFLOWS,
      pathParameters: { tenantId: 'initech' },
      auth,
      ...jsonBody({
        name: 'Fragile',
        steps: [
          { id: 'a', agentId: good.agentId },
          { id: 'b', agentId: bad.agentId },
          { id: 'c', agentId: good.agentId },
        ],
      }),
    });
    // Act
    const started = await failing.call({
      method: 'POST',
      resource: RUNS,
      pathParameters: { tenantId: 'initech', workflowId: created.body.workflowId },
      auth,
      ...jsonBody({}),
    });
    const run = { body: await failing.waitForRun('initech', created.body.workflowId, started.body.runId) };
    // Assess
    expect(started.status).toBe(202);
    expect(run.body).toMatchObject({ status: 'FAILED', provider: 'bedrock', error: 'step b failed: Bedrock rejected the call: ThrottlingException' });
    expect(run.body.steps.map((s: { status: string }) => s.status)).toEqual(['SUCCEEDED', 'FAILED', 'SKIPPED']);
    const usage = (await failing.itemsOf('initech')).find((i) => i.sk === keys.usagePeriod('initech', monthOf(new Date())).sk);
    expect(usage?.tokens).toBe(6);
  });
});
