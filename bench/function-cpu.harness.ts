import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { createHandler } from '../functions/api/tenants';
import { parseRuntimeConfig } from '../functions/api/runtime-config';
import { createDocumentClient } from '../functions/data/clients';
import * as keys from '../functions/data/table-keys';
import { createIsolation } from '../functions/isolation/tenant-db';
import { DirectoryRepository } from '../functions/tenants/directory.repository';
import { bootstrapTables, localDynamoDbClient } from '../local/bootstrap';
import { startDynamoDbLocal } from '../local/dynamodb';
import { LOCAL_TABLE_NAME, useLocalCredentials } from '../local/platform.config';
import { freePort } from '../local/ports';
import { lambdaContext, restEvent } from '../test/support/rest-event';

/**
 * The CPU time the tenants group's function spends on `GET /v1/tenants/{tenantId}` (middleware, tenant gate, the
 * tenant-scoped client with its guard, the GetItem, metrics and usage metering: the function as `createHandler` builds
 * it for Lambda) beside a bare handler's for the same GetItem, both called in this process against DynamoDB Local
 * (another process, so its time is in neither), one of each in turn a few milliseconds apart. CPU, not wall time:
 * a 512 MB function has about 0.3 of a vCPU, so what the code costs here it costs some three times over in Lambda.
 * The local platform's timers and pollers are not running: on an idle machine the figure stays within some 20 us
 * between runs (+405 to +422 us over three), and rises with the machine's load (+492 to +591 us while other work ran).
 *
 * `FUNCTION_CPU_PROFILE=<file>` also writes a V8 CPU profile of the timed calls, to see where the time goes.
 *
 * Run by bench/function-cpu.bench.ts from an esbuild bundle (Middy is ESM-only; the bundle makes it loadable).
 */
const REGION = 'eu-central-1';
const TENANT_ID = 'bench-cpu';
const WARMUP = 300;
const ROUNDS = 1500;
/** The pause before each call: requests that come at a pace, not back to back, as in the gateway bench. */
const PAUSE_MS = 3;

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** The tenant's record and directory entry, as onboarding leaves them. */
async function seedTenant(endpoint: string): Promise<void> {
  const raw = createDocumentClient(localDynamoDbClient(endpoint, REGION));
  const now = new Date().toISOString();
  const profile = { tenantId: TENANT_ID, slug: TENANT_ID, name: 'Bench', plan: 'team', region: REGION, status: 'ACTIVE', branding: {}, settings: {} };
  await raw.send(
    new PutCommand({ TableName: LOCAL_TABLE_NAME, Item: { ...keys.tenantProfile(TENANT_ID), ...profile, createdAt: now, updatedAt: now, version: 1 } }),
  );
  const isolation = createIsolation({
    ...parseRuntimeConfig({ AWS_REGION: REGION, TABLE_NAME: LOCAL_TABLE_NAME, DYNAMODB_ENDPOINT: endpoint }),
    DATA_CREDENTIALS: 'local',
  });
  await new DirectoryRepository(isolation.platformDb(), LOCAL_TABLE_NAME).create({
    tenantId: TENANT_ID,
    slug: TENANT_ID,
    region: REGION,
    status: 'ACTIVE',
    emailDomains: ['bench.example'],
    branding: {},
  });
  isolation.destroy();
}

/** CPU and wall time of a call, in ms. */
async function timed(call: () => Promise<APIGatewayProxyResult>): Promise<{ cpu: number; wall: number }> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const result = await call();
  const wall = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  if (result.statusCode !== 200) throw new Error(`HTTP ${result.statusCode}: ${result.body}`);
  return { cpu: (cpu.user + cpu.system) / 1000, wall };
}

export async function run(): Promise<void> {
  useLocalCredentials();
  const dynamo = await startDynamoDbLocal({ port: await freePort() });
  try {
    await bootstrapTables({ endpoint: dynamo.endpoint, regions: [REGION], tableName: LOCAL_TABLE_NAME });
    await seedTenant(dynamo.endpoint);
    const config = parseRuntimeConfig({
      AWS_REGION: REGION,
      TABLE_NAME: LOCAL_TABLE_NAME,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      LOG_LEVEL: 'ERROR',
      DATA_CREDENTIALS: 'local',
      CURSOR_SECRET: 'bench-cursor-secret-of-at-least-32-chars',
    });
    const handler = createHandler(config) as unknown as Handler;
    const auth = { principalType: 'user', principalId: 'u-bench', tenantId: TENANT_ID, roles: ['tenant-admin'], memberId: 'u-bench' } as const;
    const request = () =>
      handler(
        restEvent({ method: 'GET', resource: '/v1/tenants/{tenantId}', pathParameters: { tenantId: TENANT_ID }, headers: { Authorization: 'Bearer t' }, auth }),
        lambdaContext('tenants'),
      );
    const db = createDocumentClient(localDynamoDbClient(dynamo.endpoint, REGION));
    const bare = async (): Promise<APIGatewayProxyResult> => {
      const { Item } = await db.send(new GetCommand({ TableName: LOCAL_TABLE_NAME, Key: keys.tenantProfile(TENANT_ID), ConsistentRead: true }));
      return { statusCode: 200, body: JSON.stringify(Item) };
    };
    const paths = { function: request, bare };
    const sums = { function: { cpu: 0, wall: 0 }, bare: { cpu: 0, wall: 0 } };
    const profileFile = process.env.FUNCTION_CPU_PROFILE;
    const profiler = new Session();
    for (let i = 0; i < WARMUP + ROUNDS; i++) {
      if (i === WARMUP && profileFile) {
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
      }
      for (const name of ['function', 'bare'] as const) {
        await new Promise((done) => setTimeout(done, PAUSE_MS));
        const { cpu, wall } = await timed(paths[name]);
        if (i >= WARMUP) sums[name] = { cpu: sums[name].cpu + cpu, wall: sums[name].wall + wall };
      }
    }
    if (profileFile) writeFileSync(profileFile, JSON.stringify((await profiler.post('Profiler.stop')).profile));
    const us = (ms: number) => `${((ms / ROUNDS) * 1000).toFixed(0)} us`;
    console.log(`\n== CPU time per request of GET /v1/tenants/{tenantId}, in process on DynamoDB Local (${ROUNDS} of each in turn after ${WARMUP})`);
    console.log('path'.padEnd(66) + 'CPU'.padStart(10) + 'wall'.padStart(10));
    console.log('bare handler: one GetItem'.padEnd(66) + us(sums.bare.cpu).padStart(10) + us(sums.bare.wall).padStart(10));
    console.log(
      'the function: middleware, gate, guarded client, GetItem, metrics'.padEnd(66) + us(sums.function.cpu).padStart(10) + us(sums.function.wall).padStart(10),
    );
    console.log(
      `the function's CPU time over the bare handler's: +${us(sums.function.cpu - sums.bare.cpu)} a request (${(sums.function.cpu / sums.bare.cpu).toFixed(2)}x)`,
    );
  } finally {
    await dynamo.stop();
  }
}
