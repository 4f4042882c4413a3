import { HASH_CHAIN } from '../functions/audit/audit-chain';
import { GetCommand, PutCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { recordFigure } from './figures';
import { createHandler as createAgentsHandler } from '../functions/api/agents';
import { createHandler as createAuditHandler } from '../functions/api/audit';
import type { ResourceDependencies } from '../functions/api/dependencies';
import { createHandler as createMemoriesHandler } from '../functions/api/memories';
import { createHandler as createUsageHandler } from '../functions/api/usage';
import { parseRuntimeConfig } from '../functions/api/runtime-config';
import { createLogger } from '../functions/core/logger';
import { createDocumentClient } from '../functions/data/clients';
import { CursorCodec } from '../functions/data/cursor';
import * as keys from '../functions/data/table-keys';
import { MutationExecutor } from '../functions/data/mutation.executor';
import { AuditSealer } from '../functions/audit/audit-sealer';
import { AuditRepository } from '../functions/audit/audit.repository';
import type { AuthContext } from '../functions/core/auth-context';
import { createIsolation } from '../functions/isolation/tenant-db';
import { CachedPlanSource } from '../functions/quotas/plan.source';
import { bootstrapTables, localDynamoDbClient } from '../local/bootstrap';
import { startDynamoDbLocal } from '../local/dynamodb';
import { LOCAL_TABLE_NAME, useLocalCredentials } from '../local/platform.config';
import { freePort } from '../local/ports';
import { lambdaContext, restEvent } from '../test/support/rest-event';

/**
 * Agents, memories, usage and audit on DynamoDB Local: DynamoDB calls per request type (counted by an SDK middleware
 * on the tenant-scoped clients), latency through the handlers against DynamoDB Local's own latency for the same
 * calls, and what audit lanes buy when several containers write one tenant at once.
 *
 * The tenant gate (one GetItem of the tenant's directory entry, on the platform client) is left out of the counts:
 * it is the same for every route of every group.
 *
 * Run by bench/resources.bench.ts from an esbuild bundle (Middy is ESM-only; the bundle makes it loadable).
 */
const REGION = 'eu-central-1';
const ITERATIONS = 200;

type Counts = Map<string, number>;

function counted(client: DynamoDBDocumentClient, counts: Counts, seen: WeakSet<object>): DynamoDBDocumentClient {
  if (!seen.has(client)) {
    seen.add(client);
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const name = String(context.commandName ?? 'unknown').replace(/Command$/, '');
        counts.set(name, (counts.get(name) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name: 'benchCallCounter' },
    );
  }
  return client;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

async function timed(runs: number, work: (i: number) => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await work(i);
    times.push(performance.now() - start);
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

function setup(endpoint: string, containers = 1) {
  const config = parseRuntimeConfig({ AWS_REGION: REGION, TABLE_NAME: LOCAL_TABLE_NAME, DYNAMODB_ENDPOINT: endpoint, LOG_LEVEL: 'ERROR' });
  const isolation = createIsolation({ ...config, DATA_CREDENTIALS: 'local' });
  const counts: Counts = new Map();
  const seen = new WeakSet<object>();
  const db = (tenantId: string) => counted(isolation.forTenant(tenantId), counts, seen);
  const plans = new CachedPlanSource({ db, tableName: LOCAL_TABLE_NAME });
  const cursors = new CursorCodec('bench-cursor-secret-of-at-least-32-chars');
  const handlers = Array.from({ length: containers }, () => {
    const executor = new MutationExecutor({ chain: HASH_CHAIN, db, tableName: LOCAL_TABLE_NAME, plans });
    const deps: ResourceDependencies = {
      logger: createLogger('bench', 'ERROR'),
      tenantGate: async () => undefined,
      tableName: LOCAL_TABLE_NAME,
      db,
      cursors,
      executor,
      plans,
    };
    return {
      agents: createAgentsHandler(config, deps),
      memories: createMemoriesHandler(config, deps),
      usage: createUsageHandler(config, deps),
      audit: createAuditHandler(config, deps),
    };
  });
  return { isolation, counts, handlers, db, cursors };
}

async function createTenant(raw: DynamoDBDocumentClient, tenantId: string): Promise<void> {
  const now = new Date().toISOString();
  await raw.send(
    new PutCommand({
      TableName: LOCAL_TABLE_NAME,
      Item: {
        ...keys.tenantProfile(tenantId),
        tenantId,
        slug: tenantId,
        name: tenantId,
        plan: 'enterprise',
        region: REGION,
        status: 'ACTIVE',
        branding: {},
        settings: {},
        createdAt: now,
        updatedAt: now,
        version: 1,
      },
    }),
  );
}

export async function run(): Promise<void> {
  useLocalCredentials();
  const dynamo = await startDynamoDbLocal({ port: await freePort() });
  const raw = createDocumentClient(localDynamoDbClient(dynamo.endpoint, REGION));
  try {
    await bootstrapTables({ endpoint: dynamo.endpoint, regions: [REGION], tableName: LOCAL_TABLE_NAME });
    const { isolation, counts, handlers } = setup(dynamo.endpoint);
    const [h] = handlers;
    const tenantId = 'bench-resources';
    await createTenant(raw, tenantId);
    const auth: AuthContext = { principalType: 'user', principalId: 'bench', tenantId, roles: ['tenant-admin'] };
    const call = async (
      group: keyof typeof h,
      method: string,
      resource: string,
      pathParameters: Record<string, string>,
      body?: unknown,
      query?: Record<string, string>,
    ) => {
      const result: APIGatewayProxyResult = await h[group](
        restEvent({
          method,
          resource,
          pathParameters: { tenantId, ...pathParameters },
          auth,
          ...(query ? { query } : {}),
          ...(body ? { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } } : {}),
        }),
        lambdaContext(),
      );
      if (result.statusCode >= 400) throw new Error(`${method} ${resource}: ${result.statusCode} ${result.body}`);
      return result.body ? JSON.parse(result.body) : undefined;
    };

    // Warm up: credentials, plan cache and audit heads, as in a warm container.
    const agentId = (await call('agents', 'POST', '/v1/tenants/{tenantId}/agents', {}, { name: 'bench', modelId: 'local.echo' })).agentId as string;
    const memoryIds: string[] = [];
    for (let i = 0; i < 20; i++)
      memoryIds.push((await call('memories', 'POST', '/v1/tenants/{tenantId}/agents/{agentId}/memories', { agentId }, { content: `warm ${i}` })).memoryId);

    const memories = '/v1/tenants/{tenantId}/agents/{agentId}/memories';
    const memory = `${memories}/{memoryId}`;
    const requestTypes: [string, (i: number) => Promise<unknown>][] = [
      ['getAgent', () => call('agents', 'GET', '/v1/tenants/{tenantId}/agents/{agentId}', { agentId })],
      ['listAgents', () => call('agents', 'GET', '/v1/tenants/{tenantId}/agents', {})],
      ['getMemory', (i) => call('memories', 'GET', memory, { agentId, memoryId: memoryIds[i % memoryIds.length] })],
      ['listMemories', () => call('memories', 'GET', memories, { agentId }, undefined, { limit: '20' })],
      ['createMemory', (i) => call('memories', 'POST', memories, { agentId }, { content: `bench ${i}`, tags: ['b'] })],
      ['updateMemory', (i) => call('memories', 'PATCH', memory, { agentId, memoryId: memoryIds[i % memoryIds.length] }, { content: `changed ${i}` })],
      ['createAgent', (i) => call('agents', 'POST', '/v1/tenants/{tenantId}/agents', {}, { name: `bench ${i}`, modelId: 'local.echo' })],
      ['getUsage', () => call('usage', 'GET', '/v1/tenants/{tenantId}/usage', {})],
      ['listAuditEntries', () => call('audit', 'GET', '/v1/tenants/{tenantId}/audit', {}, undefined, { limit: '20' })],
    ];
    console.log(`\n== Resources on DynamoDB Local: DynamoDB calls per request (warm container, ${ITERATIONS} requests each)`);
    console.log(`${'request'.padEnd(18) + 'calls/req'.padStart(10)}  by command${''.padEnd(38)}${'p50 ms'.padStart(8)}${'p95 ms'.padStart(8)}`);
    const latency = new Map<string, { p50: number; p95: number }>();
    for (const [name, work] of requestTypes) {
      counts.clear();
      const runs = name === 'getUsage' ? 50 : ITERATIONS;
      const t = await timed(runs, work);
      latency.set(name, t);
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      const by = [...counts.entries()].map(([command, n]) => `${command} ${(n / runs).toFixed(2)}`).join(', ');
      console.log(
        name.padEnd(18) + (total / runs).toFixed(2).padStart(10) + `  ${by}`.padEnd(49) + t.p50.toFixed(2).padStart(8) + t.p95.toFixed(2).padStart(8),
      );
      if (counts.has('Scan')) throw new Error(`${name} issued a Scan`);
      if (name === 'getUsage') {
        recordFigure({
          figure: 'GET .../usage: table calls',
          now: `${(total / runs).toFixed(2)} calls, p50 ${t.p50.toFixed(1)} ms`,
          goal: '<= 2 calls',
          met: total / runs <= 2,
        });
      }
    }

    // DynamoDB Local's own latency for the same calls, on a client without the isolation layer or the handler.
    const rawGet = await timed(ITERATIONS, (i) =>
      raw.send(new GetCommand({ TableName: LOCAL_TABLE_NAME, Key: keys.memory(tenantId, agentId, memoryIds[i % memoryIds.length]), ConsistentRead: true })),
    );
    const rawTransact = await timed(ITERATIONS, (i) =>
      raw.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: LOCAL_TABLE_NAME,
                Key: { pk: `T#${tenantId}#AGENT`, sk: `AGENT#${agentId}` },
                ConditionExpression: 'attribute_exists(pk)',
              },
            },
            {
              Put: {
                TableName: LOCAL_TABLE_NAME,
                Item: { pk: `T#${tenantId}#RAW`, sk: `M#${i}`, content: `raw ${i}` },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Update: {
                TableName: LOCAL_TABLE_NAME,
                Key: { pk: `T#${tenantId}#RAW`, sk: 'COUNTER' },
                UpdateExpression: 'ADD #c :one',
                ExpressionAttributeNames: { '#c': 'count' },
                ExpressionAttributeValues: { ':one': 1 },
              },
            },
            { ConditionCheck: { TableName: LOCAL_TABLE_NAME, Key: keys.tenantProfile(tenantId), ConditionExpression: 'attribute_exists(pk)' } },
            {
              Put: {
                TableName: LOCAL_TABLE_NAME,
                Item: { pk: `T#${tenantId}#RAWAUDIT`, sk: String(i).padStart(15, '0'), collectionPk: `T#${tenantId}#RAWLOG`, collectionSk: `${i}` },
              },
            },
            { Put: { TableName: LOCAL_TABLE_NAME, Item: { pk: `T#${tenantId}#RAWAUDIT`, sk: 'HEAD', seq: i } } },
          ],
        }),
      ),
    );
    const viaGet = latency.get('getMemory')!;
    const viaCreate = latency.get('createMemory')!;
    console.log('\nlatency, p50 / p95 ms          through the handler   DynamoDB Local alone   handler overhead (p50)');
    console.log(
      `${`read (GetItem)                 ${viaGet.p50.toFixed(2)} / ${viaGet.p95.toFixed(2)}`.padEnd(54) + `${rawGet.p50.toFixed(2)} / ${rawGet.p95.toFixed(2)}`.padEnd(23)}${(viaGet.p50 - rawGet.p50).toFixed(2)}`,
    );
    console.log(
      `${`create (6-item transaction)    ${viaCreate.p50.toFixed(2)} / ${viaCreate.p95.toFixed(2)}`.padEnd(54) + `${rawTransact.p50.toFixed(2)} / ${rawTransact.p95.toFixed(2)}`.padEnd(23)}${(viaCreate.p50 - rawTransact.p50).toFixed(2)}`,
    );
    isolation.destroy();

    await concurrentCreates(dynamo.endpoint, raw, auth);
  } finally {
    raw.destroy();
    await dynamo.stop();
  }
}

