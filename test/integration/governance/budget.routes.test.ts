import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { budgetGovernance } from '../../../functions/api/governance.dependencies';
import { createHandler as createGovernanceHandler } from '../../../functions/api/governance';
import type { ResourceDependencies } from '../../../functions/api/dependencies';
import { parseRuntimeConfig } from '../../../functions/api/runtime-config';
import { createHandler as createWorkflowsHandler } from '../../../functions/api/workflows';
import type { AuthContext } from '../../../functions/core/auth-context';
import { createLogger } from '../../../functions/core/logger';
import { CursorCodec } from '../../../functions/data/cursor';
import * as keys from '../../../functions/data/table-keys';
import { LocalModelProvider } from '../../../functions/models/local.model-provider';
import { CachedPlanSource } from '../../../functions/quotas/plan.source';
import { MailboxMailer } from '../../../functions/users/mailer.mailbox';
import type { RunQueue } from '../../../functions/workflows/run.queue';
import { runWorkerFactory, workflowServicesFactory } from '../../../functions/workflows/workflow.module';
import { LOCAL_TABLE_NAME } from '../../../local/platform.config';
import { emulatorEndpoints } from '../../support/emulators';
import { lambdaContext, restEvent } from '../../support/rest-event';
import { auditor, CURSOR_SECRET, member, resourceFixture, tenantAdmin } from '../../support/resources';

/**
 * The budget routes and their effect on runs, through the real handlers over DynamoDB Local: bad budgets change
 * nothing, a set budget is audited and read back with its spend, an exhausted budget fails the steps it cannot
 * cover and then refuses new runs with 402, and a fallback policy runs the steps on the cheaper model instead.
 */
const fixture = resourceFixture();
const mailbox = mkdtempSync(join(tmpdir(), 'budget-mail-'));
afterAll(() => {
  fixture.close();
  rmSync(mailbox, { recursive: true, force: true });
});

const config = parseRuntimeConfig({
  AWS_REGION: 'eu-central-1',
  TABLE_NAME: LOCAL_TABLE_NAME,
  DYNAMODB_ENDPOINT: emulatorEndpoints().dynamoDbEndpoint,
  LOG_LEVEL: 'ERROR',
});
const db = (tenantId: string) => fixture.isolation.forTenant(tenantId);
const logger = createLogger('test', 'ERROR');
const plans = new CachedPlanSource({ db, tableName: fixture.tableName });
const executor = fixture.executors[0];
const cursors = new CursorCodec(CURSOR_SECRET);
const deps: ResourceDependencies = { logger, tenantGate: async () => undefined, tableName: fixture.tableName, db, cursors, executor, plans };
const governance = createGovernanceHandler(config, deps);
const budgets = budgetGovernance(
  {
    db,
    tableName: fixture.tableName,
    plans,
    audit: executor,
    mailer: new MailboxMailer(mailbox, 'budget@example.com'),
    logger,
    region: 'eu-central-1',
    policyTtlMs: 0,
  },
  new LocalModelProvider(),
);
// The run worker with the budgeted provider, as the runs queue's consumer has it; the queue hands each started run
// to it at once, so a run has finished when its start answers.
const worker = runWorkerFactory({ db, tableName: fixture.tableName, mutations: executor, provider: budgets.provider, leaseMs: 30_000, slotWaitSeconds: 1 });
const inline: RunQueue = {
  enqueue: async (message) => {
    const outcome = await worker(message.tenantId).handle(message);
    if (outcome.kind !== 'done') throw new Error(`run ${message.runId} was not finished: ${JSON.stringify(outcome)}`);
  },
};
const workflows = createWorkflowsHandler(config, {
  logger,
  tenantGate: async () => undefined,
  servicesFor: workflowServicesFactory({
    db,
    tableName: fixture.tableName,
    cursors,
    mutations: executor,
    provider: budgets.provider,
    queue: inline,
    admission: budgets.admission,
  }),
});

