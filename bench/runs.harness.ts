import { HASH_CHAIN } from '../functions/audit/audit-chain';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { putBenchTenant } from './bench-tenant';
import { recordFigure } from './figures';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { createHandler } from '../functions/api/workflows';
import { createHandler as createRunConsumer } from '../functions/api/run-consumer';
import { AgentRepository } from '../functions/agents/agent.repository';
import { AgentService } from '../functions/agents/agent.service';
import { PLANS } from '../functions/billing/plan.catalogue';
import { parseRuntimeConfig } from '../functions/api/runtime-config';
import { createLogger } from '../functions/core/logger';
import { createDocumentClient } from '../functions/data/clients';
import { CursorCodec } from '../functions/data/cursor';
import { MutationExecutor } from '../functions/data/mutation.executor';
import type { AuthContext } from '../functions/core/auth-context';
import { createIsolation } from '../functions/isolation/tenant-db';
import { LocalModelProvider } from '../functions/models/local.model-provider';
import { CachedPlanSource } from '../functions/quotas/plan.source';
import { RunRepository } from '../functions/workflows/run.repository';
import { SqsRunQueue } from '../functions/workflows/run-queue.sqs';
import type { Run } from '../functions/workflows/run.schema';
import { runWorkerFactory, workflowServicesFactory } from '../functions/workflows/workflow.module';
import { bootstrapTables, localDynamoDbClient } from '../local/bootstrap';
import { startDynamoDbLocal } from '../local/dynamodb';
import { LOCAL_TABLE_NAME, useLocalCredentials } from '../local/platform.config';
import { freePort } from '../local/ports';
import { startEventSourceMapping, startLocalRunQueue } from '../local/run-queue';
import { lambdaContext, restEvent } from '../test/support/rest-event';

/**
 * Durable runs end to end on one machine: the workflows handler starts RUNS runs of a 3-step workflow (IN_FLIGHT
 * requests at once) on DynamoDB Local; their messages go through the local SQS emulator (fauxqs) to the run consumer
 * (4 pollers x 10 messages, as an event source mapping) with the local model provider. Reports the table calls and
 * latency of a start (until 202), runs/s from the first start to the last finish, and queue-to-start latency (a
 * run's startedAt minus its createdAt: queue wait, delivery and the begin transaction). The tenant is on the
 * Enterprise plan, whose concurrent-run limit (50) is above the consumer's 40 deliveries at once.
 */
const REGION = 'eu-central-1';
const RUNS = 100;
const IN_FLIGHT = 4;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