/**
 * One tenant, 4 containers (own executors) x 16 requests in flight: 400 memory creates over 64 agents, while a
 * sealer links the pending audit entries every 250 ms as the stream consumer would. No item is written by every
 * create (the audit entry is a new item; memory counters are per agent), so none answers 429.
 */
async function concurrentCreates(endpoint: string, raw: DynamoDBDocumentClient, auth: AuthContext): Promise<void> {
  const bench = setup(endpoint, 4);
  const tenantId = 'bench-sealing';
  await createTenant(raw, tenantId);
  const tenantAuth: AuthContext = { ...auth, tenantId };
  const agents: string[] = [];
  for (let i = 0; i < 64; i++) {
    const event = restEvent({
      method: 'POST',
      resource: '/v1/tenants/{tenantId}/agents',
      pathParameters: { tenantId },
      auth: tenantAuth,
      body: JSON.stringify({ name: `a${i}`, modelId: 'local.echo' }),
    });
    agents.push(JSON.parse((await bench.handlers[0].agents(event, lambdaContext())).body).agentId);
  }
  const sealer = new AuditSealer({ db: bench.db, tableName: LOCAL_TABLE_NAME });
  const audit = new AuditRepository({ db: bench.db(tenantId), tableName: LOCAL_TABLE_NAME, tenantId, cursors: bench.cursors });
  await sealer.seal(tenantId);
  bench.counts.clear();
  const times: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  let sealing = true;
  let oldestAge = 0;
  const sealerLoop = (async () => {
    while (sealing) {
      await new Promise((done) => setTimeout(done, 250));
      oldestAge = Math.max(oldestAge, (await audit.verify()).unsealed.oldestAgeSeconds ?? 0);
      await sealer.seal(tenantId);
    }
  })();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 64 }, async (_, worker) => {
      while (next < 400) {
        const i = next++;
        const start = performance.now();
        const event = restEvent({
          method: 'POST',
          resource: '/v1/tenants/{tenantId}/agents/{agentId}/memories',
          pathParameters: { tenantId, agentId: agents[i % agents.length] },
          auth: tenantAuth,
          body: JSON.stringify({ content: `m${i}` }),
        });
        const r = await bench.handlers[worker % 4].memories(event, lambdaContext());
        statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1);
        times.push(performance.now() - start);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const transactions = bench.counts.get('TransactWriteItems') ?? 0;
  sealing = false;
  await sealerLoop;
  await sealer.seal(tenantId);
  const verified = await audit.verify();
  const created = statuses.get(201) ?? 0;
  const others = [...statuses.entries()].filter(([status]) => status !== 201 && status !== 429);
  if (others.length > 0) throw new Error(`unexpected statuses ${JSON.stringify(others)}`);
  if (!verified.valid || verified.unsealed.entries > 0) throw new Error(`the sealed log does not verify: ${JSON.stringify(verified)}`);
  const p50 = percentile(times, 50);
  const p95 = percentile(times, 95);
  console.log('\none tenant, 4 containers x 16 in flight: 400 memory creates over 64 agents, audit sealed every 250 ms');
  console.log(`creates/s ${(created / seconds).toFixed(0)}, TransactWriteItems per create (sealing included) ${(transactions / 400).toFixed(2)}`);
  console.log(`p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms: p95 = ${(p95 / p50).toFixed(2)} x p50 (goal <= 4)`);
  console.log(`429 (contention): ${statuses.get(429) ?? 0} of 400 (goal 0)`);
  console.log(`oldest unsealed entry seen by verify: ${oldestAge.toFixed(1)} s; after sealing ${verified.entries} entries verify, 0 unsealed`);
  recordCreates(created / seconds, times, statuses.get(429) ?? 0);
  bench.isolation.destroy();
}

/** The summary's figure for concurrent creates of one tenant: no 429, and a p95 within 4x the p50. */
function recordCreates(perSecond: number, times: number[], throttled: number): void {
  const p50 = percentile(times, 50);
  const p95 = percentile(times, 95);
  recordFigure({
    figure: 'one tenant, 4 containers x 16 memory creates in flight',
    now: `${perSecond.toFixed(0)} creates/s, p95 ${p95.toFixed(0)} ms (p50 ${p50.toFixed(0)} ms), ${throttled} of 400 answered 429`,
    goal: '0 x 429, p95 <= 4x p50',
    met: throttled === 0 && p95 <= 4 * p50,
  });
}
