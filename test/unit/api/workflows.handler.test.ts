import { createHandler, type WorkflowServices } from '../../../functions/api/workflows';
import { parseRuntimeConfig } from '../../../functions/api/runtime-config';
import { NotFoundError, PreconditionFailedError, QuotaExceededError, ValidationError } from '../../../functions/core/errors';
import { createLogger } from '../../../functions/core/logger';
import type { MutationContext } from '../../../functions/data/mutation.context';
import type { AuthContext } from '../../../functions/core/auth-context';
import type { Run } from '../../../functions/workflows/run.schema';
import type { Workflow } from '../../../functions/workflows/workflow.schema';
import { lambdaContext, restEvent, type RestEventOptions } from '../../support/rest-event';

const config = parseRuntimeConfig({ AWS_REGION: 'eu-central-1', TABLE_NAME: 'table', LOG_LEVEL: 'ERROR' });

const member: AuthContext = { principalType: 'user', principalId: 'u-1', tenantId: 'acme', roles: ['member'] };
const viewer: AuthContext = { principalType: 'user', principalId: 'u-2', tenantId: 'acme', roles: ['viewer'] };
const auditor: AuthContext = { principalType: 'user', principalId: 'u-3', tenantId: 'acme', roles: ['auditor'] };

const workflow: Workflow = {
  workflowId: 'wf-1',
  name: 'Review',
  mode: 'sequential',
  steps: [
    { id: 'draft', agentId: 'writer' },
    { id: 'review', agentId: 'critic' },
  ],
  createdAt: '2026-11-28T12:00:00.000Z',
  updatedAt: '2026-11-28T12:00:00.000Z',
  version: 2,
};

const run: Run = {
  runId: '01JDX0000000000000000000AB',
  workflowId: 'wf-1',
  workflowVersion: 2,
  status: 'SUCCEEDED',
  provider: 'local',
  input: 'x',
  steps: [{ stepId: 'draft', agentId: 'writer', status: 'SUCCEEDED', output: 'y', usage: { inputTokens: 1, outputTokens: 1 } }],
  usage: { inputTokens: 1, outputTokens: 1 },
  startedBy: 'user:u-1',
  createdAt: '2026-11-28T12:00:00.000Z',
};

/** Services that record what they were asked and answer from a script; every call is a test failure unless scripted. */
function stubServices(overrides: { workflows?: Partial<WorkflowServices['workflows']>; runs?: Partial<WorkflowServices['runs']> } = {}) {
  const calls: { operation: string; tenantId: string; args: unknown[] }[] = [];
  const unexpected = (operation: string) => async () => {
    throw new Error(`unexpected call of ${operation}`);
  };
  const servicesFor = (tenantId: string): WorkflowServices => {
    const record =
      <A extends unknown[], R>(operation: string, impl: ((...args: A) => Promise<R>) | undefined) =>
      async (...args: A): Promise<R> => {
        calls.push({ operation, tenantId, args });
        return (impl ?? (unexpected(operation) as unknown as (...args: A) => Promise<R>))(...args);
      };
    return {
      workflows: {
        get: record('workflows.get', overrides.workflows?.get),
        list: record('workflows.list', overrides.workflows?.list),
        create: record('workflows.create', overrides.workflows?.create),
        update: record('workflows.update', overrides.workflows?.update),
        delete: record('workflows.delete', overrides.workflows?.delete),
      },
      runs: {
        get: record('runs.get', overrides.runs?.get),
        list: record('runs.list', overrides.runs?.list),
        start: record('runs.start', overrides.runs?.start),
        cancel: record('runs.cancel', overrides.runs?.cancel),
      },
    };
  };
  return { servicesFor, calls };
}

function handlerWith(services: ReturnType<typeof stubServices>) {
  return createHandler(config, { logger: createLogger('test', 'ERROR'), tenantGate: async () => undefined, servicesFor: services.servicesFor });
}

const call = (handler: ReturnType<typeof handlerWith>, options: RestEventOptions) => handler(restEvent(options), lambdaContext());

const json = (body: unknown) => ({ body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });

