import fc from 'fast-check';
import { METRIC_NAMES } from '../../../functions/core/metric-names';
import { SCALING_EVENT_MESSAGE } from '../../../functions/core/scaling-events';
import { captureFunctionOutput, type FunctionLine } from '../../../local/function-output';
import type { ProvisionedTenant } from '../../../local/provisioner';
import { startTestPlatform, type ApiResponse, type TestPlatform } from '../../support/platform';

/**
 * Property 13, tenant-aware monitoring: under random interleaved requests of several tenants (successes, not-found
 * and invalid requests, quota refusals and usage-plan throttles), every log line and metric line written while
 * serving a request of tenant A names A and never another tenant, and the per-tenant aggregates of the metric lines
 * and of the scaling-event lines (throttled, quota refused) equal the requests actually served.
 */

const REGION = 'eu-central-1' as const;

type Command =
  | { kind: 'createAgent' }
  | { kind: 'listAgents' }
  | { kind: 'getMissingAgent' }
  | { kind: 'invalidAgent' }
  | { kind: 'getUsage' }
  | { kind: 'burst'; size: number };

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'createAgent' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'listAgents' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'getMissingAgent' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'invalidAgent' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'getUsage' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('burst' as const), size: fc.integer({ min: 4, max: 14 }) }) },
);

interface Served {
  readonly tenantId: string;
  readonly requestId: string;
  readonly status: number;
  readonly code: string | undefined;
}

let platform: TestPlatform;
let tenants: { tenant: ProvisionedTenant; token: string }[];
let output: ReturnType<typeof captureFunctionOutput>;
let lines: FunctionLine[] = [];

beforeAll(async () => {
  platform = await startTestPlatform({ logLevel: 'INFO' });
  // Free tenants reach their agent quota (3) and their usage-plan rate (5/s, burst 10); the team tenant rarely does.
  const provisioned = await Promise.all([
    platform.createTenant({ plan: 'free' }),
    platform.createTenant({ plan: 'free' }),
    platform.createTenant({ plan: 'team' }),
  ]);
  tenants = await Promise.all(provisioned.map(async (tenant) => ({ tenant, token: (await platform.signIn(tenant.clientId, tenant.admin)).idToken })));
  output = captureFunctionOutput({ passThrough: () => false });
  output.subscribe((line) => lines.push(line));
}, 60_000);

afterAll(async () => {
  output?.restore();
  await platform?.close();
});

async function send(tenantIndex: number, command: Command): Promise<Served[]> {
  const { tenant, token } = tenants[tenantIndex];
  const base = `/v1/tenants/${tenant.tenantId}`;
  const json = { 'content-type': 'application/json' };
  const call = (method: string, path: string, body?: unknown) =>
    platform.call(REGION, method, path, { token, headers: json, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  let responses: ApiResponse[];
  switch (command.kind) {
    case 'createAgent':
      responses = [await call('POST', `${base}/agents`, { name: 'probe', modelId: 'local.echo', instructions: 'x', tools: [] })];
      break;
    case 'listAgents':
      responses = [await call('GET', `${base}/agents`)];
      break;
    case 'getMissingAgent':
      responses = [await call('GET', `${base}/agents/missing-agent`)];
      break;
    case 'invalidAgent':
      responses = [await call('POST', `${base}/agents`, { name: 42 })];
      break;
    case 'getUsage':
      responses = [await call('GET', `${base}/usage`)];
      break;
    case 'burst':
      responses = await Promise.all(Array.from({ length: command.size }, () => call('GET', `${base}/agents`)));
      break;
  }
  return responses.map((response) => ({
    tenantId: tenant.tenantId,
    requestId: response.headers.get('x-amzn-requestid') ?? '',
    status: response.status,
    code: typeof response.json?.code === 'string' ? response.json.code : undefined,
  }));
}

const sum = (values: unknown[]) => values.reduce<number>((total, value) => total + (typeof value === 'number' ? value : 0), 0);

describe('property 13: tenant-aware monitoring', () => {
  it('attributes every log and metric line to the tenant served, and per-tenant aggregates equal the requests served', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.tuple(fc.nat({ max: 2 }), commandArb), { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 }),
        async (rounds) => {
          lines = [];
          const served: Served[] = [];
          // Each round's commands run at once, so requests of different tenants interleave in the functions.
          for (const round of rounds) {
            const results = await Promise.all(round.map(([tenantIndex, command]) => send(tenantIndex, command)));
            served.push(...results.flat());
          }
          const tenantOf = new Map(served.map((request) => [request.requestId, request.tenantId]));
          const ids = tenants.map(({ tenant }) => tenant.tenantId);

          // Every line written for one of these requests names its tenant and no other.
          for (const line of lines) {
            const requestId = line.json.requestId;
            if (typeof requestId !== 'string' || !tenantOf.has(requestId)) continue;
            const tenantId = tenantOf.get(requestId);
            expect({ requestId, tenantId: line.json.tenantId }).toEqual({ requestId, tenantId });
            for (const other of ids.filter((id) => id !== tenantId)) expect(line.text).not.toContain(other);
          }
          // Every served request has a metric line (handler or gateway), and every metric line belongs to one.
          const metricLines = lines.filter((line) => line.isMetric && typeof line.json.tenantId === 'string' && ids.includes(line.json.tenantId));
          expect(new Set(metricLines.map((line) => line.json.requestId))).toEqual(new Set(served.map((request) => request.requestId)));

          for (const tenantId of ids) {
            const ofTenant = served.filter((request) => request.tenantId === tenantId);
            const throttled = ofTenant.filter((request) => request.code === 'rate-limited');
            const handled = ofTenant.filter((request) => request.code !== 'rate-limited');
            const metricsOf = (name: string) => sum(metricLines.filter((line) => line.json.tenantId === tenantId).map((line) => line.json[name]));
            const scalingEventsOf = (kind: string) =>
              sum(
                lines
                  .filter((line) => line.json.message === SCALING_EVENT_MESSAGE && line.json.tenantId === tenantId && line.json.scalingEvent === kind)
                  .map((line) => line.json.count),
              );
            expect({
              tenantId,
              requests: metricsOf(METRIC_NAMES.requests),
              throttles: metricsOf(METRIC_NAMES.throttles),
              quotaRefusals: metricsOf(METRIC_NAMES.quotaRefusals),
              clientErrors: metricsOf(METRIC_NAMES.clientErrors),
              serverErrors: metricsOf(METRIC_NAMES.serverErrors),
              throttledEvents: scalingEventsOf('throttled'),
              quotaRefusedEvents: scalingEventsOf('quota-refused'),
            }).toEqual({
              tenantId,
              requests: handled.length,
              throttles: throttled.length,
              quotaRefusals: handled.filter((request) => request.code === 'quota-exceeded').length,
              clientErrors: handled.filter((request) => request.status >= 400 && request.status < 500).length,
              serverErrors: handled.filter((request) => request.status >= 500).length,
              throttledEvents: throttled.length,
              quotaRefusedEvents: handled.filter((request) => request.code === 'quota-exceeded').length,
            });
          }
        },
      ),
      { numRuns: 8, endOnFailure: true },
    );
  }, 240_000);
});
