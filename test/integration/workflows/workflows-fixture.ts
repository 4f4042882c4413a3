import { HASH_CHAIN } from '../../../functions/audit/audit-chain';
import { randomBytes, randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createHandler } from '../../../functions/api/workflows';
import { agentCollectionKeys } from '../../../functions/agents/agent.repository';
import { agentSchema, type Agent } from '../../../functions/agents/agent.schema';
import { conditionOf, itemAbsent } from '../../../functions/data/conditions';
import { registerNestedPartition } from '../../../functions/data/operational.kind';
import { quotaCounters } from '../../../functions/quotas/quota.counters';
import type { PlanId } from '../../../functions/billing/plan.catalogue';
import { parseRuntimeConfig } from '../../../functions/api/runtime-config';
import { createLogger } from '../../../functions/core/logger';
import { createDocumentClient } from '../../../functions/data/clients';
import { CursorCodec } from '../../../functions/data/cursor';
import { tenantPrefix } from '../../../functions/data/keys';
import * as keys from '../../../functions/data/table-keys';
import { MutationExecutor } from '../../../functions/data/mutation.executor';
import type { AuthContext } from '../../../functions/core/auth-context';
import { createIsolation, type Isolation } from '../../../functions/isolation/tenant-db';
import { LocalModelProvider } from '../../../functions/models/local.model-provider';
import type { ModelProvider } from '../../../functions/models/model-provider';
import { CachedPlanSource } from '../../../functions/quotas/plan.source';
import { createTenantGate } from '../../../functions/tenants/tenant-gate';
import { TenantRepository } from '../../../functions/tenants/tenant.repository';
import type { TenantDirectoryEntry } from '../../../functions/tenants/tenant.schema';
import { workflowServicesFactory } from '../../../functions/workflows/workflow.module';
import { RunRepository } from '../../../functions/workflows/run.repository';
import { createTableInput, localDynamoDbClient } from '../../../local/bootstrap';
import { createHandler as createRunConsumer } from '../../../functions/api/run-consumer';
import { SqsRunQueue } from '../../../functions/workflows/run-queue.sqs';
import type { Run } from '../../../functions/workflows/run.schema';
import { FINAL_RUN_STATUSES } from '../../../functions/workflows/run.schema';
import { runSweeperOf, runWorkerFactory } from '../../../functions/workflows/workflow.module';
import type { StepPolicy } from '../../../functions/workflows/run.executor';
import { startEventSourceMapping, startLocalRunQueue, startSweepSchedule, type LocalRunQueue } from '../../../local/run-queue';
import { emulatorEndpoints } from '../../support/emulators';
import { scanPrefix } from '../../support/scan-prefix';
import { lambdaContext, restEvent, type RestEventOptions } from '../../support/rest-event';

export const REGION = 'eu-central-1';

export interface ApiResult {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: any;
}

/**
 * The workflows handler as a function instance gets it, over a table of its own in the shared DynamoDB Local: the
 * isolation layer (local credentials, runtime guard), signed cursors, the mutation executor and a model provider.
 * The tenant directory is a map (the gate is not what these tests are about); tenant records and agents are real
 * items written through the tenant-scoped client.
 */
export interface WorkflowsFixture {
  readonly tableName: string;
  readonly isolation: Isolation;
  /** Unscoped: the test's own view of the whole table, never handed to code under test. */
  readonly inspector: DynamoDBDocumentClient;
  call(options: RestEventOptions): Promise<ApiResult>;
  /** Writes the tenant's record (with its plan) and directory entry; returns a member's credential. */
  addTenant(tenantId: string, plan?: PlanId): Promise<AuthContext>;
  addAgent(tenantId: string, fields?: Partial<Pick<Agent, 'name' | 'modelId' | 'instructions' | 'status'>>): Promise<Agent>;
  /** The runs queue (fauxqs) the handler sends to and the consumer reads. */
  readonly queue: LocalRunQueue;
  /** Reads the run until it is in one of `statuses` (default: a final one); throws after `timeoutMs`. */
  waitForRun(tenantId: string, workflowId: string, runId: string, options?: { statuses?: readonly Run['status'][]; timeoutMs?: number }): Promise<Run>;
  /** Every item under the tenant's prefix, sorted by key: for "nothing changed" checks. */
  itemsOf(tenantId: string): Promise<Record<string, unknown>[]>;
  dispose(): Promise<void>;
}