function problemOf(result: { statusCode: number; headers?: Record<string, unknown>; body: string }) {
  expect(result.headers?.['content-type']).toBe('application/problem+json');
  return JSON.parse(result.body) as { status: number; code: string; errors?: { pointer: string; message: string }[]; [k: string]: unknown };
}

const WORKFLOWS = '/v1/tenants/{tenantId}/workflows';
const WORKFLOW = '/v1/tenants/{tenantId}/workflows/{workflowId}';
const RUNS = '/v1/tenants/{tenantId}/workflows/{workflowId}/runs';
const RUN = '/v1/tenants/{tenantId}/workflows/{workflowId}/runs/{runId}';

describe('POST /v1/tenants/{tenantId}/workflows', () => {
  it('creates a workflow with 201, its ETag and Location, passing the Idempotency-Key on', async () => {
    // Prepare
    const services = stubServices({
      workflows: {
        create: async (_body, _context, present) => ({ response: present(workflow), replayed: false }),
      },
    });
    // Act
    const result = await call(handlerWith(services), {
      method: 'POST',
      resource: WORKFLOWS,
      pathParameters: { tenantId: 'acme' },
      auth: member,
      ...json({ name: 'Review', steps: workflow.steps }),
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'key-1' },
    });
    // Assess
    expect(result.statusCode).toBe(201);
    expect(result.headers).toMatchObject({ etag: '"2"', location: '/v1/tenants/acme/workflows/wf-1' });
    expect(JSON.parse(result.body)).toEqual(workflow);
    const [created] = services.calls;
    expect(created.tenantId).toBe('acme');
    expect(created.args[0]).toEqual({ name: 'Review', mode: 'sequential', steps: workflow.steps });
    expect(created.args[1]).toMatchObject({ tenantId: 'acme', actor: 'user:u-1', idempotency: { key: 'key-1' } });
  });

  it('says a replayed response is one', async () => {
    // Prepare
    const services = stubServices({ workflows: { create: async (_b, _c, present) => ({ response: present(workflow), replayed: true }) } });
    // Act
    const result = await call(handlerWith(services), {
      method: 'POST',
      resource: WORKFLOWS,
      pathParameters: { tenantId: 'acme' },
      auth: member,
      ...json({ name: 'R', steps: workflow.steps }),
    });
    // Assess
    expect(result.headers?.['idempotent-replayed']).toBe('true');
  });

  it('answers 422 at the step that closes a cycle, without calling the service', async () => {
    // Prepare
    const services = stubServices();
    const steps = [
      { id: 'a', agentId: 'x', dependsOn: ['b'] },
      { id: 'b', agentId: 'x', dependsOn: ['a'] },
    ];
    // Act
    const result = await call(handlerWith(services), {
      method: 'POST',
      resource: WORKFLOWS,
      pathParameters: { tenantId: 'acme' },
      auth: member,
      ...json({ name: 'W', mode: 'dag', steps }),
    });
    // Assess
    expect(result.statusCode).toBe(422);
    expect(problemOf(result).errors).toEqual([{ pointer: 'body.steps.0.dependsOn', message: 'steps form a cycle: a -> b -> a' }]);
    expect(services.calls).toEqual([]);
  });

  it('answers 422 with the step of a dangling agent reference the service found', async () => {
    // Prepare
    const services = stubServices({
      workflows: {
        create: async () => {
          throw new ValidationError(
            'step a: dangling reference',
            [{ pointer: 'body.steps.0.agentId', message: 'dangling reference: agent b-agent does not exist in this tenant' }],
            'body',
          );
        },
      },
    });
    // Act
    const result = await call(handlerWith(services), {
      method: 'POST',
      resource: WORKFLOWS,
      pathParameters: { tenantId: 'acme' },
      auth: member,
      ...json({ name: 'W', steps: [{ id: 'a', agentId: 'b-agent' }] }),
    });
    // Assess
    expect(result.statusCode).toBe(422);
    expect(problemOf(result).errors?.[0].pointer).toBe('body.steps.0.agentId');
  });

  it('answers 429 quota-exceeded with the limit and usage', async () => {
    // Prepare
    const services = stubServices({
      workflows: {
        create: async () => {
          throw new QuotaExceededError('the Free plan allows 3 workflows; 3 in use', { quota: 'workflows', limit: 3, usage: 3, plan: 'free' });
        },
      },
    });
    // Act
    const result = await call(handlerWith(services), {
      method: 'POST',
      resource: WORKFLOWS,
      pathParameters: { tenantId: 'acme' },
      auth: member,
      ...json({ name: 'W', steps: [{ id: 'a', agentId: 'x' }] }),
    });
    // Assess
    expect(result.statusCode).toBe(429);
    expect(problemOf(result)).toMatchObject({ code: 'quota-exceeded', limit: 3, usage: 3 });
  });

  it.each([
    ['a viewer', viewer],
    ['an auditor', auditor],
  ])('answers 403 to %s', async (_label, auth) => {
    const services = stubServices();
    const result = await call(handlerWith(services), {
      method: 'POST',
      resource: WORKFLOWS,
      pathParameters: { tenantId: 'acme' },
      auth,
      ...json({ name: 'W', steps: [{ id: 'a', agentId: 'x' }] }),
    });
    expect(result.statusCode).toBe(403);
    expect(services.calls).toEqual([]);
  });

  it('answers 403 to a member of another tenant', async () => {
    const services = stubServices();
    const result = await call(handlerWith(services), {
      method: 'POST',
      resource: WORKFLOWS,
      pathParameters: { tenantId: 'globex' },
      auth: member,
      ...json({ name: 'W', steps: [{ id: 'a', agentId: 'x' }] }),
    });
    expect(result.statusCode).toBe(403);
  });

  it.each([
    ['not JSON', '{"name":', 400],
    ['an unknown member', JSON.stringify({ name: 'W', steps: [{ id: 'a', agentId: 'x' }], owner: 'me' }), 422],
    ['a step id with #', JSON.stringify({ name: 'W', steps: [{ id: 'a#b', agentId: 'x' }] }), 422],
  ])('answers %s with %s', async (_label, body, status) => {
    const services = stubServices();
    const result = await call(handlerWith(services), { method: 'POST', resource: WORKFLOWS, pathParameters: { tenantId: 'acme' }, auth: member, body });
    expect(result.statusCode).toBe(status);
    expect(services.calls).toEqual([]);
  });

  it('answers 400 to an Idempotency-Key with control characters', async () => {
    const services = stubServices();
    const result = await call(handlerWith(services), {
      method: 'POST',
      resource: WORKFLOWS,
      pathParameters: { tenantId: 'acme' },
      auth: member,
      body: JSON.stringify({ name: 'W', steps: [{ id: 'a', agentId: 'x' }] }),
      headers: { 'Idempotency-Key': 'bad\tkey' },
    });
    expect(result.statusCode).toBe(400);
  });
});

