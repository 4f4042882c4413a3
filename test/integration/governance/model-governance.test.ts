import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { createHandler as createGovernanceHandler } from '../../../functions/api/governance';
import { modelGovernance } from '../../../functions/api/governance.dependencies';
import type { ResourceDependencies } from '../../../functions/api/dependencies';
import { parseRuntimeConfig } from '../../../functions/api/runtime-config';
import { createHandler as createWorkflowsHandler } from '../../../functions/api/workflows';
import type { AuthContext } from '../../../functions/core/auth-context';
import { createLogger } from '../../../functions/core/logger';
import { CursorCodec } from '../../../functions/data/cursor';
import { digestOf } from '../../../functions/audit/audit-chain';
import * as keys from '../../../functions/data/table-keys';
import { secretNameOf, TenantSecretRefusedError } from '../../../functions/governance/credential-store';
import { FileCredentialStore } from '../../../functions/governance/credential-store.file';
import { modelPriceOf, costMicros } from '../../../functions/governance/budget.pricing';
import { LocalModelProvider } from '../../../functions/models/local.model-provider';
import { ModelInvocationError, type ModelInvocation, type ModelProvider, type ModelResult } from '../../../functions/models/model-provider';
import { CachedPlanSource } from '../../../functions/quotas/plan.source';
import { MailboxMailer } from '../../../functions/users/mailer.mailbox';
import type { RunQueue } from '../../../functions/workflows/run.queue';
import { runWorkerFactory, workflowServicesFactory } from '../../../functions/workflows/workflow.module';
import { LOCAL_TABLE_NAME } from '../../../local/platform.config';
import { emulatorEndpoints } from '../../support/emulators';
import { lambdaContext, restEvent } from '../../support/rest-event';
import { auditor, CURSOR_SECRET, member, resourceFixture, tenantAdmin } from '../../support/resources';

/**
 * Model governance through the real handlers over DynamoDB Local: the tenant's allow-list and guardrail, and its own
 * model credentials (stored in the encrypted file store, never shown again, used only by its own runs, rotated
 * without a failed step).
 */
const fixture = resourceFixture();
const scratch = mkdtempSync(join(tmpdir(), 'model-governance-'));
afterAll(() => {
  fixture.close();
  rmSync(scratch, { recursive: true, force: true });
});

const PREFIX = 'test-platform';
const storeDir = join(scratch, 'credentials');
const store = new FileCredentialStore(storeDir, PREFIX);
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
const governance = createGovernanceHandler(config, deps, store);

/** What the provider was asked: by which tenant, with which secret. Keys in `rejected` are refused as revoked. */
const calls: { tenantId?: string; apiKey?: string; credentialId?: string }[] = [];
const rejected = new Set<string>();
const local = new LocalModelProvider();
const spy: ModelProvider = {
  name: 'local',
  async invoke(invocation: ModelInvocation): Promise<ModelResult> {
    const secret = invocation.credential?.secret;
    const apiKey = secret?.kind === 'api-key' ? secret.apiKey : undefined;
    calls.push({ tenantId: invocation.metadata?.tenantId, apiKey, credentialId: invocation.credential?.id });
    if (apiKey && rejected.has(apiKey)) throw new ModelInvocationError('Bedrock rejected the call: UnrecognizedClientException', { credentialRejected: true });
    return local.invoke(invocation);
  },
};
const governed = modelGovernance(
  {
    db,
    tableName: fixture.tableName,
    plans,
    audit: executor,
    mailer: new MailboxMailer(join(scratch, 'mail'), 'governance@example.com'),
    logger,
    region: 'eu-central-1',
    policyTtlMs: 0,
    credentialStore: store,
  },
  spy,
);
const worker = runWorkerFactory({ db, tableName: fixture.tableName, mutations: executor, provider: governed.provider, leaseMs: 30_000, slotWaitSeconds: 1 });
const inline: RunQueue = {
  enqueue: async (message) => {
    const outcome = await worker(message.tenantId).handle(message);
    if (outcome.kind !== 'done') throw new Error(`run ${message.runId} was not finished: ${JSON.stringify(outcome)}`);
  },
};
const workflows = createWorkflowsHandler(config, {
  logger,
  tenantGate: async () => undefined,
  servicesFor: workflowServicesFactory({ db, tableName: fixture.tableName, cursors, mutations: executor, provider: governed.provider, queue: inline }),
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
  event.requestContext.requestId = `governance-req-${++requests}`;
  const result = await handler(event, lambdaContext());
  return { ...result, json: result.body ? JSON.parse(result.body) : undefined };
}

const POLICY = '/v1/tenants/{tenantId}/model-policy';
const CREDENTIALS = '/v1/tenants/{tenantId}/model-credentials';
const CREDENTIAL = '/v1/tenants/{tenantId}/model-credentials/{credentialId}';
const auditEntries = async (tenantId: string) =>
  (await fixture.call('audit', 'GET', '/v1/tenants/{tenantId}/audit', { pathParameters: { tenantId }, auth: auditor(tenantId), query: { limit: '100' } })).json
    .items as { action: string; actor: string; target: string; digest: string }[];
const tenantItems = async (tenantId: string) =>
  (
    await Promise.all(
      [keys.modelGovernancePartition(tenantId), keys.budgetPartition(tenantId)].map((pk) =>
        fixture.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } }),
      ),
    )
  ).flat();

