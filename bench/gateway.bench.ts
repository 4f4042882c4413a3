import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { PLANS, type PlanId } from '../functions/billing/plan.catalogue';
import * as keys from '../functions/data/table-keys';
import { LOCAL_TABLE_NAME } from '../local/platform.config';
import { startLocalPlatform } from '../local/platform';
import { freePort } from '../local/ports';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer, type ClientRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { recordFigure } from './figures';
import { ACCESS_CACHE_DEFAULT_SECONDS } from '../functions/core/config';
import { FUNCTION_MEMORY_MB } from '../functions/api/group-needs';
import { UsageMeter } from '../functions/usage/usage.meter';

/**
 * What the platform's request path costs over the work itself: a bare handler doing the one GetItem that reading a
 * tenant record needs, against the same request through the local gateway (HTTP on loopback, REST proxy event, the
 * REQUEST authorizer behind its result cache keyed by the Authorization header, as API Gateway's, the middleware, the
 * tenant gate's cached directory entry, the tenant-scoped client with its guard). Everything runs in this process
 * against DynamoDB Local and cognito-local, the paths timed in turn, the full path at the pace the tenant's plan
 * allows. Also counted: the authorizer cache's hit rate, Lambda invocations per request (the handler, plus the
 * authorizer on a miss) and the DynamoDB calls the functions make per request. The bare handler is also timed behind
 * a plain HTTP server on loopback, with and without the full path's token and answer headers: the full path against
 * the one with them is what the platform's own code adds, the HTTP hop left out of both. The full path's time is then split: the
 * function's (what Lambda reports as Duration, taken by the local gateway around the handler's call), the local
 * gateway's own work (taken by it too, from the request's body to the answer written, the function left out), the
 * HTTP hop's (the plain server's time over the bare handler's, with messages as large), and the rest, which none of
 * these takes.
 */
const WARMUP = 50;
const ROUNDS = 400;

/** The user agent of the bare handler's DynamoDB client: its calls are not the functions'. */
const BARE_AGENT = 'bench-bare-handler';

/**
 * DynamoDB calls made in this process while `work` runs, by operation (seen on node:http, as the SDK sends them), but
 * the bare handler's.
 */
async function dynamoDbCallsDuring<T>(work: () => Promise<T>): Promise<{ result: T; calls: Map<string, number> }> {
  const calls = new Map<string, number>();
  const count = (message: unknown) => {
    const { request } = message as { request: ClientRequest };
    const target = request.getHeader('x-amz-target');
    if (String(request.getHeader('user-agent') ?? '').includes(BARE_AGENT)) return;
    if (typeof target === 'string' && target.startsWith('DynamoDB_')) {
      const operation = target.split('.')[1];
      calls.set(operation, (calls.get(operation) ?? 0) + 1);
    }
  };
  subscribe('http.client.request.start', count);
  try {
    return { result: await work(), calls };
  } finally {
    unsubscribe('http.client.request.start', count);
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Times the paths in turn, one call of each a round, so that the machine's load, which drifts over a run, falls on
 * them alike; calls start at least `minIntervalMs` apart (to stay inside a usage plan). `warmedUp` is called once the
 * warm-up rounds are done, before the timed ones.
 */
async function measureInTurn<K extends string>(paths: Record<K, () => Promise<unknown>>, minIntervalMs = 0, warmedUp?: () => void): Promise<Record<K, Timing>> {
  const names = Object.keys(paths) as K[];
  const times = new Map<K, number[]>(names.map((name) => [name, []]));
  for (let i = 0; i < WARMUP + ROUNDS; i++) {
    if (i === WARMUP) warmedUp?.();
    for (const name of names) {
      const start = process.hrtime.bigint();
      await paths[name]();
      const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
      if (i >= WARMUP) times.get(name)?.push(elapsed);
      if (elapsed < minIntervalMs) await new Promise((done) => setTimeout(done, minIntervalMs - elapsed));
    }
  }
  const timing = (values: number[]): Timing => {
    const sorted = [...values].sort((a, b) => a - b);
    return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), mean: sorted.reduce((a, b) => a + b, 0) / sorted.length };
  };
  return Object.fromEntries(names.map((name) => [name, timing(times.get(name) ?? [])])) as Record<K, Timing>;
}

/** Times one path alone (see measureInTurn). */
async function measure(work: () => Promise<unknown>, minIntervalMs = 0): Promise<Timing> {
  return (await measureInTurn({ work }, minIntervalMs)).work;
}