/** How the fixture's runs queue and consumer behave (short timeouts, so crash and retry tests take seconds). */
export interface RunQueueSettings {
  /** The queue's visibility timeout and the run lease. @default 2 */
  readonly visibilityTimeoutSeconds?: number;
  /** @default 0 */
  readonly slotWaitSeconds?: number;
  /** The consumer's function timeout. @default 30 s */
  readonly timeoutMs?: number;
  /** Consumer invocations at once. @default 4 */
  readonly concurrency?: number;
  /** @default 10 */
  readonly batchSize?: number;
  /** @default a 5 s timeout, 3 calls, 10–40 ms backoff */
  readonly stepPolicy?: StepPolicy;
  /** Whether a consumer executes the queued runs. @default true */
  readonly consume?: boolean;
  /**
   * Invokes the consumer on a sweep schedule this often, as the EventBridge rule does in AWS.
   * @default no sweeps
   */
  readonly sweepEveryMs?: number;
  /** See RUN_REDRIVE_AFTER_SECONDS. @default 2 s */
  readonly redriveAfterMs?: number;
  /**
   * Whether the workflows API's sends of started runs reach the queue; false plays an API that stopped between the
   * start transaction and the send. @default true
   */
  readonly startMessagesSent?: boolean;
}

export async function createWorkflowsFixture(name: string, options: { provider?: ModelProvider; runs?: RunQueueSettings } = {}): Promise<WorkflowsFixture> {
  const { dynamoDbEndpoint } = emulatorEndpoints();
  const tableName = `${name}-${randomBytes(4).toString('hex')}`;
  const raw = localDynamoDbClient(dynamoDbEndpoint, REGION);
  await raw.send(new CreateTableCommand(createTableInput(tableName)));
  await waitUntilTableExists({ client: raw, maxWaitTime: 30 }, { TableName: tableName });

  const config = parseRuntimeConfig({ AWS_REGION: REGION, TABLE_NAME: tableName, DYNAMODB_ENDPOINT: dynamoDbEndpoint, STAGE: 'local', LOG_LEVEL: 'ERROR' });
  const isolation = createIsolation({ AWS_REGION: REGION, TABLE_NAME: tableName, DYNAMODB_ENDPOINT: dynamoDbEndpoint, DATA_CREDENTIALS: 'local' });
  const db = (tenantId: string) => isolation.forTenant(tenantId);
  const mutations = new MutationExecutor({ chain: HASH_CHAIN, db, tableName, plans: new CachedPlanSource({ db, tableName }) });
  const cursors = new CursorCodec(randomBytes(32).toString('base64url'));
  const directory = new Map<string, TenantDirectoryEntry>();
  const settings = options.runs ?? {};
  const visibility = settings.visibilityTimeoutSeconds ?? 2;
  const queue = await startLocalRunQueue({ region: REGION, visibilityTimeoutSeconds: visibility, queueName: tableName });
  const runQueue = new SqsRunQueue(queue.client, queue.queueUrl);
  const provider = options.provider ?? new LocalModelProvider();
  const logger = createLogger('workflows-it', 'ERROR');
  const handler = createHandler(config, {
    logger,
    tenantGate: createTenantGate({ directory: { get: async (id) => directory.get(id) }, region: REGION, regionEndpoints: {} }),
    servicesFor: workflowServicesFactory({
      db,
      tableName,
      cursors,
      mutations,
      provider,
      queue: settings.startMessagesSent === false ? { enqueue: async () => undefined } : runQueue,
    }),
  });
  const redriveAfterMs = settings.redriveAfterMs ?? 2_000;
  const consumer = createRunConsumer(config, {
    logger,
    queue: runQueue,
    sweeper: runSweeperOf({
      db,
      tableName,
      queue: runQueue,
      redriveAfterMs,
      leaseMs: visibility * 1000,
      tenants: async function* () {
        yield* directory.keys();
      },
    }),
    workerFor: runWorkerFactory({
      redriveAfterMs,
      db,
      tableName,
      mutations,
      provider,
      leaseMs: visibility * 1000,
      slotWaitSeconds: settings.slotWaitSeconds ?? 0,
      stepPolicy: settings.stepPolicy ?? { timeoutMs: 5_000, attempts: 3, baseDelayMs: 10, maxDelayMs: 40 },
    }),
  });
  const mapping =
    settings.consume === false
      ? { stop: async () => undefined }
      : startEventSourceMapping({
          client: queue.client,
          queueUrl: queue.queueUrl,
          region: REGION,
          handler: consumer,
          concurrency: settings.concurrency ?? 4,
          batchSize: settings.batchSize ?? 10,
          timeoutMs: settings.timeoutMs ?? 30_000,
        });
  const schedule = settings.sweepEveryMs
    ? startSweepSchedule({ region: REGION, everyMs: settings.sweepEveryMs, handler: async () => consumer, log: () => undefined })
    : { stop: async () => undefined };
  const runRepository = (tenantId: string) => new RunRepository({ db: db(tenantId), tableName, tenantId, cursors });
  const inspector = createDocumentClient(raw);

  return {
    tableName,
    isolation,
    inspector,
    async call(request) {
      const result = await handler(restEvent(request), lambdaContext('workflows'));
      return {
        status: result.statusCode,
        headers: (result.headers ?? {}) as Record<string, string>,
        body: result.body === '' ? undefined : JSON.parse(result.body),
      };
    },
    async addTenant(tenantId, plan = 'free') {
      const now = new Date().toISOString();
      await new TenantRepository(db(tenantId), tableName).create({
        tenantId,
        slug: tenantId,
        name: tenantId,
        plan,
        region: REGION,
        status: 'ACTIVE',
        branding: {},
        settings: {},
        createdAt: now,
        updatedAt: now,
        version: 1,
      });
      directory.set(tenantId, {
        tenantId,
        slug: tenantId,
        region: REGION,
        status: 'ACTIVE',
        emailDomains: [],
        auth: { issuer: `http://issuer/${tenantId}`, userPoolId: `pool-${tenantId}`, clientId: `client-${tenantId}` },
        branding: {},
      });
      return { principalType: 'user', principalId: `member-of-${tenantId}`, tenantId, roles: ['member'] };
    },
    async addAgent(tenantId, fields = {}) {
      // Written through the executor like every agent (audited, counted), with any model id: the failing provider's
      // models are on no plan, and the workflow rules under test do not depend on the plan's model list.
      const now = new Date().toISOString();
      const agent = agentSchema.parse({
        agentId: randomUUID(),
        name: fields.name ?? 'agent',
        modelId: fields.modelId ?? 'local.echo-v1',
        instructions: fields.instructions ?? 'Answer briefly.',
        tools: [],
        status: fields.status ?? 'ACTIVE',
        createdAt: now,
        updatedAt: now,
        version: 1,
      });
      await mutations.execute({
        tenantId,
        event: { actor: 'user:fixture', action: 'agent.create', target: `agent/${agent.agentId}`, requestId: randomUUID(), change: agent },
        writes: [
          {
            put: {
              Item: { ...keys.agent(tenantId, agent.agentId), ...agentCollectionKeys(tenantId, now, agent.agentId), ...agent },
              ...conditionOf(itemAbsent),
            },
          },
          registerNestedPartition(tenantId, 'AGENT', agent.agentId),
        ],
        quotas: [{ counter: quotaCounters.agents(tenantId), delta: 1 }],
      });
      return agent;
    },
    queue,
    async waitForRun(tenantId, workflowId, runId, { statuses = FINAL_RUN_STATUSES, timeoutMs = 20_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const run = await runRepository(tenantId).get(workflowId, runId);
        if (run && statuses.includes(run.status)) return run;
        if (Date.now() > deadline) throw new Error(`run ${runId} is ${run?.status ?? 'missing'} after ${timeoutMs} ms, not ${statuses.join('/')}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async itemsOf(tenantId) {
      const items = await scanPrefix(inspector, tableName, tenantPrefix(tenantId));
      return items.sort((a, b) => `${a.pk}|${a.sk}`.localeCompare(`${b.pk}|${b.sk}`));
    },
    async dispose() {
      await schedule.stop();
      await mapping.stop();
      await queue.stop();
      isolation.destroy();
      await raw.send(new DeleteTableCommand({ TableName: tableName }));
      raw.destroy();
    },
  };
}

/** A JSON request body with its content type. */
export function jsonBody(body: unknown): Pick<RestEventOptions, 'body' | 'headers'> {
  return { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } };
}