async function workflowOf(tenantId: string, modelId: string): Promise<{ workflowId: string; agentId: string }> {
  const agent = await fixture.call('agents', 'POST', '/v1/tenants/{tenantId}/agents', { pathParameters: { tenantId }, body: { name: 'writer', modelId } });
  expect(agent.statusCode).toBe(201);
  const body = { name: 'one step', steps: [{ id: 'write', agentId: agent.json.agentId }] };
  const workflow = await call(workflows, 'POST', '/v1/tenants/{tenantId}/workflows', { tenantId }, { auth: member(tenantId), body });
  expect(workflow.statusCode).toBe(201);
  return { workflowId: workflow.json.workflowId, agentId: agent.json.agentId };
}

async function run(tenantId: string, workflowId: string, input = 'a poem about governance') {
  const started = await call(
    workflows,
    'POST',
    '/v1/tenants/{tenantId}/workflows/{workflowId}/runs',
    { tenantId, workflowId },
    { auth: member(tenantId), body: { input } },
  );
  expect(started.statusCode).toBe(202);
  const { runId } = started.json;
  return (
    await call(workflows, 'GET', '/v1/tenants/{tenantId}/workflows/{workflowId}/runs/{runId}', { tenantId, workflowId, runId }, { auth: member(tenantId) })
  ).json;
}

const API_KEY = 'bedrock-api-key-AAAAAAAAAAAAAAAA-1234';