describe('GET /v1/tenants/{tenantId}/workflows', () => {
  it('lets a viewer list with the default page size', async () => {
    // Prepare
    const services = stubServices({ workflows: { list: async () => ({ items: [workflow], nextCursor: 'next' }) } });
    // Act
    const result = await call(handlerWith(services), { method: 'GET', resource: WORKFLOWS, pathParameters: { tenantId: 'acme' }, auth: viewer });
    // Assess
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ items: [workflow], nextCursor: 'next' });
    expect(services.calls[0].args[0]).toEqual({ limit: 20 });
  });

  it('passes limit and cursor on', async () => {
    const services = stubServices({ workflows: { list: async () => ({ items: [] }) } });
    await call(handlerWith(services), {
      method: 'GET',
      resource: WORKFLOWS,
      pathParameters: { tenantId: 'acme' },
      auth: viewer,
      query: { limit: '5', cursor: 'abc.def' },
    });
    expect(services.calls[0].args[0]).toEqual({ limit: 5, cursor: 'abc.def' });
  });

  it.each([[{ limit: '0' }], [{ limit: '101' }], [{ limit: 'ten' }], [{ order: 'oldest' }], [{ cursor: '' }]])('answers 400 to the query %j', async (query) => {
    const services = stubServices();
    const result = await call(handlerWith(services), { method: 'GET', resource: WORKFLOWS, pathParameters: { tenantId: 'acme' }, auth: viewer, query });
    expect(result.statusCode).toBe(400);
    expect(services.calls).toEqual([]);
  });
});

