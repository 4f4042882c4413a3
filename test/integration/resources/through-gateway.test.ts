import { startTestPlatform, type TestPlatform, type Tokens } from '../../support/platform';

/**
 * Agents, memories, usage and audit through the local gateway: the real authorizer, tenant gate, bundled handlers
 * and the isolation layer, with a tenant provisioned in cognito-local.
 */
let platform: TestPlatform;
let tenantId: string;
let tokens: Tokens;
const EU = 'eu-central-1';

beforeAll(async () => {
  platform = await startTestPlatform();
  const tenant = await platform.createTenant({ region: EU });
  tenantId = tenant.tenantId;
  tokens = await platform.signIn(tenant.clientId, tenant.admin);
}, 120_000);

afterAll(async () => {
  await platform?.close();
});

const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  platform.call(EU, method, `/v1/tenants/${tenantId}${path}`, {
    token: tokens.idToken,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('resources through the local gateway', () => {
  it('creates an agent and a memory, lists them, and shows both in usage and in a verified audit log', async () => {
    // Act
    const agent = await call('POST', '/agents', { name: 'Support', modelId: 'local.echo' }, { 'Idempotency-Key': 'gw-1' });
    const agentId = agent.json.agentId as string;
    const memory = await call('POST', `/agents/${agentId}/memories`, { content: 'prefers email', tags: ['contact'] });
    const memories = await call('GET', `/agents/${agentId}/memories?tag=contact`);
    const stale = await call('PATCH', `/agents/${agentId}`, { name: 'x' }, { 'If-Match': '"9"' });
    const usage = await call('GET', '/usage');
    const audit = await call('GET', '/audit?action=memory.create');
    const verify = await call('GET', '/audit/verify');
    // Assess
    expect(agent.status).toBe(201);
    expect(agent.headers.get('etag')).toBe('"1"');
    expect(memory.status).toBe(201);
    expect(memories.json.items.map((m: { memoryId: string }) => m.memoryId)).toEqual([memory.json.memoryId]);
    expect(stale.status).toBe(412);
    expect(usage.json.quotas.agents.used).toBe(1);
    expect(audit.json.items).toEqual([expect.objectContaining({ action: 'memory.create', target: `agent/${agentId}/memory/${memory.json.memoryId}` })]);
    expect(verify.json.valid).toBe(true);
  });
});