describe('model allow-list and guardrail', () => {
  it('refuses a model outside the plan or a bad guardrail and changes nothing', async () => {
    const tenantId = await fixture.createTenant('free');
    const answers = await Promise.all(
      [
        { allowedModels: ['anthropic.claude-3-7-sonnet-20250219-v1:0'] },
        { allowedModels: [] },
        { allowedModels: ['local.echo', 'local.echo'] },
        { guardrail: { id: 'Not An Id', version: '1' } },
        { guardrail: { id: 'gr1abc', version: 'latest' } },
        { extra: true },
      ].map((body) => call(governance, 'PUT', POLICY, { tenantId }, { body })),
    );
    expect(answers.map((a) => [a.statusCode, a.json.code])).toEqual([
      [422, 'model-not-allowed'],
      ...Array.from({ length: 5 }, () => [422, 'validation-failed']),
    ]);
    expect(await tenantItems(tenantId)).toEqual([]);
    expect(await auditEntries(tenantId)).toEqual([]);
  });

  it('narrows the models agents, budget fallbacks and run steps may use, audited', async () => {
    const tenantId = await fixture.createTenant('free');
    const { workflowId } = await workflowOf(tenantId, 'amazon.nova-lite-v1:0');
    const set = await call(governance, 'PUT', POLICY, { tenantId }, { body: { allowedModels: ['local.echo', 'amazon.nova-micro-v1:0'] } });
    expect(set.statusCode).toBe(200);
    expect(set.json).toMatchObject({ allowedModels: ['local.echo', 'amazon.nova-micro-v1:0'], version: 1 });

    const agent = await fixture.call('agents', 'POST', '/v1/tenants/{tenantId}/agents', {
      pathParameters: { tenantId },
      body: { name: 'big', modelId: 'amazon.nova-lite-v1:0' },
    });
    expect([agent.statusCode, agent.json.code, agent.json.allowedModels]).toEqual([422, 'model-not-allowed', ['local.echo', 'amazon.nova-micro-v1:0']]);
    const fallback = await call(
      governance,
      'PUT',
      '/v1/tenants/{tenantId}/budget',
      { tenantId },
      {
        body: { monthlyCents: 0, onExhausted: { action: 'fallback', modelId: 'local.writer' } },
      },
    );
    expect([fallback.statusCode, fallback.json.code]).toEqual([422, 'model-not-allowed']);
    // The agent made before the list narrowed: its steps fail, naming why.
    const refused = await run(tenantId, workflowId);
    expect(refused.status).toBe('FAILED');
    expect(refused.steps[0].error).toMatch(/^model-not-allowed/);
    expect((await auditEntries(tenantId)).map((entry) => entry.action)).toContain('model-policy.set');
  });

  it('blocks what the guardrail names in a step input, recorded in the run step and the audit log', async () => {
    const tenantId = await fixture.createTenant('free');
    const { workflowId, agentId } = await workflowOf(tenantId, 'local.echo');
    const guardrail = { id: 'gr1abc', version: '3', blockedTerms: ['Secret Project'] };
    expect((await call(governance, 'PUT', POLICY, { tenantId }, { body: { guardrail } })).statusCode).toBe(200);

    const blocked = await run(tenantId, workflowId, 'tell me about the secret project');
    const allowed = await run(tenantId, workflowId, 'tell me about the weather');

    expect(blocked.status).toBe('FAILED');
    expect(blocked.steps[0]).toMatchObject({
      status: 'FAILED',
      guardrail: { action: 'blocked', source: 'input', guardrailId: 'gr1abc', guardrailVersion: '3', matched: ['Secret Project'] },
    });
    expect(allowed.status).toBe('SUCCEEDED');
    const entries = (await auditEntries(tenantId)).filter((entry) => entry.action === 'guardrail.blocked');
    expect(entries).toHaveLength(1);
    // The log keeps the digest of what was blocked; the run step keeps the content.
    expect(entries[0]).toMatchObject({ actor: 'system:guardrail', target: `workflow/${workflowId}/run/${blocked.runId}` });
    const { status: _status, ...verdict } = { status: 0, ...blocked.steps[0].guardrail };
    expect(entries[0].digest).toBe(digestOf({ ...verdict, modelId: 'local.echo', agentId, runId: blocked.runId }));
  });
});

