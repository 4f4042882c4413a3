import { readMailbox } from '../../functions/users/mailer.mailbox';
import { buildOpenApiDocument } from '../../functions/platform/openapi';
import { ROUTES } from '../../functions/routes';
import { ContractValidator } from '../support/contract-validator';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { startPrismProxy, type PrismProxy } from '../support/prism-proxy';

/**
 * The contract test: every route of the route table called through the local gateway with valid and invalid
 * requests, and every answer held to the OpenAPI document the API serves (status documented, required headers
 * there, body of the documented type and schema) by two judges: our validator, and Stoplight's Prism as a validating
 * proxy in front of the first region's API (the calls to the other region go straight to it).
 */
const EU = 'eu-central-1';
const US = 'us-east-1';
const PASSWORD = 'Contract-Test-9-Password';
let platform: TestPlatform;
let validator: ContractValidator;
let prism: PrismProxy;
/** What Prism found wrong in the answers it passed on, and how many it passed on. */
const prismViolations: string[] = [];
let proxied = 0;
let tenantId: string;
let adminToken: string;
let platformToken: string;

beforeAll(async () => {
  platform = await startTestPlatform();
  const tenant = await platform.createTenant({ region: EU });
  tenantId = tenant.tenantId;
  adminToken = (await platform.signIn(tenant.clientId, tenant.admin)).idToken;
  const admin = await platform.platformAdmin();
  platformToken = (await platform.signIn(admin.clientId, admin)).idToken;
  const served = await platform.call(EU, 'GET', '/v1/openapi.json');
  validator = new ContractValidator(served.json);
  prism = await startPrismProxy(served.json, platform.endpoints[EU]);
}, 120_000);

afterAll(async () => {
  await prism?.stop();
  await platform?.close();
});

interface Call {
  /** The region whose API is called. @default eu-central-1 */
  readonly region?: typeof EU | typeof US;
  readonly token?: string | null;
  readonly body?: unknown;
  readonly raw?: string;
  readonly headers?: Record<string, string>;
}

/** Calls a route (by its route-table path, with the values of its parameters) and checks the answer. */
async function call(method: string, routePath: string, params: Record<string, string>, options: Call = {}, query = '') {
  const path = routePath.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(params[name] ?? `unknown-${name}`));
  const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const token = options.token === undefined ? adminToken : options.token;
  const headers = { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers };
  const region = options.region ?? EU;
  const via = region === EU && prism.passesOn(method, headers, body) ? prism.url : undefined;
  const response = await platform.call(region, method, `${path}${query}`, {
    ...(token ? { token } : {}),
    headers,
    ...(body !== undefined ? { body } : {}),
    ...(via ? { via } : {}),
  });
  validator.check(method, routePath, response);
  if (via) {
    proxied += 1;
    for (const violation of prism.responseViolations(response.headers)) prismViolations.push(`${method} ${path} ${response.status}: ${violation}`);
  }
  return response;
}

const T = '/v1/tenants/{tenantId}';

