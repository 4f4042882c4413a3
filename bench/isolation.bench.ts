import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../functions/data/clients';
import { createIsolation } from '../functions/isolation/tenant-db';
import { refusalOf, tenantGuardPlugin, tenantScope } from '../functions/isolation/tenant-guard';
import { TokenVendingMachine, type CredentialSource } from '../functions/isolation/token-vending-machine';
import { stubDynamoDbHandler } from '../test/support/stub-dynamodb-handler';

/**
 * Isolation costs: how many STS calls the token vending machine makes for a realistic request mix (the account-wide
 * STS limit is ~600/s per region), and how much the runtime guard adds to a DynamoDB call. DynamoDB itself is a stub
 * answering `{}` in-process, so the figures are the client's own work, not the network.
 */
const TABLE = 'agent-platform';
const STS_LATENCY_MS = 25;
const TENANTS = Array.from({ length: 50 }, (_, i) => `tenant-${String(i).padStart(2, '0')}`);

/** A deterministic generator, so every run issues the same request mix. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** A stand-in for STS: answers after STS_LATENCY_MS with 15-minute credentials, counting calls. */
function countingSts(clock: () => number): { source: CredentialSource; calls: () => number } {
  let calls = 0;
  return {
    calls: () => calls,
    source: {
      async fetch() {
        calls += 1;
        await new Promise((done) => setTimeout(done, STS_LATENCY_MS));
        return { accessKeyId: 'ASIA', secretAccessKey: 's', sessionToken: 't', expiration: new Date(clock() + 900_000) };
      },
    },
  };
}

/** 1,000 requests over 50 tenants, 50 in flight at a time, through the real scoped clients. */
async function stsCallsPerThousandRequests(): Promise<{ calls: number; wallMs: number }> {
  const sts = countingSts(Date.now);
  const { handler } = stubDynamoDbHandler(() => ({}), false);
  const isolation = createIsolation(
    { AWS_REGION: 'eu-central-1', TABLE_NAME: TABLE, DYNAMODB_ENDPOINT: 'http://127.0.0.1:1', DATA_CREDENTIALS: 'local' },
    { credentialSource: sts.source, requestHandler: handler },
  );
  const random = lcg(7);
  const started = performance.now();
  for (let wave = 0; wave < 20; wave++) {
    await Promise.all(
      Array.from({ length: 50 }, () => {
        const tenantId = TENANTS[Math.floor(random() * TENANTS.length)];
        return isolation.forTenant(tenantId).send(new GetCommand({ TableName: TABLE, Key: { pk: `T#${tenantId}#AGENT`, sk: 'AGENT#1' } }));
      }),
    );
  }
  isolation.destroy();
  return { calls: sts.calls(), wallMs: performance.now() - started };
}

/** One simulated hour of steady traffic (every tenant every second) on one container, on a simulated clock. */
async function stsCallsPerTenantHour(): Promise<number> {
  let now = 0;
  const sts = countingSts(() => now);
  const tvm = new TokenVendingMachine({ source: sts.source, clock: () => now });
  for (; now < 3_600_000; now += 1_000) await Promise.all(TENANTS.map((tenantId) => tvm.credentialsFor(tenantId)));
  return sts.calls() / TENANTS.length;
}

function getCommand(): GetCommand {
  return new GetCommand({ TableName: TABLE, Key: { pk: 'T#acme#AGENT', sk: 'AGENT#1' } });
}

function stubClient(guarded: boolean): DynamoDBDocumentClient {
  const { handler } = stubDynamoDbHandler(() => ({}), false);
  const client = new DynamoDBClient({
    region: 'eu-central-1',
    endpoint: 'http://127.0.0.1:1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: handler,
  });
  if (guarded) client.middlewareStack.use(tenantGuardPlugin(tenantScope('acme'), { tableName: TABLE }));
  return createDocumentClient(client);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timedCall(client: DynamoDBDocumentClient): Promise<number> {
  const started = process.hrtime.bigint();
  await client.send(getCommand());
  return Number(process.hrtime.bigint() - started) / 1e3;
}

/**
 * Guarded versus unguarded client, one call of each in turn, compared by their medians: alternating call by call
 * makes load from other processes and GC pauses hit both alike, and medians ignore the pauses themselves.
 */
async function guardOverhead(pairs = 5_000): Promise<{ unguarded: number; guarded: number }> {
  const [plain, guarded] = [stubClient(false), stubClient(true)];
  for (let i = 0; i < 1_000; i++) {
    await timedCall(plain);
    await timedCall(guarded);
  }
  const times = { plain: [] as number[], guarded: [] as number[] };
  for (let i = 0; i < pairs; i++) {
    times.plain.push(await timedCall(plain));
    times.guarded.push(await timedCall(guarded));
  }
  return { unguarded: median(times.plain), guarded: median(times.guarded) };
}

/** The guard's own decision, without the SDK around it. */
function decisionMicros(command: string, input: unknown, calls = 200_000): number {
  const scope = tenantScope('acme');
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) refusalOf(command, input, scope, { tableName: TABLE });
  return Number(process.hrtime.bigint() - started) / 1e3 / calls;
}

export async function run(): Promise<void> {
  console.log('\n== Tenant isolation');

  const thousand = await stsCallsPerThousandRequests();
  console.log(
    `STS calls per 1,000 requests over ${TENANTS.length} tenants (50 in flight, STS ${STS_LATENCY_MS} ms): ${thousand.calls} ` +
      `(target <= ${TENANTS.length}); wall ${thousand.wallMs.toFixed(0)} ms`,
  );
  const perHour = await stsCallsPerTenantHour();
  console.log(
    `STS calls per tenant per container-hour at steady traffic: ${perHour.toFixed(1)} ` +
      `(15-min sessions refreshed 5 min early); 600 STS calls/s would serve ${Math.floor((600 * 3600) / perHour).toLocaleString('en')} active tenant-containers`,
  );

  const overhead = await guardOverhead();
  console.log(
    `GetItem through the DocumentClient against a stub handler (median of 5,000 alternating calls each): ` +
      `unguarded ${overhead.unguarded.toFixed(1)} µs, guarded ${overhead.guarded.toFixed(1)} µs, ` +
      `added by the guard ${(overhead.guarded - overhead.unguarded).toFixed(1)} µs per call`,
  );

  const query = new QueryCommand({
    TableName: TABLE,
    IndexName: 'byCollection',
    KeyConditionExpression: '#c = :c AND begins_with(#s, :s)',
    ExpressionAttributeNames: { '#c': 'collectionPk', '#s': 'collectionSk' },
    ExpressionAttributeValues: { ':c': 'T#acme#AGENTS_BY_CREATED', ':s': '2026' },
  }).input;
  const transaction = new TransactWriteCommand({
    TransactItems: Array.from({ length: 10 }, (_, i) => ({
      Put: { TableName: TABLE, Item: { pk: `T#acme#AGENT`, sk: `AGENT#${i}`, collectionPk: 'T#acme#AGENTS_BY_CREATED', name: 'x' } },
    })),
  }).input;
  console.log(
    `guard decision alone: GetItem ${decisionMicros('GetCommand', getCommand().input).toFixed(2)} µs, ` +
      `Query on an index ${decisionMicros('QueryCommand', query).toFixed(2)} µs, ` +
      `TransactWriteItems of 10 Puts ${decisionMicros('TransactWriteCommand', transaction).toFixed(2)} µs`,
  );
}

if (require.main === module) {
  run().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