describe('own model credentials', () => {
  it('refuses malformed credentials and never returns a secret after creation', async () => {
    const tenantId = await fixture.createTenant('team');
    const bad = await Promise.all(
      [
        { kind: 'api-key', provider: 'bedrock', apiKey: 'short' },
        { kind: 'aws-role', roleArn: 'arn:aws:iam::12:role/x', externalId: 'ext-id' },
        { kind: 'aws-role', roleArn: 'arn:aws:iam::123456789012:role/x' },
        { kind: 'password', value: 'x' },
      ].map((body) => call(governance, 'POST', CREDENTIALS, { tenantId }, { body })),
    );
    expect(bad.map((a) => [a.statusCode, a.json.code])).toEqual(Array.from({ length: 4 }, () => [422, 'validation-failed']));
    expect(await tenantItems(tenantId)).toEqual([]);

    const created = await call(
      governance,
      'POST',
      CREDENTIALS,
      { tenantId },
      { body: { kind: 'api-key', provider: 'bedrock', apiKey: API_KEY, label: 'prod' } },
    );
    const role = await call(
      governance,
      'POST',
      CREDENTIALS,
      { tenantId },
      {
        body: { kind: 'aws-role', roleArn: 'arn:aws:iam::123456789012:role/bedrock-caller', externalId: 'tenant-external-id-9876' },
      },
    );
    expect(created.statusCode).toBe(201);
    expect(created.json).toEqual({
      credentialId: expect.any(String),
      kind: 'api-key',
      label: 'prod',
      last4: '1234',
      version: 1,
      createdAt: expect.any(String),
    });
    expect(role.json).toMatchObject({ kind: 'aws-role', last4: '9876' });
    const { credentialId } = created.json;
    const reads = [
      await call(governance, 'GET', CREDENTIALS, { tenantId }),
      await call(governance, 'GET', CREDENTIAL, { tenantId, credentialId }),
      await call(governance, 'PUT', CREDENTIAL, { tenantId, credentialId }, { body: { kind: 'api-key', provider: 'bedrock', apiKey: `${API_KEY}-rotated` } }),
    ];
    expect(reads.map((read) => read.statusCode)).toEqual([200, 200, 200]);
    // Nowhere the API, the table or the audit log shows: the secret, the external id, or anything but the last four.
    const shown = JSON.stringify([created.json, role.json, ...reads.map((read) => read.json), await tenantItems(tenantId), await auditEntries(tenantId)]);
    for (const secret of [API_KEY, 'tenant-external-id-9876', 'bedrock-api-key']) expect(shown).not.toContain(secret);
    // The store's files hold it sealed, not in clear text.
    const files = readdirSync(storeDir, { recursive: true })
      .map(String)
      .filter((name) => name.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(readFileSync(join(storeDir, file), 'utf8')).not.toContain('bedrock-api-key');
    expect((await auditEntries(tenantId)).map((entry) => entry.action)).toEqual(
      expect.arrayContaining(['model-credential.create', 'model-credential.create', 'model-credential.rotate']),
    );
  });

  it('is never readable by another tenant: not through the API, not through the store, not as a copied file', async () => {
    const acme = await fixture.createTenant('team');
    const globex = await fixture.createTenant('team');
    const created = await call(governance, 'POST', CREDENTIALS, { tenantId: acme }, { body: { kind: 'api-key', provider: 'bedrock', apiKey: API_KEY } });
    const { credentialId } = created.json;

    const crossPath = await call(governance, 'GET', CREDENTIAL, { tenantId: acme, credentialId }, { auth: tenantAdmin(globex) });
    const ownPath = await call(governance, 'GET', CREDENTIAL, { tenantId: globex, credentialId });
    expect(crossPath.statusCode).toBe(403);
    expect(ownPath.statusCode).toBe(404);
    expect(await store.read(globex, credentialId)).toBeUndefined();
    await expect(store.read(globex, `../../${acme}/model-credentials/${credentialId}`)).rejects.toThrow(TenantSecretRefusedError);
    // A sealed secret copied under the other tenant's name does not open: the name is authenticated with it.
    const from = join(storeDir, `${secretNameOf(PREFIX, acme, credentialId)}.json`);
    const to = join(storeDir, `${secretNameOf(PREFIX, globex, credentialId)}.json`);
    mkdirSync(dirname(to), { recursive: true });
    cpSync(from, to);
    expect(await store.read(globex, credentialId)).toBeUndefined();
    writeFileSync(to, JSON.stringify({ ...JSON.parse(readFileSync(from, 'utf8')), name: secretNameOf(PREFIX, globex, credentialId) }));
    await expect(store.read(globex, credentialId)).rejects.toThrow(/authenticate/);
    expect((await store.read(acme, credentialId))?.current.value).toContain(API_KEY);
  });

  it("is used only by its own tenant's runs, which record it, billed by the plan's rule", async () => {
    const acme = await fixture.createTenant('team');
    const globex = await fixture.createTenant('team');
    const created = await call(governance, 'POST', CREDENTIALS, { tenantId: acme }, { body: { kind: 'api-key', provider: 'bedrock', apiKey: API_KEY } });
    const acmeFlow = await workflowOf(acme, 'amazon.nova-lite-v1:0');
    const globexFlow = await workflowOf(globex, 'amazon.nova-lite-v1:0');
    calls.length = 0;

    const [acmeRun, globexRun] = await Promise.all([run(acme, acmeFlow.workflowId), run(globex, globexFlow.workflowId)]);

    expect(acmeRun.steps[0]).toMatchObject({ status: 'SUCCEEDED', credentialId: created.json.credentialId });
    expect(globexRun.steps[0].status).toBe('SUCCEEDED');
    expect(globexRun.steps[0].credentialId).toBeUndefined();
    expect(calls.filter((c) => c.apiKey === API_KEY).map((c) => c.tenantId)).toEqual([acme]);
    expect(calls.filter((c) => c.tenantId === globex).map((c) => c.apiKey)).toEqual([undefined]);
    // Team bills 10 % of list price on an own key; the tenant without one pays list price.
    const listPrice = (usage: { inputTokens: number; outputTokens: number }) => costMicros(modelPriceOf('eu-central-1', 'amazon.nova-lite-v1:0'), usage);
    const spent = async (tenantId: string) =>
      (await governed.ledger.read(tenantId, acmeRun.createdAt.slice(0, 7), { kind: 'tenant', capMicros: 0 })).spentMicros;
    expect(await spent(acme)).toBe(Math.ceil(listPrice(acmeRun.steps[0].usage) / 10));
    expect(await spent(globex)).toBe(listPrice(globexRun.steps[0].usage));
  });

  it('rotates without a failed step: the old secret answers while the new one is refused, and is retired after the new one works', async () => {
    const tenantId = await fixture.createTenant('team');
    const created = await call(governance, 'POST', CREDENTIALS, { tenantId }, { body: { kind: 'api-key', provider: 'bedrock', apiKey: API_KEY } });
    const { credentialId } = created.json;
    const { workflowId } = await workflowOf(tenantId, 'local.echo');
    const next = `${API_KEY}-next`;
    const rotated = await call(
      governance,
      'PUT',
      CREDENTIAL,
      { tenantId, credentialId },
      { body: { kind: 'api-key', provider: 'bedrock', apiKey: next }, headers: { 'If-Match': '"1"' } },
    );
    expect(rotated.json).toMatchObject({ version: 2, rotatedAt: expect.any(String) });

    rejected.add(next);
    const whileRefused = await run(tenantId, workflowId);
    expect(whileRefused.status).toBe('SUCCEEDED');
    expect((await store.read(tenantId, credentialId))?.previous).toBeDefined();

    rejected.delete(next);
    const afterwards = await run(tenantId, workflowId);
    expect(afterwards.status).toBe('SUCCEEDED');
    expect(await store.read(tenantId, credentialId)).toEqual({ current: { versionId: expect.any(String), value: expect.stringContaining(next) } });

    const removed = await call(governance, 'DELETE', CREDENTIAL, { tenantId, credentialId }, { headers: { 'If-Match': '"2"' } });
    expect(removed.statusCode).toBe(204);
    expect(await store.read(tenantId, credentialId)).toBeUndefined();
    expect((await auditEntries(tenantId)).map((entry) => entry.action)).toContain('model-credential.delete');
  });
});

describe('spend in the usage report', () => {
  it('shows the month spend, its forecast and breakdowns, reconciling to the cent with the price table per step', async () => {
    // Prepare: two workflows on priced models, no budget set
    const tenantId = await fixture.createTenant('team');
    const lite = await workflowOf(tenantId, 'amazon.nova-lite-v1:0');
    const pro = await workflowOf(tenantId, 'amazon.nova-pro-v1:0');
    // Act
    const runs = [
      await run(tenantId, lite.workflowId),
      await run(tenantId, lite.workflowId, 'a longer poem about spend and invoices'),
      await run(tenantId, pro.workflowId),
    ];
    const report = await fixture.call('usage', 'GET', '/v1/tenants/{tenantId}/usage', { pathParameters: { tenantId }, auth: tenantAdmin(tenantId) });
    // Assess
    expect(report.statusCode).toBe(200);
    const { spend } = report.json;
    const steps = runs.flatMap((r) => r.steps as { modelId: string; usage: { inputTokens: number; outputTokens: number } }[]);
    const priced = steps.map((step) => costMicros(modelPriceOf('eu-central-1', step.modelId), step.usage));
    const total = priced.reduce((sum, micros) => sum + micros, 0);
    const sum = (figures: Record<string, number>) => Object.values(figures).reduce((a, b) => a + b, 0);
    expect(spend).toMatchObject({ currency: 'USD', spentMicros: total, spentCents: Math.ceil(total / 10_000), steps: 3 });
    expect(spend.byModel).toEqual({ 'amazon.nova-lite-v1:0': priced[0] + priced[1], 'amazon.nova-pro-v1:0': priced[2] });
    expect(spend.byWorkflow).toEqual({ [lite.workflowId]: priced[0] + priced[1], [pro.workflowId]: priced[2] });
    expect([sum(spend.byAgent), sum(spend.byModel), sum(spend.byWorkflow)]).toEqual([total, total, total]);
    expect(spend.forecastMicros).toBeGreaterThanOrEqual(total);
    // A past month has no spend and no forecast beyond it.
    const past = await fixture.call('usage', 'GET', '/v1/tenants/{tenantId}/usage', {
      pathParameters: { tenantId },
      auth: tenantAdmin(tenantId),
      query: { period: '2020-01' },
    });
    expect(past.json.spend).toMatchObject({ spentMicros: 0, forecastMicros: 0, spentCents: 0 });
  });
});