describe('GET, PATCH, DELETE /v1/tenants/{tenantId}/workflows/{workflowId}', () => {
  it('reads a workflow with its ETag', async () => {
    const services = stubServices({ workflows: { get: async () => workflow } });
    const result = await call(handlerWith(services), {
      method: 'GET',
      resource: WORKFLOW,
      pathParameters: { tenantId: 'acme', workflowId: 'wf-1' },
      auth: viewer,
    });
    expect(result.statusCode).toBe(200);
    expect(result.headers?.etag).toBe('"2"');
  });

  it('answers 404 problem+json for a workflow the tenant does not have', async () => {
    const services = stubServices({
      workflows: {
        get: async () => {
          throw new NotFoundError('workflow wf-9 not found');
        },
      },
    });
    const result = await call(handlerWith(services), {
      method: 'GET',
      resource: WORKFLOW,
      pathParameters: { tenantId: 'acme', workflowId: 'wf-9' },
      auth: viewer,
    });
    expect(result.statusCode).toBe(404);
    expect(problemOf(result).code).toBe('not-found');
  });

  it('passes If-Match to an update and answers with the new ETag', async () => {
    // Prepare
    let context: MutationContext | undefined;
    const services = stubServices({
      workflows: {
        update: async (_id, patch, ctx, present) => {
          context = ctx;
          return { response: present({ ...workflow, ...patch, version: 3 }), replayed: false };
        },
      },
    });
    // Act
    const result = await call(handlerWith(services), {
      method: 'PATCH',
      resource: WORKFLOW,
      pathParameters: { tenantId: 'acme', workflowId: 'wf-1' },
      auth: member,
      body: JSON.stringify({ name: 'Renamed' }),
      headers: { 'If-Match': '"2"' },
    });
    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.headers?.etag).toBe('"3"');
    expect(result.headers?.location).toBeUndefined();
    expect(context?.ifMatch).toEqual({ any: false, versions: [2] });
  });

  it('answers 412 when the service finds the version moved on', async () => {
    const services = stubServices({
      workflows: {
        update: async () => {
          throw new PreconditionFailedError('workflow wf-1 is at version 3');
        },
      },
    });
    const result = await call(handlerWith(services), {
      method: 'PATCH',
      resource: WORKFLOW,
      pathParameters: { tenantId: 'acme', workflowId: 'wf-1' },
      auth: member,
      body: JSON.stringify({ name: 'Renamed' }),
      headers: { 'If-Match': '"2"' },
    });
    expect(result.statusCode).toBe(412);
  });

  it('answers 400 to a malformed If-Match', async () => {
    const services = stubServices();
    const result = await call(handlerWith(services), {
      method: 'DELETE',
      resource: WORKFLOW,
      pathParameters: { tenantId: 'acme', workflowId: 'wf-1' },
      auth: member,
      headers: { 'If-Match': 'version 2' },
    });
    expect(result.statusCode).toBe(400);
    expect(services.calls).toEqual([]);
  });

  it('deletes with 204 and no body', async () => {
    const services = stubServices({ workflows: { delete: async (_id, _ctx, present) => ({ response: present(undefined), replayed: false }) } });
    const result = await call(handlerWith(services), {
      method: 'DELETE',
      resource: WORKFLOW,
      pathParameters: { tenantId: 'acme', workflowId: 'wf-1' },
      auth: member,
    });
    expect(result.statusCode).toBe(204);
    expect(result.body).toBe('');
  });

  it('answers 422 to an update that changes mode without steps', async () => {
    const services = stubServices();
    const result = await call(handlerWith(services), {
      method: 'PATCH',
      resource: WORKFLOW,
      pathParameters: { tenantId: 'acme', workflowId: 'wf-1' },
      auth: member,
      body: JSON.stringify({ mode: 'dag' }),
    });
    expect(result.statusCode).toBe(422);
  });
});

