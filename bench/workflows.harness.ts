import { HASH_CHAIN } from '../functions/audit/audit-chain';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { putBenchTenant } from './bench-tenant';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { createHandler } from '../functions/api/workflows';
import { AgentRepository } from '../functions/agents/agent.repository';
import { AgentService } from '../functions/agents/agent.service';
import { parseRuntimeConfig } from '../functions/api/runtime-config';
import { createLogger } from '../functions/core/logger';
import { createDocumentClient } from '../functions/data/clients';
import { CursorCodec } from '../functions/data/cursor';
import { MutationExecutor } from '../functions/data/mutation.executor';
import type { AuthContext } from '../functions/core/auth-context';
import { createIsolation } from '../functions/isolation/tenant-db';
import { LocalModelProvider } from '../functions/models/local.model-provider';
import { CachedPlanSource } from '../functions/quotas/plan.source';
import { workflowServicesFactory } from '../functions/workflows/workflow.module';
import { SqsRunQueue } from '../functions/workflows/run-queue.sqs';
import { startLocalRunQueue } from '../local/run-queue';
import { bootstrapTables, localDynamoDbClient } from '../local/bootstrap';
import { startDynamoDbLocal } from '../local/dynamodb';
import { LOCAL_TABLE_NAME, useLocalCredentials } from '../local/platform.config';
import { freePort } from '../local/ports';
import { lambdaContext, restEvent } from '../test/support/rest-event';

/**
 * Workflows and runs on DynamoDB Local: DynamoDB calls per request type (counted by an SDK middleware on the
 * tenant-scoped client) and latency through the handler, with the local model provider (no network). The tenant
 * gate is left out, as in resources.harness.ts. Starting a run reads the workflow and writes the start transaction,
 * then sends the run's message to the queue (the local SQS emulator; no worker runs here: see runs.harness.ts).
 */
const REGION = 'eu-central-1';
const ITERATIONS = 100;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

export async function run(): Promise<void> {
  useLocalCredentials();
  const dynamo = await startDynamoDbLocal({ port: await freePort() });
  const runQueue = await startLocalRunQueue({ region: REGION });
  const raw: DynamoDBDocumentClient = createDocumentClient(localDynamoDbClient(dynamo.endpoint, REGION));
  try {
    await bootstrapTables({ endpoint: dynamo.endpoint, regions: [REGION], tableName: LOCAL_TABLE_NAME });
    const config = parseRuntimeConfig({ AWS_REGION: REGION, TABLE_NAME: LOCAL_TABLE_NAME, DYNAMODB_ENDPOINT: dynamo.endpoint, LOG_LEVEL: 'ERROR' });
    const isolation = createIsolation({ ...config, DATA_CREDENTIALS: 'local' });
    const counts = new Map<string, number>();
    const seen = new WeakSet<object>();
    const db = (tenantId: string) => {
      const client = isolation.forTenant(tenantId);
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
    };
    const cursors = new CursorCodec('bench-cursor-secret-of-at-least-32-chars');
    const plans = new CachedPlanSource({ db, tableName: LOCAL_TABLE_NAME });
    const mutations = new MutationExecutor({ chain: HASH_CHAIN, db, tableName: LOCAL_TABLE_NAME, plans });
    const handler = createHandler(config, {
      logger: createLogger('bench', 'ERROR'),
      tenantGate: async () => undefined,
      servicesFor: workflowServicesFactory({
        db,
        tableName: LOCAL_TABLE_NAME,
        cursors,
        mutations,
        provider: new LocalModelProvider(),
        queue: new SqsRunQueue(runQueue.client, runQueue.queueUrl),
      }),
    });

    const tenantId = 'bench-workflows';
    await putBenchTenant(raw, tenantId, REGION);
    const agents = new AgentService({
      executor: mutations,
      plans,
      agents: (id) => new AgentRepository({ db: db(id), tableName: LOCAL_TABLE_NAME, tenantId: id, cursors }),
    });
    const createAgent = async (name: string, modelId: string) => {
      const context = { tenantId, actor: 'user:bench', requestId: `bench-${name}` };
      const { response } = await agents.create(context, { name, modelId }, (agent) => ({ status: 201, body: agent }));
      return (response.body as { agentId: string }).agentId;
    };
    const agentIds = [await createAgent('writer', 'local.writer'), await createAgent('critic', 'local.critic')];
    const auth: AuthContext = { principalType: 'user', principalId: 'bench', tenantId, roles: ['member'] };
    const call = async (method: string, resource: string, pathParameters: Record<string, string>, body?: unknown, query?: Record<string, string>) => {
      const result: APIGatewayProxyResult = await handler(
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
    const WORKFLOWS = '/v1/tenants/{tenantId}/workflows';
    const WORKFLOW = `${WORKFLOWS}/{workflowId}`;
    const RUNS = `${WORKFLOW}/runs`;
    const body = {
      name: 'bench',
      steps: [
        { id: 'draft', agentId: agentIds[0] },
        { id: 'review', agentId: agentIds[1] },
        { id: 'final', agentId: agentIds[0] },
      ],
    };

    // Warm up: credentials, plan cache and audit heads, as in a warm container.
    const workflowId = (await call('POST', WORKFLOWS, {}, body)).workflowId as string;
    const runId = (await call('POST', RUNS, { workflowId }, {})).runId as string;

    const requestTypes: [string, () => Promise<unknown>][] = [
      ['getWorkflow', () => call('GET', WORKFLOW, { workflowId })],
      ['listWorkflows', () => call('GET', WORKFLOWS, {}, undefined, { limit: '20' })],
      ['createWorkflow', () => call('POST', WORKFLOWS, {}, body)],
      ['updateWorkflow', () => call('PATCH', WORKFLOW, { workflowId }, { name: 'renamed' })],
      ['startRun (→ 202)', () => call('POST', RUNS, { workflowId }, { input: 'bench' })],
      ['getRun', () => call('GET', `${RUNS}/{runId}`, { workflowId, runId })],
      ['listRuns', () => call('GET', RUNS, { workflowId }, undefined, { limit: '20' })],
    ];
    console.log(`\n== Workflows on DynamoDB Local: DynamoDB calls per request (warm container, ${ITERATIONS} requests each)`);
    console.log(`${'request'.padEnd(20) + 'calls/req'.padStart(10)}  by command${''.padEnd(52)}${'p50 ms'.padStart(8)}${'p95 ms'.padStart(8)}`);
    for (const [name, work] of requestTypes) {
      counts.clear();
      const times: number[] = [];
      for (let i = 0; i < ITERATIONS; i++) {
        const start = performance.now();
        await work();
        times.push(performance.now() - start);
      }
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      const by = [...counts.entries()].map(([command, n]) => `${command} ${(n / ITERATIONS).toFixed(2)}`).join(', ');
      console.log(
        name.padEnd(20) +
          (total / ITERATIONS).toFixed(2).padStart(10) +
          `  ${by}`.padEnd(63) +
          percentile(times, 50).toFixed(2).padStart(8) +
          percentile(times, 95).toFixed(2).padStart(8),
      );
      if (counts.has('Scan')) throw new Error(`${name} issued a Scan`);
    }
    isolation.destroy();
  } finally {
    raw.destroy();
    await runQueue.stop();
    await dynamo.stop();
  }
}
