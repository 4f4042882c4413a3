import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { createGroupHandler } from '../functions/core/http';
import { createLogger } from '../functions/core/logger';
import { createDocumentClient } from '../functions/data/clients';
import { encodeAuthContext } from '../functions/core/auth-context';
import { capacityObserver } from '../functions/observability/capacity.observer';
import { consumedCapacityPlugin } from '../functions/observability/consumed-capacity.plugin';
import { groupObservability } from '../functions/core/request-telemetry.middleware';
import { UsageMeter } from '../functions/usage/usage.meter';
import { routesOf } from '../functions/routes';
import { stubDynamoDbHandler } from '../test/support/stub-dynamodb-handler';

/**
 * What metrics and cost attribution add to a request: the observability middlewares (EMF line with three dimension
 * sets, tier lookup from a warm cache, cost meter; the X-Ray annotation joins only where active tracing is on, so not
 * here) and the consumed-capacity plugin on each DynamoDB call (asking for capacity, reading it back, attributing it). DynamoDB is a stub answering in-process, so
 * the figures are the added CPU time alone; the whole request is measured for scale. EMF lines are serialized but
 * not written anywhere while measuring (in Lambda, stdout goes to CloudWatch Logs outside the function's time).
 *
 * Run by bench/observability.bench.ts from an esbuild bundle (Middy is ESM-only; the bundle makes it loadable).
 */

const TABLE = 'bench';
const TENANT = 'acme';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function tenantClient(observed: boolean, meter: UsageMeter): DynamoDBDocumentClient {
  const { handler } = stubDynamoDbHandler(() => ({ Item: { pk: { S: `T#${TENANT}#X` } }, ConsumedCapacity: { TableName: TABLE, CapacityUnits: 0.5 } }), false);
  const client = new DynamoDBClient({
    region: 'eu-central-1',
    endpoint: 'http://127.0.0.1:1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: handler,
  });
  if (observed) client.middlewareStack.use(consumedCapacityPlugin(TENANT, capacityObserver(meter)));
  return createDocumentClient(client);
}

const event = (): APIGatewayProxyEvent =>
  ({
    resource: '/v1/tenants/{tenantId}/usage',
    path: `/v1/tenants/${TENANT}/usage`,
    httpMethod: 'GET',
    headers: {},
    pathParameters: { tenantId: TENANT },
    queryStringParameters: null,
    requestContext: {
      requestId: 'bench',
      authorizer: { ...encodeAuthContext({ principalType: 'user', principalId: 'u', tenantId: TENANT, roles: ['tenant-admin'] }), principalId: 'u' },
    },
  }) as unknown as APIGatewayProxyEvent;
const context = { memoryLimitInMB: '512', awsRequestId: 'bench' } as Context;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e3;
}

export async function run(): Promise<void> {
  console.log('\n== Observability: metrics and cost attribution per request');
  // The EMF lines go nowhere while measuring: writing them is the log service's cost, not the function's CPU.
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof write;
  try {
    const logger = createLogger('bench', 'ERROR');
    const flushClient = tenantClient(
      false,
      new UsageMeter({
        db: () => {
          throw new Error('unused');
        },
        tableName: TABLE,
      }),
    );
    const meter: UsageMeter = new UsageMeter({ db: () => flushClient, tableName: TABLE });
    const clients = { plain: tenantClient(false, meter), observed: tenantClient(true, meter) };
    const get = (client: DynamoDBDocumentClient) => client.send(new GetCommand({ TableName: TABLE, Key: { pk: `T#${TENANT}#X`, sk: 'X' } }));
    const getUsage = async () => ({ body: (await get(clients.observed)).Item });
    const handler = createGroupHandler({
      logger,
      routes: routesOf('usage'),
      // Only getUsage is called; the group's other routes need an operation to build.
      operations: { getUsage, getTenantHealth: getUsage, rankTenantHealth: getUsage },
      telemetry: { tierOf: async () => 'team', meter },
    });
    // The tracing middleware joins only where active tracing is on (in AWS); here the telemetry one runs alone.
    const observability = groupObservability(logger, () => 'getUsage', { tierOf: async () => 'team', meter });
    const middlewares = async () => {
      const request = { event: event(), context, response: { statusCode: 200, body: '' }, error: undefined, internal: {} } as never;
      for (const middleware of observability) await middleware.before?.(request);
      for (const middleware of [...observability].reverse()) await middleware.after?.(request);
    };

    // Alternating call by call makes load from other processes hit both sides alike; medians ignore GC pauses.
    const times = { plain: [] as number[], observed: [] as number[], middlewares: [] as number[], request: [] as number[] };
    for (let round = 0; round < 2; round++) {
      for (const list of Object.values(times)) list.length = 0;
      for (let i = 0; i < 4_000; i++) {
        times.plain.push(await timed(() => get(clients.plain)));
        times.observed.push(await timed(() => get(clients.observed)));
        times.middlewares.push(await timed(middlewares));
        times.request.push(await timed(() => handler(event(), context)));
      }
    }
    process.stdout.write = write;
    const capacity = Math.max(0, median(times.observed) - median(times.plain));
    const perRequest = median(times.middlewares) + capacity;
    const request = median(times.request);
    console.log(
      `DynamoDB call (stub): ${median(times.plain).toFixed(1)} µs plain, ${median(times.observed).toFixed(1)} µs with consumed-capacity attribution (+${capacity.toFixed(1)} µs per call; 0 means within noise)`,
    );
    console.log(`Observability middlewares (EMF line, tier, cost meter): ${median(times.middlewares).toFixed(1)} µs per request`);
    console.log(
      `Whole in-process request (middy, parsing, one stub GetItem, metrics): ${request.toFixed(1)} µs; metrics and cost add ` +
        `${perRequest.toFixed(1)} µs per request with one DynamoDB call (${((perRequest / request) * 100).toFixed(0)} % of this stub request; ` +
        'see the gateway bench for a real request through DynamoDB Local, a few ms)',
    );
  } finally {
    process.stdout.write = write;
  }
}