export async function run(): Promise<void> {
  useLocalCredentials();
  const dynamo = await startDynamoDbLocal({ port: await freePort() });
  const queue = await startLocalRunQueue({ region: REGION, visibilityTimeoutSeconds: 30 });
  const raw: DynamoDBDocumentClient = createDocumentClient(localDynamoDbClient(dynamo.endpoint, REGION));
  try {
    await bootstrapTables({ endpoint: dynamo.endpoint, regions: [REGION], tableName: LOCAL_TABLE_NAME });
    const config = parseRuntimeConfig({ AWS_REGION: REGION, TABLE_NAME: LOCAL_TABLE_NAME, DYNAMODB_ENDPOINT: dynamo.endpoint, LOG_LEVEL: 'ERROR' });
    // The API and the worker are separate functions: separate isolation layers, and only the API's calls counted.
    const apiIsolation = createIsolation({ ...config, DATA_CREDENTIALS: 'local' });
    const workerIsolation = createIsolation({ ...config, DATA_CREDENTIALS: 'local' });
    let apiCalls = 0;
    const seen = new WeakSet<object>();
    const apiDb = (tenantId: string) => {
      const client = apiIsolation.forTenant(tenantId);
      if (!seen.has(client)) {
        seen.add(client);
        client.middlewareStack.add(
          (next) => async (args) => {
            apiCalls += 1;
            return next(args);
          },
          { step: 'initialize', name: 'benchCallCounter' },
        );
      }
      return client;
    };
    const workerDb = (tenantId: string) => workerIsolation.forTenant(tenantId);
    const cursors = new CursorCodec('bench-cursor-secret-of-at-least-32-chars');
    const apiMutations = new MutationExecutor({
      chain: HASH_CHAIN,
      db: apiDb,
      tableName: LOCAL_TABLE_NAME,
      plans: new CachedPlanSource({ db: apiDb, tableName: LOCAL_TABLE_NAME }),
    });
    const workerMutations = new MutationExecutor({
      chain: HASH_CHAIN,
      db: workerDb,
      tableName: LOCAL_TABLE_NAME,
      plans: new CachedPlanSource({ db: workerDb, tableName: LOCAL_TABLE_NAME }),
    });
    const runQueue = new SqsRunQueue(queue.client, queue.queueUrl);
    const logger = createLogger('bench', 'ERROR');
    const provider = new LocalModelProvider();
    const handler = createHandler(config, {
      logger,
      tenantGate: async () => undefined,
      servicesFor: workflowServicesFactory({ db: apiDb, tableName: LOCAL_TABLE_NAME, cursors, mutations: apiMutations, provider, queue: runQueue }),
    });
    const consumer = createRunConsumer(config, {
      logger,
      queue: runQueue,
      workerFor: runWorkerFactory({ db: workerDb, tableName: LOCAL_TABLE_NAME, mutations: workerMutations, provider, leaseMs: 30_000, slotWaitSeconds: 1 }),
    });
    const mapping = startEventSourceMapping({
      client: queue.client,
      queueUrl: queue.queueUrl,
      region: REGION,
      handler: consumer,
      concurrency: 4,
      batchSize: 10,
    });

    const tenantId = 'bench-runs';
    await putBenchTenant(raw, tenantId, REGION);
    // Agents are written as the agents API writes them: through the service and the mutation executor.
    const agents = new AgentService({
      executor: apiMutations,
      plans: new CachedPlanSource({ db: apiDb, tableName: LOCAL_TABLE_NAME }),
      agents: (id) => new AgentRepository({ db: apiDb(id), tableName: LOCAL_TABLE_NAME, tenantId: id, cursors }),
    });
    const createAgent = async (name: string, modelId: string) => {
      const context = { tenantId, actor: 'user:bench', requestId: `bench-${name}` };
      const { response } = await agents.create(context, { name, modelId }, (agent) => ({ status: 201, body: agent }));
      return (response.body as { agentId: string }).agentId;
    };
    const agentIds = [await createAgent('writer', 'local.writer'), await createAgent('critic', 'local.critic')];
    const auth: AuthContext = { principalType: 'user', principalId: 'bench', tenantId, roles: ['member'] };
    let retried = 0;
    const call = async (method: string, resource: string, pathParameters: Record<string, string>, body?: unknown) => {
      for (;;) {
        const result: APIGatewayProxyResult = await handler(
          restEvent({
            method,
            resource,
            pathParameters: { tenantId, ...pathParameters },
            auth,
            ...(body ? { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } } : {}),
          }),
          lambdaContext(),
        );
        // The tenant's audit head is shared with the worker's writes on DynamoDB Local: a client retries 429s.
        if (result.statusCode === 429) {
          retried += 1;
          await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80));
          continue;
        }
        if (result.statusCode >= 400) throw new Error(`${method} ${resource}: ${result.statusCode} ${result.body}`);
        return JSON.parse(result.body);
      }
    };
    const steps = [
      { id: 'draft', agentId: agentIds[0] },
      { id: 'review', agentId: agentIds[1] },
      { id: 'final', agentId: agentIds[0] },
    ];
    const workflowId = (await call('POST', '/v1/tenants/{tenantId}/workflows', {}, { name: 'bench', steps })).workflowId as string;
    const runsResource = '/v1/tenants/{tenantId}/workflows/{workflowId}/runs';
    // Warm up: credentials, plan cache, audit heads and the worker's cold start.
    await call('POST', runsResource, { workflowId }, { input: 'warm' });

    apiCalls = 0;
    retried = 0;
    const startTimes: number[] = [];
    const runIds: string[] = [];
    const began = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < RUNS) {
          next += 1;
          const start = performance.now();
          runIds.push((await call('POST', runsResource, { workflowId }, { input: 'bench' })).runId);
          startTimes.push(performance.now() - start);
        }
      }),
    );
    const callsPerStart = apiCalls / RUNS;
    const runs = new RunRepository({ db: workerDb(tenantId), tableName: LOCAL_TABLE_NAME, tenantId, cursors });
    const finished: Run[] = [];
    for (const runId of runIds) {
      for (;;) {
        const current = await runs.get(workflowId, runId);
        if (current && ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(current.status)) {
          finished.push(current);
          break;
        }
        if (Date.now() - began > 300_000) throw new Error(`run ${runId} did not finish within 5 minutes`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    await mapping.stop();
    const lastFinish = Math.max(...finished.map((r) => Date.parse(r.finishedAt as string)));
    const queueToStart = finished.map((r) => Date.parse(r.startedAt as string) - Date.parse(r.createdAt));
    const failed = finished.filter((r) => r.status !== 'SUCCEEDED').length;

    console.log(
      `\n== Durable runs: ${RUNS} runs of a 3-step workflow, ${IN_FLIGHT} starts in flight, 4 x 10 consumer deliveries (limit ${PLANS.enterprise.limits.concurrentRuns})`,
    );
    console.log(
      `start (until 202)      ${callsPerStart.toFixed(2)} table calls/start (goal <= 2; ${retried} 429 retries counted in), p50 ${percentile(startTimes, 50).toFixed(1)} ms, p95 ${percentile(startTimes, 95).toFixed(1)} ms`,
    );
    console.log(
      `throughput             ${(RUNS / ((lastFinish - began) / 1000)).toFixed(1)} runs/s (${(RUNS * 3) / ((lastFinish - began) / 1000) > 0 ? ((RUNS * 3) / ((lastFinish - began) / 1000)).toFixed(1) : '0'} steps/s), ${failed} not SUCCEEDED`,
    );
    recordFigure({
      figure: 'start a 3-step run: table calls before 202',
      now: `${callsPerStart.toFixed(2)} calls`,
      goal: '<= 2 calls',
      met: callsPerStart <= 2,
    });
    console.log(`queue-to-start         p50 ${percentile(queueToStart, 50)} ms, p95 ${percentile(queueToStart, 95)} ms, max ${Math.max(...queueToStart)} ms`);
    apiIsolation.destroy();
    workerIsolation.destroy();
  } finally {
    raw.destroy();
    await queue.stop();
    await dynamo.stop();
  }
}