export async function run(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-gateway-'));
  // One client sends every request: the per-address limits (a flood guard) would measure themselves instead.
  const unlimited = { requests: 1_000_000, windowSeconds: 60 } as const;
  const platform = await startLocalPlatform({
    dataDir,
    port: 0,
    cognitoPort: await freePort(),
    log: () => undefined,
    logLevel: 'ERROR',
    clientLimits: { anyRequest: unlimited, publicRoutes: unlimited, rejected: unlimited },
    // The local sealer polls every second where AWS's stream invokes it per change (and the GETs change nothing):
    // its reads are not the request path's.
    sealingIntervalMs: 600_000,
  });
  try {
    const { file } = platform;
    const tenant = file.tenants[0];
    const cognito = new CognitoIdentityProviderClient({ region: tenant.region, endpoint: file.cognitoEndpoint });
    const auth = await cognito.send(
      new InitiateAuthCommand({
        ClientId: tenant.clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: tenant.admin.username, PASSWORD: tenant.admin.password },
      }),
    );
    const token = auth.AuthenticationResult?.IdToken;
    if (!token) throw new Error('no token from cognito-local');
    const apiUrl = tenant.apiUrl ?? file.apiUrl;

    // The bare handler: the same GetItem, answered as a proxy result, nothing else.
    const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: tenant.region, endpoint: file.dynamoDbEndpoint, customUserAgent: BARE_AGENT }));
    const bareHandler = async () => {
      const { Item } = await db.send(new GetCommand({ TableName: LOCAL_TABLE_NAME, Key: keys.tenantProfile(tenant.tenantId), ConsistentRead: true }));
      return { statusCode: 200, body: JSON.stringify(Item) };
    };
    const answer = async (path: string, headers: Record<string, string> = {}) => {
      const response = await fetch(`${apiUrl}${path}`, { headers });
      if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status}`);
      return { headers: response.headers, text: await response.text() };
    };
    const call = async (path: string, headers: Record<string, string> = {}) => (await answer(path, headers)).text;
    const authorization = { authorization: `Bearer ${token}` };

    const sample = await answer(`/v1/tenants/${tenant.tenantId}`, authorization);
    const record = JSON.parse(sample.text) as { plan: PlanId };
    // The full path's answer headers, for a plain server to send the same (the connection's own left to it).
    const answerHeaders = Object.fromEntries([...sample.headers].filter(([name]) => !HOP_BY_HOP.includes(name)));
    const backToBack = await measure(bareHandler);
    // The paths are timed in turn, a call of each a round. A call after an idle gap costs more than one right after
    // the last (the bare GetItem took 5.5 ms mean at one call every 22 ms against 3.0 back to back), so every call
    // waits the same interval, and the rounds keep the full path below the tenant plan's steady rate, as the local
    // gateway throttles as the usage plan would.
    const round = 1000 / PLANS[record.plan].rateLimit.requestsPerSecond + 2;
    let interval = round;
    const cacheBefore = platform.authorizerCache();
    const startedAt = Date.now();
    let durationsBefore = platform.functionDurations();
    const {
      result: { bare, plainHop, bareOverHttp, full },
      calls,
    } = await dynamoDbCallsDuring(() =>
      behindLoopbackHttp(bareHandler, (plainUrl) =>
        behindLoopbackHttp(
          bareHandler,
          (fullHeadersUrl) => {
            const paths = {
              bare: bareHandler,
              plainHop: () => fetch(plainUrl).then((response) => response.text()),
              bareOverHttp: () => fetch(fullHeadersUrl, { headers: authorization }).then((response) => response.text()),
              full: () => call(`/v1/tenants/${tenant.tenantId}`, authorization),
            };
            interval = round / Object.keys(paths).length;
            return measureInTurn(paths, interval, () => (durationsBefore = platform.functionDurations()));
          },
          answerHeaders,
        ),
      ),
    );
    const durationsAfter = platform.functionDurations();
    const invocations = durationsAfter.invocations - durationsBefore.invocations;
    const functionMean = (durationsAfter.totalMs - durationsBefore.totalMs) / invocations;
    const gatewayMean = (durationsAfter.gatewayMs - durationsBefore.gatewayMs) / invocations;
    const cacheAfter = platform.authorizerCache();
    const seconds = (Date.now() - startedAt) / 1000;
    // Apart, after the others (its function's invocations are not the full path's), at the same interval.
    const health = await measure(() => call('/v1/health'), interval);

    console.log(
      `\n== Request overhead (in process, DynamoDB Local + cognito-local; ${ROUNDS} rounds after ${WARMUP} warm-up, one every ${round.toFixed(0)} ms, ` +
        'each a call of the bare handler, both plain HTTP servers and the full path, in turn)',
    );
    console.log('path'.padEnd(62) + 'p50 ms'.padStart(9) + 'p95 ms'.padStart(9) + 'mean ms'.padStart(9) + 'vs bare'.padStart(9));
    const row = (name: string, m: { p50: number; p95: number; mean: number }) =>
      console.log(
        name.padEnd(62) +
          m.p50.toFixed(2).padStart(9) +
          m.p95.toFixed(2).padStart(9) +
          m.mean.toFixed(2).padStart(9) +
          `${(m.mean / bare.mean).toFixed(2)}x`.padStart(9),
      );
    row('bare handler: one GetItem, back to back (not paced)', backToBack);
    row('bare handler: one GetItem', bare);
    row('gateway, public route, no data (GET /v1/health)', health);
    row('bare handler behind a plain HTTP server on loopback', plainHop);
    row("  the same, with the full path's token and answer headers", bareOverHttp);
    row('gateway + authorizer (JWT) + middleware + gate + GetItem', full);
    console.log(`added by the platform over the bare GetItem: ${(full.mean - bare.mean).toFixed(2)} ms mean per request`);
    // Not the goal's figure (which counts the gateway's own hop, as the issue defines it): the platform's code alone.
    console.log(
      `full path vs the bare handler over the same loopback HTTP hop: ${(full.mean / bareOverHttp.mean).toFixed(2)}x (${(full.mean - bareOverHttp.mean).toFixed(2)} ms mean per request)`,
    );
    // Where the time of the full path goes: the function (what Lambda reports as Duration), and the rest.
    const hop = bareOverHttp.mean - bare.mean;
    console.log(
      `  the function (Lambda's Duration: middleware, tenant gate, guarded client, GetItem): ${functionMean.toFixed(2)} ms mean, ${(functionMean / bare.mean).toFixed(2)}x the bare handler`,
    );
    console.log(
      `  the local gateway's own work (body, routing, authorizer cache, usage plan, event; response mapping and write): ${gatewayMean.toFixed(2)} ms`,
    );
    console.log(`  the HTTP hop: ${hop.toFixed(2)} ms; the rest, outside what is timed apart: ${(full.mean - functionMean - gatewayMean - hop).toFixed(2)} ms`);
    report({
      bare,
      bareOverHttp,
      full,
      functionMean,
      calls,
      seconds,
      hits: cacheAfter.hits - cacheBefore.hits,
      misses: cacheAfter.misses - cacheBefore.misses,
    });
    await measureMeterWrite('DynamoDB Local', db, tenant.tenantId, bareHandler, interval);
    // A table that serves calls side by side, as DynamoDB does (DynamoDB Local serves them one at a time).
    const sideBySide = { send: () => new Promise((done) => setTimeout(done, SIDE_BY_SIDE_CALL_MS, {})) } as unknown as DynamoDBDocumentClient;
    await measureMeterWrite(
      `a stub table answering every call in ${SIDE_BY_SIDE_CALL_MS} ms, side by side`,
      sideBySide,
      tenant.tenantId,
      () => sideBySide.send(new GetCommand({ TableName: LOCAL_TABLE_NAME, Key: {} })),
      interval,
    );
  } finally {
    await platform.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

type Timing = { p50: number; p95: number; mean: number };

/** Requests each way in the usage meter's measure: a write every 49th or 50th (see UsageMeter.startDue), 12 each. */
const METER_REQUESTS = 600;
/** The stub table's latency per call. */
const SIDE_BY_SIDE_CALL_MS = 4;

/**
 * Where the usage meter's write of a tenant's figures (two UpdateItems, every 50th request) falls in the request that
 * makes it due: after the request's own work, or started as the request begins and run beside that work (what the
 * functions do: the request telemetry calls UsageMeter.startDue first and awaits the write it hands back before it
 * answers). A request here is one GetItem against `table` and the meter's bookkeeping; the two orders take turns,
 * each with a meter of its own, at the paced interval of the bench above. The requests that wrote are shown apart, as
 * they are the ones the order changes.
 */
async function measureMeterWrite(table: string, db: DynamoDBDocumentClient, tenantId: string, work: () => Promise<unknown>, intervalMs: number): Promise<void> {
  const order = (beside: boolean) => {
    const counted = { writes: 0, times: [] as number[], wrote: [] as number[] };
    // The meter's client, counting what it sends: a request wrote when the count moved during it.
    const send = (command: never) => {
      counted.writes += 1;
      return db.send(command);
    };
    const client = { send } as unknown as DynamoDBDocumentClient;
    return { beside, meter: new UsageMeter({ db: () => client, tableName: LOCAL_TABLE_NAME }), counted };
  };
  const orders = { "after the request's work": order(false), 'started as the request begins (the functions)': order(true) };
  for (let i = 0; i < METER_REQUESTS; i++) {
    for (const { beside, meter, counted } of Object.values(orders)) {
      await new Promise((done) => setTimeout(done, intervalMs));
      const writes = counted.writes;
      const started = performance.now();
      const write = beside ? meter.startDue(tenantId) : undefined;
      await work();
      await meter.addRequest(tenantId, { durationMs: performance.now() - started, memoryMb: FUNCTION_MEMORY_MB, status: 200 });
      await write;
      const elapsed = performance.now() - started;
      counted.times.push(elapsed);
      if (counted.writes > writes) counted.wrote.push(elapsed);
    }
  }
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  console.log(
    `\n== Usage meter write (two UpdateItems every 50th request of a tenant) on ${table}: ${METER_REQUESTS} requests of one GetItem each way, in turn`,
  );
  console.log('write'.padEnd(50) + 'mean ms'.padStart(9) + 'p99 ms'.padStart(9) + 'requests that wrote: mean ms'.padStart(30));
  for (const [name, { counted }] of Object.entries(orders)) {
    const sorted = [...counted.times].sort((a, b) => a - b);
    const wrote = `${mean(counted.wrote).toFixed(2)} (${counted.wrote.length})`;
    console.log(name.padEnd(50) + mean(counted.times).toFixed(2).padStart(9) + percentile(sorted, 99).toFixed(2).padStart(9) + wrote.padStart(30));
  }
}

/** Headers of a connection, not of an answer: a server sets its own. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'content-length', 'transfer-encoding', 'date'];

/**
 * Serves `handler` from a plain node:http server on loopback, answering with `headers`, while `work` runs with its
 * URL: the HTTP hop alone.
 */
async function behindLoopbackHttp<T>(
  handler: () => Promise<{ statusCode: number; body: string }>,
  work: (url: string) => Promise<T>,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<T> {
  const server = createServer((_request, response) => {
    handler().then(
      ({ statusCode, body }) => response.writeHead(statusCode, headers).end(body),
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  try {
    return await work(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  } finally {
    await new Promise((closed) => server.close(closed));
  }
}

/** Prints the cache and call counts of the full path and records the figures of the summary table. */
function report(m: {
  bare: Timing;
  bareOverHttp: Timing;
  full: Timing;
  functionMean: number;
  calls: Map<string, number>;
  seconds: number;
  hits: number;
  misses: number;
}): void {
  const requests = WARMUP + ROUNDS;
  const hitRate = m.hits / Math.max(1, m.hits + m.misses);
  const invocations = 1 + m.misses / requests;
  const totalCalls = [...m.calls.values()].reduce((a, b) => a + b, 0) / requests;
  const byOperation = [...m.calls.entries()].map(([operation, n]) => `${operation} ${(n / requests).toFixed(2)}`).join(', ');
  console.log(
    `authorizer result cache (Authorization header, ${ACCESS_CACHE_DEFAULT_SECONDS} s): ${m.hits} hits, ${m.misses} misses of ${requests} requests in ${m.seconds.toFixed(1)} s: hit rate ${(hitRate * 100).toFixed(1)}%`,
  );
  console.log(`Lambda invocations per request: ${invocations.toFixed(3)} (the handler, and the authorizer on a cache miss)`);
  console.log(`DynamoDB calls per request by the functions: ${totalCalls.toFixed(3)} (${byOperation}; usage meter flushes included)`);
  const ratio = m.full.mean / m.bare.mean;
  recordFigure({
    figure: 'full path vs bare handler (same GetItem)',
    now: `${ratio.toFixed(2)}x (${m.full.mean.toFixed(2)} vs ${m.bare.mean.toFixed(2)} ms mean); ${(m.full.mean / m.bareOverHttp.mean).toFixed(2)}x over the same HTTP hop; the function alone ${(m.functionMean / m.bare.mean).toFixed(2)}x`,
    goal: '<= 1.15x',
    met: ratio <= 1.15,
  });
  recordFigure({
    figure: 'authorizer result cache hit rate',
    now: `${(hitRate * 100).toFixed(1)}% (${m.misses} misses in ${requests})`,
    goal: 'one miss per credential and TTL (5 s)',
    met: m.misses <= Math.ceil(m.seconds / ACCESS_CACHE_DEFAULT_SECONDS) + 1,
  });
  recordFigure({ figure: 'Lambda invocations per API request', now: invocations.toFixed(3), goal: '1 for a warm, cached caller', met: invocations < 1.05 });
  const getItems = (m.calls.get('GetItem') ?? 0) / requests;
  recordFigure({
    figure: 'DynamoDB calls per GET of a tenant record',
    now: `${totalCalls.toFixed(2)} (GetItem ${getItems.toFixed(2)})`,
    goal: '1 (the record; no directory read)',
    met: getItems < 1.05,
  });
}

if (require.main === module) void run();
