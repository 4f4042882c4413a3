import * as fc from 'fast-check';
import type { AuthContext } from '../../../functions/core/auth-context';
import type { RestEventOptions } from '../../support/rest-event';
import { createWorkflowsFixture, jsonBody, type WorkflowsFixture } from './workflows-fixture';

const TENANT = 'fuzz';
let fixture: WorkflowsFixture;
let auth: AuthContext;
let agentIds: string[];
let foreignAgentId: string;
let workflowId: string;
let runId: string;

beforeAll(async () => {
  fixture = await createWorkflowsFixture('workflows-fuzz', { runs: { consume: false } });
  auth = await fixture.addTenant(TENANT, 'team');
  await fixture.addTenant('other', 'team');
  agentIds = [(await fixture.addAgent(TENANT)).agentId, (await fixture.addAgent(TENANT, { status: 'DISABLED' })).agentId];
  foreignAgentId = (await fixture.addAgent('other')).agentId;
  const created = await fixture.call({
    method: 'POST',
    resource: '/v1/tenants/{tenantId}/workflows',
    pathParameters: { tenantId: TENANT },
    auth,
    ...jsonBody({ name: 'Seed', steps: [{ id: 'a', agentId: agentIds[0] }] }),
  });
  workflowId = created.body.workflowId;
  const run = await fixture.call({
    method: 'POST',
    resource: '/v1/tenants/{tenantId}/workflows/{workflowId}/runs',
    pathParameters: { tenantId: TENANT, workflowId },
    auth,
    ...jsonBody({}),
  });
  runId = run.body.runId;
});

afterAll(async () => {
  await fixture?.dispose();
});

/** Strings that break things: key separators, unicode, control characters, the very long, the nearly valid. */
const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('', ' ', '#', 'a#b', 'T#other#WORKFLOW', '../x', '%00', '\u0000', 'null', '0', '-1', '1e3', '"1"', '__proto__', 'constructor'),
  fc.string({ minLength: 60, maxLength: 300 }),
);

const stepId = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('a', 'b', 'c') }, { weight: 1, arbitrary: nasty });
const agentRef = () => fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...agentIds, foreignAgentId) }, { weight: 1, arbitrary: nasty });

const step = () =>
  fc.record(
    {
      id: stepId,
      agentId: agentRef(),
      dependsOn: fc.array(stepId, { maxLength: 3 }),
      prompt: fc.oneof({ weight: 4, arbitrary: fc.string() }, { weight: 1, arbitrary: fc.integer() }),
      extra: fc.jsonValue(),
    },
    { requiredKeys: ['id', 'agentId'] },
  );

/** Bodies close to valid (so requests reach the rules that need the table), loose ones, and anything at all. */
const workflowBody = () =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .record({
          mode: fc.constantFrom('sequential', 'dag'),
          steps: fc.uniqueArray(fc.record({ id: fc.constantFrom('a', 'b', 'c', 'd'), agentId: agentRef(), dependsOn: fc.array(stepId, { maxLength: 2 }) }), {
            minLength: 1,
            maxLength: 4,
            selector: (s) => s.id,
          }),
        })
        .map(({ mode, steps }) => ({ name: 'Fuzzed', mode, steps: mode === 'dag' ? steps : steps.map(({ dependsOn: _d, ...rest }) => rest) })),
    },
    {
      weight: 2,
      arbitrary: fc.record(
        {
          name: fc.oneof(fc.constant('W'), nasty, fc.integer()),
          description: fc.oneof(fc.string(), fc.constant(null)),
          mode: fc.oneof(fc.constantFrom('sequential', 'dag'), nasty),
          steps: fc.oneof(fc.array(step(), { maxLength: 6 }), fc.jsonValue()),
        },
        { requiredKeys: [] },
      ),
    },
    { weight: 1, arbitrary: fc.constantFrom({ name: 'Renamed' }, { description: 'changed' }) },
    { weight: 1, arbitrary: fc.jsonValue() },
  );

