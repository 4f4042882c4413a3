import { startTestPlatform, type TestPlatform } from '../../support/platform';

/**
 * The workflow routes as `npm start` serves them: real tokens from cognito-local, the authorizer, the local gateway,
 * the handler built from its real dependencies (isolation layer, mutation executor, the provider chosen by config).
 */
let platform: TestPlatform;

beforeAll(async () => {
  platform = await startTestPlatform();
});

afterAll(async () => {
  await platform?.close();
});

it('queues a workflow run of two agents through the local gateway; the run worker finishes it with the local provider', async () => {
  // Prepare
  const tenant = await platform.createTenant();
  const { idToken } = await platform.signIn(tenant.clientId, tenant.admin);
  const api = (method: string, path: string, body?: unknown) =>
    platform.call('eu-central-1', method, `/v1/tenants/${tenant.tenantId}${path}`, {
      token: idToken,
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
    });
  const writer = await api('POST', '/agents', { name: 'Writer', modelId: 'anthropic.claude-3-haiku-20240307-v1:0', instructions: 'Write.' });
  const editor = await api('POST', '/agents', { name: 'Editor', modelId: 'amazon.nova-micro-v1:0', instructions: 'Edit.' });
  expect([writer.status, editor.status]).toEqual([201, 201]);
  const workflow = await api('POST', '/workflows', {
    name: 'Write then edit',
    steps: [
      { id: 'write', agentId: writer.json.agentId },
      { id: 'edit', agentId: editor.json.agentId, prompt: 'Tighten this:' },
    ],
  });
  expect(workflow.status).toBe(201);

  // Act
  const started = await api('POST', `/workflows/${workflow.json.workflowId}/runs`, { input: 'A note on tenant isolation.' });
  const runPath = `/workflows/${workflow.json.workflowId}/runs/${started.json.runId}`;
  let run = await api('GET', runPath);
  for (let i = 0; i < 200 && ['QUEUED', 'RUNNING'].includes(run.json.status); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    run = await api('GET', runPath);
  }

  // Assess
  expect(started.status).toBe(202);
  expect(started.json).toMatchObject({ status: 'QUEUED' });
  expect(run.json).toMatchObject({ status: 'SUCCEEDED', provider: 'local', workflowId: workflow.json.workflowId });
  expect(run.json.steps.map((s: { stepId: string; modelId: string }) => [s.stepId, s.modelId])).toEqual([
    ['write', 'anthropic.claude-3-haiku-20240307-v1:0'],
    ['edit', 'amazon.nova-micro-v1:0'],
  ]);
  const listed = await api('GET', `/workflows/${workflow.json.workflowId}/runs`);
  expect(listed.json.items).toEqual([run.json]);
  const usage = await api('GET', '/usage');
  expect(usage.status).toBe(200);
  expect(usage.json.usage).toMatchObject({ runs: 1, tokens: run.json.usage.inputTokens + run.json.usage.outputTokens });
});
