import { HASH_CHAIN } from '../../../functions/audit/audit-chain';
import { Readable } from 'node:stream';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';

type HttpRequest = Parameters<NodeHttpHandler['handle']>[0];
type HttpResponse = Awaited<ReturnType<NodeHttpHandler['handle']>>['response'];
import { createHandler as createAgentsHandler } from '../../../functions/api/agents';
import type { ResourceDependencies } from '../../../functions/api/dependencies';
import { createHandler as createUsageHandler } from '../../../functions/api/usage';
import { estimateCost, pricesOf } from '../../../functions/billing/pricing.catalogue';
import { parseRuntimeConfig } from '../../../functions/api/runtime-config';
import { createLogger } from '../../../functions/core/logger';
import { createDocumentClient } from '../../../functions/data/clients';
import { CursorCodec } from '../../../functions/data/cursor';
import * as keys from '../../../functions/data/table-keys';
import { MutationExecutor } from '../../../functions/data/mutation.executor';
import { createIsolation } from '../../../functions/isolation/tenant-db';
import { capacityObserver } from '../../../functions/observability/capacity.observer';
import { costQuantitiesOf, USAGE_ATTRIBUTES as COST_ATTRIBUTES, UsageMeter } from '../../../functions/usage/usage.meter';
import { CachedPlanSource } from '../../../functions/quotas/plan.source';
import { monthOf } from '../../../functions/quotas/quota.counters';
import { localDynamoDbClient } from '../../../local/bootstrap';
import { LOCAL_TABLE_NAME } from '../../../local/platform.config';
import { emulatorEndpoints } from '../../support/emulators';
import { CURSOR_SECRET, member, resourceFixture, tenantAdmin } from '../../support/resources';
import { lambdaContext, restEvent } from '../../support/rest-event';

/**
 * Cost attribution: for a scripted workload of two tenants, the capacity units attributed to each tenant equal the
 * sum of what DynamoDB Local reported in the responses to that tenant's calls (read at the HTTP level, below the
 * SDK), and the usage report's estimate is the price table applied to the metered quantities.
 */

const REGION = 'eu-central-1';

/** What DynamoDB Local answered, per tenant: the ConsumedCapacity of each response, read from the raw body. */
class CapacityRecorder {
  readonly units = new Map<string, { read: number; write: number }>();
  /** Item calls of a tenant that did not ask for their consumed capacity. */
  readonly unasked: string[] = [];
  private readonly inner = new NodeHttpHandler();

  async handle(request: HttpRequest, options?: Record<string, unknown>): Promise<{ response: HttpResponse }> {
    const target = String(request.headers['x-amz-target'] ?? '');
    const text = request.body instanceof Uint8Array ? new TextDecoder().decode(request.body) : String(request.body ?? '');
    const tenantId = /"T#([a-z0-9-]+)#/.exec(text)?.[1];
    if (tenantId && /Item|Query/.test(target) && !/"ReturnConsumedCapacity":"TOTAL"/.test(text)) this.unasked.push(target);
    const { response } = await this.inner.handle(request, options as never);
    const chunks: Buffer[] = [];
    for await (const chunk of response.body as Readable) chunks.push(Buffer.from(chunk));
    const body = Buffer.concat(chunks);
    if (tenantId && response.statusCode === 200) this.record(tenantId, target, JSON.parse(body.toString('utf8')).ConsumedCapacity);
    return { response: { ...response, body: Readable.from([body]) } as HttpResponse };
  }

  private record(tenantId: string, target: string, consumed: unknown): void {
    const entries = (consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed]) as Record<string, number>[];
    const write = /(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems)$/.test(target);
    const total = this.units.get(tenantId) ?? { read: 0, write: 0 };
    for (const entry of entries) {
      if (entry.ReadCapacityUnits !== undefined || entry.WriteCapacityUnits !== undefined) {
        total.read += entry.ReadCapacityUnits ?? 0;
        total.write += entry.WriteCapacityUnits ?? 0;
      } else if (write) total.write += entry.CapacityUnits ?? 0;
      else total.read += entry.CapacityUnits ?? 0;
    }
    this.units.set(tenantId, total);
  }

  updateDestination(): void {}
  httpHandlerConfigs() {
    return {};
  }
  destroy(): void {
    this.inner.destroy();
  }
}

