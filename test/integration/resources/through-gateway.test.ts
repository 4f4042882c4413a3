import { createApiClient, type ApiClient } from '../../../local/api-client/api-client';
import { startTestPlatform, type TestPlatform, type Tokens } from '../../support/platform';

/**
 * Agents, memories, usage and audit through the local gateway: the real authorizer, tenant gate, bundled handlers
 * and the isolation layer, with a tenant provisioned in cognito-local; called with the typed client generated from
 * the API document, as consumers of the API call it.
 */
let platform: TestPlatform;
let tenantId: string;
let tokens: Tokens;
let api: ApiClient;
const EU = 'eu-central-1';

beforeAll(async () => {
  platform = await startTestPlatform();
  const tenant = await platform.createTenant({ region: EU });
  tenantId = tenant.tenantId;
  tokens = await platform.signIn(tenant.clientId, tenant.admin);
  api = createApiClient(platform.endpoints[EU], async () => tokens.idToken);
}, 120_000);

afterAll(async () => {
  await platform?.close();
});

describe('resources through the local gateway', () => {
  it('creates an agent and a memory, lists them, and shows both in usage and in a verified audit log', async () => {
    // Act
    const tenant = { tenantId };
    const agent = await api.POST('/v1/tenants/{tenantId}/agents', {
      params: { path: tenant, header: { 'Idempotency-Key': 'gw-1' } },
      body: { name: 'Support', modelId: 'local.echo' },
    });
    const agentId = agent.data!.agentId;
    const memory = await api.POST('/v1/tenants/{tenantId}/agents/{agentId}/memories', {
      params: { path: { tenantId, agentId } },
      body: { content: 'prefers email', tags: ['contact'] },
    });
    const memories = await api.GET('/v1/tenants/{tenantId}/agents/{agentId}/memories', { params: { path: { tenantId, agentId }, query: { tag: 'contact' } } });
    const stale = await api.PATCH('/v1/tenants/{tenantId}/agents/{agentId}', {
      params: { path: { tenantId, agentId }, header: { 'If-Match': '"9"' } },
      body: { name: 'x' },
    });
    const usage = await api.GET('/v1/tenants/{tenantId}/usage', { params: { path: tenant } });
    const audit = await api.GET('/v1/tenants/{tenantId}/audit', { params: { path: tenant, query: { action: 'memory.create' } } });
    const verify = await api.GET('/v1/tenants/{tenantId}/audit/verify', { params: { path: tenant } });

    // Assess
    expect(agent.response.status).toBe(201);
    expect(agent.response.headers.get('etag')).toBe('"1"');
    expect(memory.response.status).toBe(201);
    expect(memories.data!.items.map((m) => m.memoryId)).toEqual([memory.data!.memoryId]);
    expect([stale.response.status, stale.error?.code]).toEqual([412, 'precondition-failed']);
    expect(usage.data!.quotas.agents.used).toBe(1);
    expect(audit.data!.items).toEqual([expect.objectContaining({ action: 'memory.create', target: `agent/${agentId}/memory/${memory.data!.memoryId}` })]);
    expect(verify.data!.valid).toBe(true);
  });
});