let requests = 0;
async function call(
  handler: (event: ReturnType<typeof restEvent>, context: ReturnType<typeof lambdaContext>) => Promise<APIGatewayProxyResult>,
  method: string,
  resource: string,
  pathParameters: Record<string, string>,
  options: { body?: unknown; auth?: AuthContext; headers?: Record<string, string> } = {},
) {
  const event = restEvent({
    method,
    resource,
    pathParameters,
    headers: { 'Content-Type': 'application/json', ...options.headers },
    body: options.body === undefined ? null : JSON.stringify(options.body),
    auth: options.auth ?? tenantAdmin(pathParameters.tenantId),
  });
  event.requestContext.requestId = `budget-req-${++requests}`;
  const result = await handler(event, lambdaContext());
  return { ...result, json: result.body ? JSON.parse(result.body) : undefined };
}

const BUDGET = '/v1/tenants/{tenantId}/budget';
const budgetItems = (tenantId: string) =>
  fixture.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.budgetPartition(tenantId) } });
const auditActions = async (tenantId: string) =>
  (
    await fixture.call('audit', 'GET', '/v1/tenants/{tenantId}/audit', { pathParameters: { tenantId }, auth: auditor(tenantId), query: { limit: '100' } })
  ).json.items.map((entry: { action: string }) => entry.action);

async function workflowOf(tenantId: string, modelId: string): Promise<string> {
  const agent = await fixture.call('agents', 'POST', '/v1/tenants/{tenantId}/agents', { pathParameters: { tenantId }, body: { name: 'writer', modelId } });
  expect(agent.statusCode).toBe(201);
  const workflow = await call(
    workflows,
    'POST',
    '/v1/tenants/{tenantId}/workflows',
    { tenantId },
    {
      auth: member(tenantId),
      body: { name: 'one step', steps: [{ id: 'write', agentId: agent.json.agentId }] },
    },
  );
  expect(workflow.statusCode).toBe(201);
  return workflow.json.workflowId;
}

/** Starts a run (202), then reads it as it finished; a refused start is answered as it was. */
async function startRun(tenantId: string, workflowId: string) {
  const started = await call(
    workflows,
    'POST',
    '/v1/tenants/{tenantId}/workflows/{workflowId}/runs',
    { tenantId, workflowId },
    { auth: member(tenantId), body: { input: 'a poem about budgets' } },
  );
  if (started.statusCode !== 202) return started;
  const runId = started.json.runId;
  return call(workflows, 'GET', '/v1/tenants/{tenantId}/workflows/{workflowId}/runs/{runId}', { tenantId, workflowId, runId }, { auth: member(tenantId) });
}

describe('budget routes', () => {
  it('refuses bad budgets with a clear problem and changes nothing', async () => {
    // Prepare
    const tenantId = await fixture.createTenant('free');
    const bad = [
      { monthlyCents: -1 },
      { monthlyCents: 10.5 },
      { monthlyCents: '100' },
      { monthlyCents: 100_01 },
      { monthlyCents: 100, thresholds: [50, 50] },
      { monthlyCents: 100, agents: { a1: 101 } },
      { monthlyCents: 100, onExhausted: { action: 'fallback', modelId: 'anthropic.claude-3-7-sonnet-20250219-v1:0' } },
      { monthlyCents: 100, onExhausted: { action: 'downgrade' } },
      { monthlyCents: 100, extra: true },
    ];
    // Act
    const answers = await Promise.all(bad.map((body) => call(governance, 'PUT', BUDGET, { tenantId }, { body })));
    // Assess
    expect(answers.map((a) => [a.statusCode, a.json.code])).toEqual([
      ...Array.from({ length: 6 }, () => [422, 'validation-failed']),
      [422, 'model-not-allowed'],
      [422, 'validation-failed'],
      [422, 'validation-failed'],
    ]);
    expect(answers[3].json.detail).toContain('at most 10000');
    expect(await budgetItems(tenantId)).toEqual([]);
    expect(await auditActions(tenantId)).toEqual([]);
    expect((await call(governance, 'GET', BUDGET, { tenantId })).statusCode).toBe(404);
  });

  it('sets a budget for tenant admins only, audited, and reads it back with its spend', async () => {
    const tenantId = await fixture.createTenant('team');
    expect((await call(governance, 'PUT', BUDGET, { tenantId }, { auth: member(tenantId), body: { monthlyCents: 100 } })).statusCode).toBe(403);

    const set = await call(governance, 'PUT', BUDGET, { tenantId }, { body: { monthlyCents: 2_500, agents: { a1: 500 }, thresholds: [90, 25] } });
    expect(set.statusCode).toBe(200);
    expect(set.headers?.etag ?? set.headers?.ETag).toBe('"1"');
    expect(set.json).toMatchObject({ currency: 'USD', monthlyCents: 2_500, thresholds: [25, 90], onExhausted: { action: 'block' }, version: 1 });
    const stale = await call(governance, 'PUT', BUDGET, { tenantId }, { body: { monthlyCents: 10 }, headers: { 'If-Match': '"7"' } });
    expect(stale.statusCode).toBe(412);

    const read = await call(governance, 'GET', BUDGET, { tenantId });
    expect(read.statusCode).toBe(200);
    expect(read.json.tenant).toEqual({
      budgetCents: 2_500,
      spentMicros: 0,
      committedMicros: 0,
      steps: 0,
      alerted: [],
      forecastMicros: 0,
      byModel: {},
      byAgent: {},
      byWorkflow: {},
      byApiKey: {},
    });
    expect(read.json.agents.a1.budgetCents).toBe(500);
    expect(await auditActions(tenantId)).toEqual(['budget.set']);

    expect((await call(governance, 'DELETE', BUDGET, { tenantId }, { headers: { 'If-Match': '"1"' } })).statusCode).toBe(204);
    expect(await auditActions(tenantId)).toEqual(expect.arrayContaining(['budget.set', 'budget.delete']));
  });
});