const { dynamoDbEndpoint } = emulatorEndpoints();
const config = parseRuntimeConfig({ AWS_REGION: REGION, TABLE_NAME: LOCAL_TABLE_NAME, DYNAMODB_ENDPOINT: dynamoDbEndpoint, LOG_LEVEL: 'ERROR' });
const recorder = new CapacityRecorder();
// The meter's db is the same isolation layer: its flushes are tenant calls too, recorded like any other.
let meter: UsageMeter;
const isolation = createIsolation(
  { ...config, DATA_CREDENTIALS: 'local' },
  { requestHandler: recorder as never, consumedCapacity: (tenantId, units) => capacityObserver(meter)(tenantId, units) },
);
const db = (tenantId: string) => isolation.forTenant(tenantId);
meter = new UsageMeter({ db, tableName: LOCAL_TABLE_NAME, flushEvery: 1_000_000, flushAfterMs: 3_600_000 });
const plans = new CachedPlanSource({ db, tableName: LOCAL_TABLE_NAME });
const deps: ResourceDependencies = {
  logger: createLogger('test', 'ERROR'),
  tenantGate: async () => undefined,
  tableName: LOCAL_TABLE_NAME,
  db,
  cursors: new CursorCodec(CURSOR_SECRET),
  executor: new MutationExecutor({ chain: HASH_CHAIN, db, tableName: LOCAL_TABLE_NAME, plans }),
  plans,
  telemetry: { tierOf: async (tenantId) => (await plans.planOf(tenantId)).id, meter },
};
const agents = createAgentsHandler(config, deps);
const usage = createUsageHandler(config, deps);
const tenants = resourceFixture();
const raw = createDocumentClient(localDynamoDbClient(dynamoDbEndpoint, REGION));
afterAll(() => {
  tenants.close();
  isolation.destroy();
});

async function workload(tenantId: string, agentCount: number): Promise<void> {
  for (let i = 0; i < agentCount; i++) {
    const event = restEvent({
      method: 'POST',
      resource: '/v1/tenants/{tenantId}/agents',
      pathParameters: { tenantId },
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: `agent ${i}`, modelId: 'local.echo', instructions: 'x'.repeat(2_000 * (i + 1)), tools: [] }),
      auth: member(tenantId),
    });
    expect((await agents(event, { ...lambdaContext(), memoryLimitInMB: '512' })).statusCode).toBe(201);
  }
  const list = restEvent({ method: 'GET', resource: '/v1/tenants/{tenantId}/agents', pathParameters: { tenantId }, auth: member(tenantId) });
  expect((await agents(list, { ...lambdaContext(), memoryLimitInMB: '512' })).statusCode).toBe(200);
}

describe('cost attribution', () => {
  it('attributes to each tenant the capacity DynamoDB Local reported for its calls, and prices it with the table', async () => {
    // Prepare
    const small = await tenants.createTenant('team');
    const large = await tenants.createTenant('team');

    // Act: interleaved workloads of different sizes, then every pending quantity flushed
    await Promise.all([workload(small, 1), workload(large, 4)]);
    const reported = new Map([...recorder.units].map(([tenantId, units]) => [tenantId, { ...units }]));
    await meter.flush();
    expect(recorder.unasked).toEqual([]);

    // Assess: every call asked for its capacity, and the usage items hold what DynamoDB reported for each tenant's calls before the flush
    for (const tenantId of [small, large]) {
      const { Item } = await raw.send(
        new GetCommand({ TableName: LOCAL_TABLE_NAME, Key: keys.usagePeriod(tenantId, monthOf(new Date())), ConsistentRead: true }),
      );
      const expected = reported.get(tenantId)!;
      expect(expected.write).toBeGreaterThan(0);
      expect(Number(Item?.[COST_ATTRIBUTES.readUnits] ?? 0)).toBeCloseTo(expected.read, 6);
      expect(Number(Item?.[COST_ATTRIBUTES.writeUnits])).toBeCloseTo(expected.write, 6);
      expect(Number(Item?.[COST_ATTRIBUTES.invocations])).toBe(tenantId === small ? 2 : 5);
      expect(Number(Item?.[COST_ATTRIBUTES.computeMbMs]) % 512).toBe(0);
    }
    expect(reported.get(large)!.write).toBeGreaterThan(reported.get(small)!.write);

    // The estimate in the usage report is the price table applied to the metered quantities
    const event = restEvent({ method: 'GET', resource: '/v1/tenants/{tenantId}/usage', pathParameters: { tenantId: large }, auth: tenantAdmin(large) });
    const report = JSON.parse((await usage(event, lambdaContext())).body);
    const { Item } = await raw.send(new GetCommand({ TableName: LOCAL_TABLE_NAME, Key: keys.usagePeriod(large, monthOf(new Date())), ConsistentRead: true }));
    const quantities = costQuantitiesOf(Item, report.usage.storageBytes);
    const estimate = estimateCost(REGION, quantities);
    expect(report.cost).toEqual({ ...estimate, perDay: expect.any(Number) });
    // The daily estimate: metered costs over the month's days so far, storage at a day's share of its monthly price
    const today = new Date();
    const daysInMonth = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + 1, 0)).getUTCDate();
    const metered = estimate.apiGateway + estimate.dynamodb + estimate.lambda + estimate.models;
    expect(report.cost.perDay).toBeCloseTo(metered / today.getUTCDate() + estimate.storage / daysInMonth, 6);
    const prices = pricesOf(REGION);
    expect(report.cost.dynamodb).toBeCloseTo(
      (quantities.readUnits * prices.dynamoReadPerMillion + quantities.writeUnits * prices.dynamoWritePerMillion) / 1e6,
      6,
    );
    // Each request the API served the tenant is an API Gateway call, priced as one
    expect(quantities.apiRequests).toBe(5);
    expect(report.cost.apiGateway).toBe(Math.round(5 * prices.apiGatewayPerMillionRequests) / 1e6);
    expect(report.cost.total).toBeGreaterThan(0);
  });
});