describe('workflow runs', () => {
  it('starts a run with 202, its Location and the QUEUED run', async () => {
    // Prepare
    const services = stubServices({ runs: { start: async (_w, _b, _c, present) => ({ response: present(run), replayed: false }) } });
    // Act
    const result = await call(handlerWith(services), {
      method: 'POST',
      resource: RUNS,
      pathParameters: { tenantId: 'acme', workflowId: 'wf-1' },
      auth: member,
      ...json({ input: 'x' }),
    });
    // Assess
    expect(result.statusCode).toBe(202);
    expect(result.headers?.location).toBe(`/v1/tenants/acme/workflows/wf-1/runs/${run.runId}`);
    expect(JSON.parse(result.body)).toEqual(run);
    expect(services.calls[0].args.slice(0, 2)).toEqual(['wf-1', { input: 'x' }]);
  });

  it('defaults the run input to empty', async () => {
    const services = stubServices({ runs: { start: async (_w, _b, _c, present) => ({ response: present(run), replayed: false }) } });
    await call(handlerWith(services), { method: 'POST', resource: RUNS, pathParameters: { tenantId: 'acme', workflowId: 'wf-1' }, auth: member, ...json({}) });
    expect(services.calls[0].args[1]).toEqual({ input: '' });
  });

  it('answers 429 quota-exceeded when the month has no runs left', async () => {
    const services = stubServices({
      runs: {
        start: async () => {
          throw new QuotaExceededError('the Free plan allows 100 runs in 2026-11; 100 in use', { quota: 'runsPerMonth', limit: 100, usage: 100, plan: 'free' });
        },
      },
    });
    const result = await call(handlerWith(services), {
      method: 'POST',
      resource: RUNS,
      pathParameters: { tenantId: 'acme', workflowId: 'wf-1' },
      auth: member,
      ...json({}),
    });
    expect(result.statusCode).toBe(429);
    expect(problemOf(result)).toMatchObject({ code: 'quota-exceeded', quota: 'runsPerMonth', limit: 100, usage: 100 });
  });

  it('lets a viewer read a run but not start one', async () => {
    const services = stubServices({ runs: { get: async () => run } });
    const read = await call(handlerWith(services), {
      method: 'GET',
      resource: RUN,
      pathParameters: { tenantId: 'acme', workflowId: 'wf-1', runId: run.runId },
      auth: viewer,
    });
    const start = await call(handlerWith(services), {
      method: 'POST',
      resource: RUNS,
      pathParameters: { tenantId: 'acme', workflowId: 'wf-1' },
      auth: viewer,
      ...json({}),
    });
    expect(read.statusCode).toBe(200);
    expect(start.statusCode).toBe(403);
  });

  it("answers 403 to a member reading another tenant's runs, before any service call", async () => {
    const services = stubServices();
    const result = await call(handlerWith(services), {
      method: 'GET',
      resource: RUNS,
      pathParameters: { tenantId: 'globex', workflowId: 'wf-1' },
      auth: member,
    });
    expect(result.statusCode).toBe(403);
    expect(services.calls).toEqual([]);
  });

  it('lists runs of a workflow with limit and cursor', async () => {
    const services = stubServices({ runs: { list: async () => ({ items: [run] }) } });
    const result = await call(handlerWith(services), {
      method: 'GET',
      resource: RUNS,
      pathParameters: { tenantId: 'acme', workflowId: 'wf-1' },
      auth: viewer,
      query: { limit: '2' },
    });
    expect(result.statusCode).toBe(200);
    expect(services.calls[0].args).toEqual(['wf-1', { limit: 2 }]);
  });

  it('answers 400 to a run id with the key separator', async () => {
    const services = stubServices();
    const result = await call(handlerWith(services), {
      method: 'GET',
      resource: RUN,
      pathParameters: { tenantId: 'acme', workflowId: 'wf-1', runId: 'a#b' },
      auth: viewer,
    });
    expect(result.statusCode).toBe(400);
  });
});