const runBody = fc.oneof(
  { weight: 3, arbitrary: fc.record({ input: fc.string() }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.record({ input: fc.oneof(fc.string(), fc.jsonValue()), other: fc.jsonValue() }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.jsonValue() },
);

const query = fc.oneof(
  { weight: 2, arbitrary: fc.record({ limit: fc.constantFrom('1', '5', '100') }, { requiredKeys: [] }) },
  {
    weight: 3,
    arbitrary: fc.record(
      {
        limit: fc.oneof(fc.constantFrom('1', '20', '100', '101', '0', '-1', '1.5', 'abc', ''), nasty),
        cursor: fc.oneof(
          nasty,
          fc.base64String({ maxLength: 80 }).map((s) => `${s}.${s}`),
        ),
        order: nasty,
      },
      { requiredKeys: [] },
    ),
  },
);

const headers = fc.record(
  {
    'Idempotency-Key': fc.oneof(
      { weight: 3, arbitrary: fc.uuid() },
      { weight: 1, arbitrary: fc.constantFrom('reused-1', 'reused-2') },
      { weight: 1, arbitrary: nasty },
    ),
    'If-Match': fc.oneof(fc.constantFrom('"1"', '"2"', '"3"', '*', 'W/"1"', '"1", "2"', ''), nasty),
    'Content-Type': fc.oneof(
      { weight: 6, arbitrary: fc.constant('application/json') },
      { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/problem+json', 'multipart/form-data') },
    ),
  },
  { requiredKeys: [] },
);

/** Either JSON of the generated value, or raw text that may not be JSON at all. */
const body = (value: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 8, arbitrary: value.map((v) => JSON.stringify(v) ?? 'null') }, { weight: 1, arbitrary: fc.string() });

const workflowIdArb = () => fc.oneof({ weight: 3, arbitrary: fc.constant(workflowId) }, { weight: 1, arbitrary: nasty });
const runIdArb = () => fc.oneof({ weight: 3, arbitrary: fc.constant(runId) }, { weight: 1, arbitrary: nasty });

/** A request to one of the workflow routes, from a mix of valid, nearly valid and hostile parts. */
const request = (): fc.Arbitrary<RestEventOptions> =>
  fc.oneof(
    fc.record({ q: query }).map(({ q }) => ({
      method: 'GET',
      resource: '/v1/tenants/{tenantId}/workflows',
      pathParameters: { tenantId: TENANT },
      query: q as Record<string, string>,
    })),
    fc.record({ b: body(workflowBody()), h: headers }).map(({ b, h }) => ({
      method: 'POST',
      resource: '/v1/tenants/{tenantId}/workflows',
      pathParameters: { tenantId: TENANT },
      body: b,
      headers: h,
    })),
    fc
      .record({ w: workflowIdArb() })
      .map(({ w }) => ({ method: 'GET', resource: '/v1/tenants/{tenantId}/workflows/{workflowId}', pathParameters: { tenantId: TENANT, workflowId: w } })),
    fc.record({ w: workflowIdArb(), b: body(workflowBody()), h: headers }).map(({ w, b, h }) => ({
      method: 'PATCH',
      resource: '/v1/tenants/{tenantId}/workflows/{workflowId}',
      pathParameters: { tenantId: TENANT, workflowId: w },
      body: b,
      headers: h,
    })),
    // Deletes only of ids that do not exist or with a version that never matches, so the seed stays to fuzz against.
    fc.record({ w: nasty, h: headers }).map(({ w, h }) => ({
      method: 'DELETE',
      resource: '/v1/tenants/{tenantId}/workflows/{workflowId}',
      pathParameters: { tenantId: TENANT, workflowId: w },
      headers: h,
    })),
    fc.record({ h: headers }).map(({ h }) => ({
      method: 'DELETE',
      resource: '/v1/tenants/{tenantId}/workflows/{workflowId}',
      pathParameters: { tenantId: TENANT, workflowId },
      headers: { ...h, 'If-Match': '"999"' },
    })),
    fc.record({ w: workflowIdArb(), q: query }).map(({ w, q }) => ({
      method: 'GET',
      resource: '/v1/tenants/{tenantId}/workflows/{workflowId}/runs',
      pathParameters: { tenantId: TENANT, workflowId: w },
      query: q as Record<string, string>,
    })),
    fc.record({ w: workflowIdArb(), b: body(runBody), h: headers }).map(({ w, b, h }) => ({
      method: 'POST',
      resource: '/v1/tenants/{tenantId}/workflows/{workflowId}/runs',
      pathParameters: { tenantId: TENANT, workflowId: w },
      body: b,
      headers: h,
    })),
    fc.record({ w: workflowIdArb(), r: runIdArb() }).map(({ w, r }) => ({
      method: 'GET',
      resource: '/v1/tenants/{tenantId}/workflows/{workflowId}/runs/{runId}',
      pathParameters: { tenantId: TENANT, workflowId: w, runId: r },
    })),
  );

describe('fuzz: generated requests to the workflow routes', () => {
  it('never answer 5xx, and a rejected request changes no item or counter', async () => {
    let before = await fixture.itemsOf(TENANT);
    await fc.assert(
      fc.asyncProperty(request(), async (options) => {
        const result = await fixture.call({ ...options, auth });
        expect(result.status).toBeLessThan(500);
        const after = await fixture.itemsOf(TENANT);
        if (result.status >= 400) {
          expect(result.headers['content-type']).toBe('application/problem+json');
          expect(after).toEqual(before);
        }
        before = after;
      }),
      { numRuns: 300, verbose: 1 },
    );
    // The other tenant was never touched.
    expect((await fixture.itemsOf('other')).filter((item) => String(item.sk).startsWith('WORKFLOW'))).toEqual([]);
  }, 60_000);
});