describe('the API contract, live', () => {
  it('answers every route, valid and invalid, only as the served OpenAPI document says', async () => {
    const p: Record<string, string> = { tenantId: '' };
    p.tenantId = tenantId;

    // Public routes
    await call('GET', '/v1/health', p, { token: null });
    await call('GET', '/v1/openapi.json', p, { token: null });
    await call('GET', '/v1/errors', p, { token: null });
    await call('GET', '/v1/discovery', p, { token: null }, `?slug=${tenantId}`);
    await call('GET', '/v1/discovery', p, { token: null }, '?unknown=1');
    await call('POST', '/v1/invitations/accept', p, { token: null, body: {} });
    await call('POST', '/v1/invitations/accept', p, { token: null, raw: '{"code":' });
    await call('POST', '/v1/invitations/accept', p, { token: null, raw: 'code=x', headers: { 'content-type': 'text/plain' } });
    await call('POST', '/v1/invitations/accept', p, { token: null, body: { code: 'inv.nobody.x', password: PASSWORD } });

    // The tenant, with conditional reads
    const tenant = await call('GET', T, p);
    await call('GET', T, p, { headers: { 'If-None-Match': tenant.headers.get('etag') ?? '' } });
    await call('GET', T, p, { token: null });
    await call('GET', T, p, { token: 'not-a-token' });
    await call('PATCH', T, p, { body: {} });
    await call('PATCH', T, p, { body: { name: 'Contract Co' } });
    await call('PATCH', T, p, { body: { name: 'Stale' }, headers: { 'If-Match': '"999"' } });

    // Users and invitations
    const users = await call('GET', `${T}/users`, p);
    await call('GET', `${T}/users`, p, {}, '?limit=0');
    await call('GET', `${T}/users`, p, {}, '?limit=100&cursor=bad');
    p.userId = users.json.items[0].userId;
    await call('GET', `${T}/users/{userId}`, p);
    await call('PATCH', `${T}/users/{userId}`, p, { body: { role: 'emperor' } });
    await call('PATCH', `${T}/users/{userId}`, p, { body: { role: 'member' } });
    await call('DELETE', `${T}/users/{userId}`, { ...p, userId: '01J00000000000000000000000' });
    const email = `new-${tenantId}@contract.example`;
    const invitation = await call('POST', `${T}/invitations`, p, { body: { email, role: 'member' } });
    await call('POST', `${T}/invitations`, p, { body: { email: 'not-an-email', role: 'member' } });
    await call('GET', `${T}/invitations`, p);
    const code = (await readMailbox(platform.mailboxDir)).filter((mail) => mail.to === email).at(-1)?.data?.code as string;
    const accepted = await call('POST', '/v1/invitations/accept', p, { token: null, body: { code, password: PASSWORD } });
    await call('POST', '/v1/invitations/accept', p, { token: null, body: { code, password: PASSWORD } });
    const second = await call('POST', `${T}/invitations`, p, { body: { email: `second-${tenantId}@contract.example`, role: 'viewer' } });
    await call('DELETE', `${T}/invitations/{invitationId}`, { ...p, invitationId: second.json.invitationId });
    await call('DELETE', `${T}/users/{userId}`, { ...p, userId: accepted.json.userId });
    expect([invitation.status, accepted.status]).toEqual([201, 201]);

    // API keys
    const key = await call('POST', `${T}/api-keys`, p, { body: { name: 'ci', role: 'member' } });
    await call('POST', `${T}/api-keys`, p, { body: { name: 'ci', role: 'member', extra: 1 } });
    await call('GET', `${T}/api-keys`, p);
    await call('GET', `${T}/agents`, p, { token: null, headers: { authorization: `ApiKey ${key.json.key}` } });
    await call('GET', `${T}/agents`, p, { token: null, headers: { Authorization: `ApiKey ${key.json.key}` } });
    await call('DELETE', `${T}/api-keys/{keyId}`, { ...p, keyId: key.json.keyId });
    await call('GET', `${T}/agents`, p, { token: null, headers: { authorization: `ApiKey ${key.json.key}` } });

    // Agents and memories
    const agent = await call('POST', `${T}/agents`, p, { body: { name: 'Writer', modelId: 'local.echo' }, headers: { 'Idempotency-Key': `c-${tenantId}` } });
    await call('POST', `${T}/agents`, p, { body: { name: 'Writer', modelId: 'local.echo' }, headers: { 'Idempotency-Key': `c-${tenantId}` } });
    await call('POST', `${T}/agents`, p, { body: { name: 'Nope', modelId: 'no.such-model' } });
    await call('POST', `${T}/agents`, p, { raw: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    p.agentId = agent.json.agentId;
    await call('GET', `${T}/agents`, p, {}, '?limit=100');
    await call('GET', `${T}/agents`, p, {}, '?limit=101');
    await call('GET', `${T}/agents`, p, {}, '?unknown=1');
    const got = await call('GET', `${T}/agents/{agentId}`, p);
    await call('GET', `${T}/agents/{agentId}`, p, { headers: { 'If-None-Match': got.headers.get('etag') ?? '' } });
    await call('GET', `${T}/agents/{agentId}`, { ...p, agentId: 'missing' });
    await call('PATCH', `${T}/agents/{agentId}`, p, { body: {} });
    await call('PATCH', `${T}/agents/{agentId}`, p, { body: { name: 'Writer 2' }, headers: { 'If-Match': '"1"' } });
    // Tools, and agents naming them
    const tool = await call('POST', `${T}/tools`, p, {
      body: { name: 'clock', endpoint: { kind: 'built-in', name: 'current-time' } },
      headers: { 'Idempotency-Key': `t-${tenantId}` },
    });
    await call('POST', `${T}/tools`, p, { body: { name: 'web', endpoint: { kind: 'http', url: 'http://insecure.example.com' } } });
    p.toolId = tool.json.toolId;
    await call('GET', `${T}/tools`, p, {}, '?limit=1');
    await call('GET', `${T}/tools`, p, {}, '?unknown=1');
    await call('GET', `${T}/tools/{toolId}`, p);
    await call('GET', `${T}/tools/{toolId}`, { ...p, toolId: 'missing' });
    await call('PATCH', `${T}/tools/{toolId}`, p, { body: {} });
    await call('PATCH', `${T}/tools/{toolId}`, p, { body: { description: 'The time' }, headers: { 'If-Match': '"1"' } });
    await call('PATCH', `${T}/agents/{agentId}`, p, { body: { toolIds: ['missing'] } });
    await call('PATCH', `${T}/agents/{agentId}`, p, { body: { toolIds: [p.toolId] } });
    await call('DELETE', `${T}/tools/{toolId}`, p, { headers: { 'If-Match': '"1"' } });
    await call('DELETE', `${T}/tools/{toolId}`, p);
    const memory = await call('POST', `${T}/agents/{agentId}/memories`, p, { body: { content: 'prefers email', tags: ['contact'] } });
    p.memoryId = memory.json.memoryId;
    await call('GET', `${T}/agents/{agentId}/memories`, p, {}, '?tag=contact');
    await call('GET', `${T}/agents/{agentId}/memories/{memoryId}`, p);
    await call('PATCH', `${T}/agents/{agentId}/memories/{memoryId}`, p, { body: { content: 'prefers phone' } });
    await call('PATCH', `${T}/agents/{agentId}/memories/{memoryId}`, p, { body: {} });
    await call('DELETE', `${T}/agents/{agentId}`, p);
    await call('DELETE', `${T}/agents/{agentId}/memories/{memoryId}`, p);
    await call('DELETE', `${T}/agents/{agentId}/memories/{memoryId}`, p);

    // Subscription
    const subscription = await call('GET', `${T}/subscription`, p);
    await call('PATCH', `${T}/subscription`, p, { body: { plan: 'platinum' } });
    await call('PATCH', `${T}/subscription`, p, { body: { cancelAtPeriodEnd: true }, headers: { 'If-Match': '"999"' } });
    await call('PATCH', `${T}/subscription`, p, { body: { cancelAtPeriodEnd: true }, headers: { 'If-Match': subscription.headers.get('etag') ?? '' } });

    // Invoices and payments (no period of this tenant has ended: nothing is invoiced yet)
    await call('GET', `${T}/invoices`, p);
    await call('GET', `${T}/invoices/{invoiceId}`, { ...p, invoiceId: '2020-01' });
    await call('GET', `${T}/invoices/{invoiceId}`, { ...p, invoiceId: '2020-13' });
    await call('GET', `${T}/invoices/{invoiceId}/document`, { ...p, invoiceId: '2020-01' });
    await call(
      'POST',
      `${T}/invoices/{invoiceId}/payments`,
      { ...p, invoiceId: '2020-01' },
      { token: platformToken, body: { eventId: 'e1', outcome: 'succeeded', amount: -1, currency: 'EUR' } },
    );
    await call(
      'POST',
      `${T}/invoices/{invoiceId}/payments`,
      { ...p, invoiceId: '2020-01' },
      { token: platformToken, body: { eventId: 'e1', outcome: 'succeeded', amount: 0, currency: 'EUR' } },
    );
    await call('POST', '/v1/billing/period-close', p);
    await call('POST', '/v1/billing/period-close', p, { token: platformToken });
    await call('POST', '/v1/billing/webhooks/stripe', p, { token: null, raw: '{}', headers: { 'Stripe-Signature': 't=1,v1=00' } });

    // Usage and audit
    await call('GET', `${T}/usage`, p);
    await call('GET', `${T}/health`, p);
    await call('GET', `${T}/audit`, p, {}, '?limit=5');
    await call('GET', `${T}/audit/verify`, p);

    // Workflows and runs
    const workflow = await call('POST', `${T}/workflows`, p, { body: { name: 'One step', steps: [{ id: 'a', agentId: p.agentId }] } });
    await call('POST', `${T}/workflows`, p, { body: { name: 'Bad', steps: [{ id: 'a#b', agentId: p.agentId }] } });
    p.workflowId = workflow.json.workflowId;
    await call('GET', `${T}/workflows`, p);
    await call('GET', `${T}/workflows/{workflowId}`, p);
    await call('PATCH', `${T}/workflows/{workflowId}`, p, { body: { name: 'Renamed' } });
    const run = await call('POST', `${T}/workflows/{workflowId}/runs`, p, { body: { input: 'hello' } });
    await call('GET', `${T}/workflows/{workflowId}/runs`, p);
    await call('GET', `${T}/workflows/{workflowId}/runs/{runId}`, { ...p, runId: run.json.runId });
    await call('GET', `${T}/workflows/{workflowId}/runs/{runId}`, { ...p, runId: 'missing' });
    await call('POST', `${T}/workflows/{workflowId}/runs/{runId}/cancel`, { ...p, runId: run.json.runId });
    await call('POST', `${T}/workflows/{workflowId}/runs/{runId}/cancel`, { ...p, runId: 'missing' });
    await call('DELETE', `${T}/workflows/{workflowId}`, p);
    await call('DELETE', `${T}/agents/{agentId}`, p);

    // Export and import jobs: started (202), followed to their end, refused when the bundle does not exist
    const exported = await call('POST', `${T}/exports`, p);
    const exportPath = `${T}/exports/{jobId}`;
    const job = { ...p, jobId: exported.json.jobId };
    for (let polls = 0; polls < 100 && (await call('GET', exportPath, job)).json.state !== 'SUCCEEDED'; polls++) await new Promise((r) => setTimeout(r, 200));
    await call('GET', exportPath, { ...p, jobId: '01J00000000000000000000000' });
    await call('GET', exportPath, { ...p, jobId: 'not-a-job' });
    await call('POST', `${T}/imports`, p, { body: {} });
    await call('POST', `${T}/imports`, p, { body: { exportId: '01J00000000000000000000000' } });
    const imported = await call('POST', `${T}/imports`, p, { body: { exportId: exported.json.jobId } });
    await call('GET', `${T}/imports/{jobId}`, { ...p, jobId: imported.json.jobId });
    await call('GET', `${T}/imports/{jobId}`, { ...p, jobId: exported.json.jobId });

    // Retention, legal hold, compliance
    await call('PUT', `${T}/retention`, p, { body: { content: 30 } });
    await call('PUT', `${T}/retention`, p, { body: { content: -1 } });
    await call('PUT', `${T}/legal-hold`, p, { body: { reason: 'audit' } });
    await call('PUT', `${T}/legal-hold`, p, { body: { reason: 'audit' }, token: platformToken });
    await call('GET', `${T}/compliance`, p);
    await call('DELETE', `${T}/legal-hold`, p, { token: platformToken });
    await call('DELETE', `${T}/legal-hold`, p, { token: platformToken });

    // Budgets
    await call('GET', `${T}/budget`, p);
    await call('PUT', `${T}/budget`, p, { body: { monthlyCents: -1 } });
    await call('PUT', `${T}/budget`, p, { body: { monthlyCents: 500, onExhausted: { action: 'fallback', modelId: 'no.such-model' } } });
    await call('PUT', `${T}/budget`, p, { body: { monthlyCents: 500, onExhausted: { action: 'fallback', modelId: 'amazon.nova-micro-v1:0' } } });
    await call('GET', `${T}/budget`, p);
    await call('DELETE', `${T}/budget`, p, { headers: { 'If-Match': '"7"' } });
    await call('DELETE', `${T}/budget`, p, { headers: { 'If-Match': '"1"' } });
    // Model policy and own model credentials
    await call('GET', `${T}/model-policy`, p);
    await call('PUT', `${T}/model-policy`, p, { body: { allowedModels: ['no.such-model'] } });
    await call('PUT', `${T}/model-policy`, p, { body: { allowedModels: ['local.echo'], guardrail: { id: 'gr1abc', version: '1', blockedTerms: ['x'] } } });
    await call('GET', `${T}/model-policy`, p);
    await call('DELETE', `${T}/model-policy`, p, { headers: { 'If-Match': '"1"' } });
    await call('POST', `${T}/model-credentials`, p, { body: { kind: 'api-key', provider: 'bedrock', apiKey: 'short' } });
    const credential = await call('POST', `${T}/model-credentials`, p, {
      body: { kind: 'api-key', provider: 'bedrock', apiKey: 'contract-api-key-0123456789' },
    });
    const withCredential = { ...p, credentialId: credential.json.credentialId };
    await call('GET', `${T}/model-credentials`, p);
    await call('GET', `${T}/model-credentials/{credentialId}`, withCredential);
    await call('GET', `${T}/model-credentials/{credentialId}`, { ...p, credentialId: 'NOSUCHCREDENTIAL' });
    await call('PUT', `${T}/model-credentials/{credentialId}`, withCredential, {
      body: { kind: 'api-key', provider: 'bedrock', apiKey: 'contract-api-key-rotated-01' },
    });
    await call('DELETE', `${T}/model-credentials/{credentialId}`, withCredential, { headers: { 'If-Match': '"2"' } });

    // Platform-admin routes: refused for a tenant admin, and answered for a platform admin
    await call('GET', '/v1/tenants', p);
    await call('GET', '/v1/tenants', p, { token: platformToken }, '?limit=2');
    await call('GET', '/v1/platform/tenants/health', p);
    await call('GET', '/v1/platform/tenants/health', p, { token: platformToken }, '?sort=p99&window=hour');
    await call('GET', '/v1/platform/tenants/health', p, { token: platformToken }, '?sort=cost');
    await call('POST', '/v1/tenants', p, { token: platformToken, body: { id: 'x' } });
    await call('POST', `${T}/suspend`, p, { token: platformToken });
    await call('POST', `${T}/suspend`, p, { token: platformToken });
    await call('GET', `${T}/agents`, p);
    await call('POST', `${T}/reactivate`, p, { token: platformToken });
    await call('POST', `${T}/retry`, p, { token: platformToken });
    await call('DELETE', T, { tenantId: 'no-such-tenant' }, { token: platformToken });

    // Migration to the other region, last: the tenant then lives in us-east-1 and eu-central-1 answers 421
    const M = '/v1/tenants/{tenantId}/migrations';
    const admin = { token: platformToken };
    await call('POST', M, p, { body: { to: US } });
    await call('POST', M, p, { ...admin, body: { to: 'ap-south-1' } });
    await call('POST', M, p, { ...admin, body: { to: EU } });
    await call('GET', `${M}/{migrationId}`, { ...p, migrationId: '01J00000000000000000000000' }, admin);
    const migration = await call('POST', M, p, { ...admin, body: { to: US }, headers: { 'Idempotency-Key': `migrate-${tenantId}` } });
    await call('POST', M, p, { ...admin, body: { to: US } });
    const m = { ...p, migrationId: migration.json.migrationId };
    for (let polls = 0; polls < 300 && (await call('GET', `${M}/{migrationId}`, m, { ...admin, region: US })).json?.state !== 'SUCCEEDED'; polls++) {
      await new Promise((r) => setTimeout(r, 200));
    }
    const moved = await call('GET', `${M}/{migrationId}`, m, { ...admin, region: US });
    // The old region's gate reads the directory through its cache (DIRECTORY_CACHE_SECONDS): 421 within that bound.
    let oldRegion = await call('GET', `${M}/{migrationId}`, m, admin);
    for (let polls = 0; polls < 30 && oldRegion.status !== 421; polls++) {
      await new Promise((r) => setTimeout(r, 250));
      oldRegion = await call('GET', `${M}/{migrationId}`, m, admin);
    }

    // Assess
    expect(migration.status).toBe(202);
    expect(moved.json).toMatchObject({ state: 'SUCCEEDED', step: 'purged', from: EU, to: US });
    expect(oldRegion.status).toBe(421);
    expect(oldRegion.json).toMatchObject({ code: 'wrong-region', region: US, endpoint: platform.endpoints[US] });
    expect(validator.violations).toEqual([]);
    expect([...validator.seen].sort()).toEqual(ROUTES.map((route) => route.operationId).sort());
    expect(prismViolations).toEqual([]);
    expect(proxied).toBeGreaterThan(100);
  });

  it('catches what a validating proxy would: undocumented status, body where none is, missing header, wrong body or problem code', () => {
    // Prepare
    const checker = new ContractValidator(buildOpenApiDocument(ROUTES, 'https://api.example.com'));
    const answer = (status: number, headers: Record<string, string>, text: string) => ({
      status,
      headers: new Headers(headers),
      text,
      json: text ? JSON.parse(text) : undefined,
    });

    // Act
    checker.check('GET', '/v1/health', answer(418, {}, ''));
    checker.check('DELETE', `${T}/agents/{agentId}`, answer(204, { 'content-type': 'application/json', 'cache-control': 'no-store' }, 'null'));
    checker.check(
      'GET',
      '/v1/health',
      answer(200, { 'content-type': 'application/json', etag: 'W/"x"' }, '{"status":"ok","region":"eu-central-1","time":"2026-01-01T00:00:00Z"}'),
    );
    checker.check('GET', '/v1/health', answer(200, { 'content-type': 'application/json', etag: 'W/"x"', 'cache-control': 'no-store' }, '{"status":"fine"}'));
    // A problem answer (a shared response of the document) with a code its status does not have here.
    const problem = (code: string) => JSON.stringify({ type: `https://errors.agent-platform.dev/${code}`, title: 't', status: 404, detail: 'd', code });
    const problemHeaders = { 'content-type': 'application/problem+json', 'cache-control': 'no-store' };
    const wrongCode = checker.check('GET', `${T}/agents/{agentId}`, answer(404, problemHeaders, problem('wrong-region')));
    const rightCode = checker.check('GET', `${T}/agents/{agentId}`, answer(404, problemHeaders, problem('not-found')));

    // Assess
    expect(checker.violations.map((v) => v.problem.split(':')[0])).toEqual([
      'status not documented',
      'a body or content type where the document has none',
      'required header Cache-Control missing',
      'body',
      'body',
    ]);
    expect([wrongCode.length, rightCode]).toEqual([1, []]);
  });

  it('has Prism catch an answer that breaks the document', async () => {
    // Prepare: the served document, with a health answer that must carry a property the API does not send
    const served = (await platform.call(EU, 'GET', '/v1/openapi.json')).json as { components: { schemas: Record<string, Record<string, any>> } };
    const health = served.components.schemas.Health;
    health.required = [...(health.required ?? []), 'uptime'];
    health.properties = { ...health.properties, uptime: { type: 'integer' } };
    const strict = await startPrismProxy(served, platform.endpoints[EU]);
    try {
      // Act
      const answer = await platform.call(EU, 'GET', '/v1/health', { via: strict.url });

      // Assess
      expect(answer.status).toBe(200);
      expect(strict.responseViolations(answer.headers)).toEqual([expect.stringMatching(/^response\.body: .*uptime/)]);
    } finally {
      await strict.stop();
    }
  });

  it('serves the document it is checked against', async () => {
    const served = await platform.call(EU, 'GET', '/v1/openapi.json');
    expect(served.json.paths).toEqual((buildOpenApiDocument(ROUTES, platform.endpoints[EU], 'local') as { paths: unknown }).paths);
  });
});