describe('budgets around runs', () => {
  it('fails the steps an exhausted budget cannot cover, tells it once, then refuses new runs with 402 and the budget', async () => {
    // Prepare: a budget of nothing on a priced model
    const tenantId = await fixture.createTenant('free');
    const workflowId = await workflowOf(tenantId, 'amazon.nova-lite-v1:0');
    expect((await call(governance, 'PUT', BUDGET, { tenantId }, { body: { monthlyCents: 0 } })).statusCode).toBe(200);
    // Act
    const first = await startRun(tenantId, workflowId);
    const second = await startRun(tenantId, workflowId);
    // Assess
    expect(first.statusCode).toBe(200);
    expect(first.json.status).toBe('FAILED');
    expect(first.json.steps[0].error).toMatch(/^budget exhausted: the tenant budget of USD 0.00/);
    expect(second.statusCode).toBe(402);
    expect(second.json).toMatchObject({ code: 'budget-exhausted', budget: { scope: 'tenant', currency: 'USD', budgetCents: 0 } });
    expect((await auditActions(tenantId)).filter((action: string) => action === 'budget.exhausted')).toHaveLength(1);

    // Raising the budget lets runs start again at once.
    expect((await call(governance, 'PUT', BUDGET, { tenantId }, { body: { monthlyCents: 100 } })).statusCode).toBe(200);
    const third = await startRun(tenantId, workflowId);
    expect(third.json.status).toBe('SUCCEEDED');
    const spend = (await call(governance, 'GET', BUDGET, { tenantId })).json.tenant;
    expect(spend.steps).toBe(1);
    expect(spend.spentMicros).toBeGreaterThan(0);
    expect(spend.committedMicros).toBe(spend.spentMicros);
    // Spend visibility: by model and workflow, to the same micro-dollar, and a forecast at this pace.
    expect(spend.byModel).toEqual({ 'amazon.nova-lite-v1:0': spend.spentMicros });
    expect(spend.byWorkflow).toEqual({ [workflowId]: spend.spentMicros });
    expect(Object.values(spend.byAgent)).toEqual([spend.spentMicros]);
    expect(spend.forecastMicros).toBeGreaterThanOrEqual(spend.spentMicros);
  });

  it('runs the steps on the policy fallback model when the budget cannot cover the asked one', async () => {
    const tenantId = await fixture.createTenant('free');
    const workflowId = await workflowOf(tenantId, 'amazon.nova-lite-v1:0');
    await call(governance, 'PUT', BUDGET, { tenantId }, { body: { monthlyCents: 0, onExhausted: { action: 'fallback', modelId: 'local.echo' } } });

    const run = await startRun(tenantId, workflowId);

    expect(run.json.status).toBe('SUCCEEDED');
    expect(run.json.steps[0].modelId).toBe('local.echo');
  });
});
