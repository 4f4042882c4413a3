import { AuditSealer } from '../../../functions/audit/audit-sealer';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { AgentRepository } from '../../../functions/agents/agent.repository';
import { AgentService } from '../../../functions/agents/agent.service';
import type { AuthContext } from '../../../functions/core/auth-context';
import { CursorCodec } from '../../../functions/data/cursor';
import type { MutationContext } from '../../../functions/data/mutation.context';
import { MemoryRepository } from '../../../functions/memories/memory.repository';
import { MemoryService } from '../../../functions/memories/memory.service';
import { LocalModelProvider } from '../../../functions/models/local.model-provider';
import { ManifestSigner } from '../../../functions/portability/bundle.schema';
import { createS3Client, S3ObjectStore } from '../../../functions/portability/s3.object-store';
import { TenantExporter } from '../../../functions/portability/tenant-export';
import type { SQSEvent } from 'aws-lambda';
import type { JobMessage } from '../../../functions/portability/job.queue';
import type { MutationExecutor } from '../../../functions/data/mutation.executor';
import { TenantCopier } from '../../../functions/portability/tenant-copy';
import { TenantImporter } from '../../../functions/portability/tenant-import';
import type { JobQueue } from '../../../functions/portability/job.queue';
import { PortabilityJobRepository } from '../../../functions/portability/portability-job.kind';
import { PortabilityJobService } from '../../../functions/portability/portability-job.service';
import { ComplianceService } from '../../../functions/portability/compliance.service';
import { drillRecordWrite } from '../../../functions/portability/compliance.kind';
import { RetentionSweep } from '../../../functions/portability/retention-sweep';
import { CachedPlanSource } from '../../../functions/quotas/plan.source';
import { referenceCheck } from '../../../functions/resource.catalogue';
import { kindOperations } from '../../../functions/resource-api.catalogue';
import { ROUTES } from '../../../functions/routes';
import { UsageMeter } from '../../../functions/usage/usage.meter';
import { budgetGovernance } from '../../../functions/api/governance.dependencies';
import { credentialStoreOf } from '../../../functions/api/credential-store.dependencies';
import { budgetBodySchema } from '../../../functions/governance/budget.schema';
import type { ResourceDependencies } from '../../../functions/api/dependencies';
import { createHandler as createJobConsumer } from '../../../functions/api/job-consumer';
import { createHandler as createPortabilityHandler } from '../../../functions/api/portability';
import { parseRuntimeConfig } from '../../../functions/api/runtime-config';
import { lambdaContext, restEvent } from '../../support/rest-event';
import { BudgetLedger } from '../../../functions/governance/budget.ledger';
import { BudgetRepository } from '../../../functions/governance/budget.repository';
import { BudgetService } from '../../../functions/governance/budget.service';
import { ModelCredentialRepository } from '../../../functions/governance/model-credential.repository';
import { credentialBodySchema } from '../../../functions/governance/model-credential.schema';
import { ModelCredentialService } from '../../../functions/governance/model-credential.service';
import { ModelPolicyRepository } from '../../../functions/governance/model-policy.repository';
import { modelPolicyBodySchema } from '../../../functions/governance/model-policy.schema';
import { ModelPolicyService } from '../../../functions/governance/model-policy.service';
import { readCurrentUsage, SubscriptionRepository } from '../../../functions/billing/subscription.repository';
import { SubscriptionService } from '../../../functions/billing/subscription.service';
import { createBillingServices } from '../../../functions/api/billing.dependencies';
import { TenantRepository } from '../../../functions/tenants/tenant.repository';
import { MailboxMailer } from '../../../functions/users/mailer.mailbox';
import { createLogger } from '../../../functions/core/logger';
import { TENANT_DATA_CATALOGUE } from '../../../functions/tenant-data.catalogue';
import type { TenantManifest } from '../../../functions/tenants/tenant-manifest.schema';
import { workflowServicesFactory } from '../../../functions/workflows/workflow.module';
import { LOCAL_REGIONS, LOCAL_TABLE_NAME } from '../../../local/platform.config';
import { S3_LOCAL_CREDENTIALS, startS3Local, type S3Local } from '../../../local/s3-local';
import { uniqueTenantId } from '../../support/platform';
import { createLifecycleFixture, type LifecycleFixture } from '../tenants/lifecycle-fixture';
import * as z from '../../../functions/core/zod';

export const PLATFORM_ADMIN: AuthContext = { principalType: 'platform-admin', principalId: 'ops-1', roles: ['platform-admin'] };
const PASSWORD = 'Correct-Horse-9-Battery';
export const BUCKET = 'tenant-exports';

/** What one tenant did before its export: drawn by the properties. */
export interface TenantHistory {
  readonly agents: readonly { readonly instructions: string; readonly memories: readonly string[] }[];
  readonly runs: readonly number[];
  readonly apiKeys: number;
  readonly members: number;
}

export interface PortabilityFixture {
  readonly lifecycle: LifecycleFixture;
  readonly s3: S3Local;
  readonly s3Client: S3Client;
  readonly store: S3ObjectStore;
  readonly signer: ManifestSigner;
  /** Exporter and importer of each region's table. */
  readonly exporter: (region: string) => TenantExporter;
  readonly importer: (region: string) => TenantImporter;
  /** Imports another tenant's bundle into a tenant of the region (a platform admin's import); `executor` stands in for the region's. */
  copier(region: string, executor?: Pick<MutationExecutor, 'execute' | 'findReplay'>): TenantCopier;
  /** The export and import jobs of a region's tenants, sending started jobs to `queue`. */
  jobs(region: string, queue: JobQueue): PortabilityJobService;
  onboard(prefix: string, region?: string): Promise<string>;
  /** Lives the history through the services, so every kind of the catalogue gets items the way the API makes them. */
  live(tenantId: string, history: TenantHistory, region?: string): Promise<void>;
  /** Seals the tenant's pending audit entries, as the sealer does shortly after the writes (live() ends with it). */
  seal(tenantId: string, region?: string): Promise<void>;
  dispose(): Promise<void>;
}

let requests = 0;
const nextRequest = () => `req-portability-${++requests}`;
const context = (tenantId: string, idempotencyKey?: string): MutationContext => ({
  tenantId,
  actor: 'user:u-portability',
  requestId: nextRequest(),
  ...(idempotencyKey ? { idempotency: { key: idempotencyKey, fingerprint: `fp-${idempotencyKey}` } } : {}),
});
const ok = { status: 200 };
const idOf = (result: { response: { body?: unknown } }, field: string) => (result.response.body as Record<string, string>)[field];

function manifestOf(tenantId: string, region: string): TenantManifest {
  return {
    id: tenantId,
    slug: tenantId,
    name: tenantId,
    plan: 'team',
    homeRegion: region,
    emailDomains: [`${tenantId}.example`],
    admins: [`owner@${tenantId}.example`],
    sso: { saml: [], oidc: [] },
    mfa: 'OPTIONAL',
    branding: {},
    settings: {},
  };
}

/** A lifecycle fixture (fresh table in each local region) with an S3-compatible server for the bundles. */
export async function createPortabilityFixture(name: string): Promise<PortabilityFixture> {
  const lifecycle = await createLifecycleFixture(name);
  const directory = mkdtempSync(join(tmpdir(), `${name}-s3-`));
  const s3 = await startS3Local({ directory, buckets: [BUCKET] });
  const s3Client = createS3Client(LOCAL_REGIONS[0], { endpoint: s3.endpoint, credentials: S3_LOCAL_CREDENTIALS });
  const store = new S3ObjectStore({ client: s3Client, bucket: BUCKET });
  const signer = new ManifestSigner('portability-test-signing-secret-of-32-characters');
  const data = (region: string) => lifecycle.regions[region].local;
  const cursors = new CursorCodec('portability-test-cursor-secret-of-32-chars');

  async function seal(tenantId: string, region: string = LOCAL_REGIONS[0]): Promise<void> {
    const { db, tableName } = data(region);
    await new AuditSealer({ db, tableName }).seal(tenantId);
  }

  function services(region: string) {
    const { db, tableName, mutations } = data(region);
    const plans = new CachedPlanSource({ db, tableName });
    const repositoryOf = (tenantId: string) => ({ db: db(tenantId), tableName, tenantId, cursors });
    return {
      agents: new AgentService({ executor: mutations, plans, references: referenceCheck, agents: (tenantId) => new AgentRepository(repositoryOf(tenantId)) }),
      memories: new MemoryService({ executor: mutations, memories: (tenantId) => new MemoryRepository(repositoryOf(tenantId)) }),
      // Started runs stay QUEUED (no consumer here): the bundle carries them as they are.
      workflows: workflowServicesFactory({ db, tableName, cursors, mutations, provider: new LocalModelProvider(), queue: { enqueue: async () => {} } }),
      // Tools bring their operations with their kind: called as the agents group calls them.
      tools: kindOperations('agents', { db, tableName, cursors, executor: mutations, plans }),
      meter: new UsageMeter({ db, tableName }),
      budgets: new BudgetService({ budgets: new BudgetRepository(db, tableName), ledger: new BudgetLedger({ db, tableName }), plans, mutations }),
      // A model call within the budget: reserved and settled in the tenant's ledger, as the run consumer makes it.
      governed: budgetGovernance(
        {
          db,
          tableName,
          plans,
          audit: mutations,
          mailer: new MailboxMailer(directory, 'budget@portability.example'),
          logger: createLogger('portability', 'ERROR'),
          region,
          policyTtlMs: 0,
        },
        new LocalModelProvider(),
      ).provider,
      modelPolicies: new ModelPolicyService({ policies: new ModelPolicyRepository(db, tableName), plans, mutations }),
      credentials: new ModelCredentialService({
        credentials: new ModelCredentialRepository(db, tableName),
        // The region's store, as the functions of the region build it: a migration moves the secrets between them.
        store: credentialStoreOf(lifecycle.config(region)),
        mutations,
      }),
      subscriptions: new SubscriptionService({
        subscriptions: new SubscriptionRepository(db, tableName),
        tenants: { get: (tenantId) => new TenantRepository(db(tenantId), tableName).get(tenantId) },
        usage: (tenantId, now) => readCurrentUsage(db(tenantId), tableName, tenantId, now),
        mutations,
      }),
      // The period close as the schedule runs it, forty days on: the tenant's first month is invoiced.
      billing: createBillingServices({
        config: lifecycle.config(region),
        local: data(region),
        tenants: { get: (tenantId) => new TenantRepository(db(tenantId), tableName).get(tenantId) },
        lifecycle: lifecycle.regions[region].lifecycle,
        clock: () => new Date(Date.now() + 40 * 86_400_000),
      }),
    };
  }

  /** A tool of the tenant, created as the agents group creates it after parsing the request. */
  async function createTool(tools: ReturnType<typeof services>['tools'], tenantId: string, name: string) {
    const route = ROUTES.find((candidate) => candidate.operationId === 'createTool')!;
    const auth: AuthContext = { principalType: 'user', principalId: 'u-portability', tenantId, roles: ['member'] };
    const body =
      'body' in route.request && route.request.body ? z.parse(route.request.body, { name, endpoint: { kind: 'built-in', name: 'current-time' } }) : undefined;
    await tools.createTool({ route, path: { tenantId }, query: {}, body, headers: {}, auth, requestId: nextRequest() } as never);
  }

  function compliance(region: string): ComplianceService {
    const { db, tableName, mutations } = data(region);
    return new ComplianceService({ db, tableName, executor: mutations, cursors, catalogue: TENANT_DATA_CATALOGUE, region });
  }

  function copier(region: string, executor?: Pick<MutationExecutor, 'execute' | 'findReplay'>): TenantCopier {
    const { db, tableName, mutations } = data(region);
    const importer = new TenantImporter({ ...data(region), catalogue: TENANT_DATA_CATALOGUE, store, signer, executor: mutations });
    const plans = new CachedPlanSource({ db, tableName });
    return new TenantCopier({ db, tableName, catalogue: TENANT_DATA_CATALOGUE, store, importer, executor: executor ?? mutations, plans });
  }

  function jobs(region: string, queue: JobQueue): PortabilityJobService {
    const { db, tableName, mutations } = data(region);
    return new PortabilityJobService({
      jobs: new PortabilityJobRepository(db, tableName),
      executor: mutations,
      queue,
      store,
      exporter: new TenantExporter({ ...data(region), catalogue: TENANT_DATA_CATALOGUE, store, signer }),
      importer: new TenantImporter({ ...data(region), catalogue: TENANT_DATA_CATALOGUE, store, signer, executor: mutations }),
      copier: copier(region),
      linkSeconds: 300,
      sweep: new RetentionSweep({ db, tableName, catalogue: TENANT_DATA_CATALOGUE, audit: mutations }),
    });
  }

  return {
    lifecycle,
    s3,
    s3Client,
    store,
    signer,
    exporter: (region) => new TenantExporter({ ...data(region), catalogue: TENANT_DATA_CATALOGUE, store, signer }),
    importer: (region) => new TenantImporter({ ...data(region), catalogue: TENANT_DATA_CATALOGUE, store, signer, executor: data(region).mutations }),
    copier,
    jobs,
    async onboard(prefix, region = LOCAL_REGIONS[0]) {
      const tenantId = uniqueTenantId(prefix);
      const { lifecycle: service } = lifecycle.regions[region];
      await service.create(PLATFORM_ADMIN, manifestOf(tenantId, region), nextRequest());
      // As an AWS pool id, which begins with the pool's region.
      const auth = { issuer: `https://issuer.test/${tenantId}`, userPoolId: `${region}_${tenantId}`, clientId: `client-${tenantId}` };
      await service.complete({ kind: 'provisioningSucceeded', detail: { tenantId, auth } }, nextRequest());
      return tenantId;
    },
    async live(tenantId, history, region = LOCAL_REGIONS[0]) {
      const { agents, memories, workflows, tools, meter, budgets, governed, subscriptions, billing, modelPolicies, credentials } = services(region);
      // A model policy and an own credential (its metadata travels in bundles; its secret stays in the credential store).
      await modelPolicies.set(modelPolicyBodySchema.parse({ allowedModels: ['local.echo'] }), context(tenantId), (policy) => ({ ...ok, body: policy }));
      await credentials.create(
        context(tenantId),
        credentialBodySchema.parse({ kind: 'api-key', provider: 'bedrock', apiKey: 'portability-api-key-0123456789' }),
      );
      // A budget, a model call settled against it, and a subscription that cancels at the period's end.
      await budgets.set(budgetBodySchema.parse({ monthlyCents: 10_000 }), context(tenantId), (policy) => ({ ...ok, body: policy }));
      await governed.invoke({ modelId: 'local.echo', instructions: 'Be brief.', input: 'hello', metadata: { tenantId } });
      await subscriptions.update(context(tenantId), { cancelAtPeriodEnd: true } as never);
      await billing.periods.close(tenantId, nextRequest());
      const people = lifecycle.regions[region];
      await createTool(tools, tenantId, 'clock');
      // An export job asked for (it stays queued: no consumer here), and a retention setting.
      await jobs(region, { enqueue: async () => {} }).start(context(tenantId), 'export');
      await compliance(region).setRetention(context(tenantId), { content: 365 });
      const { db, tableName } = data(region);
      const drilled = { drilledAt: new Date().toISOString(), succeeded: true, items: 1, auditEntries: 1, detail: 'drilled' };
      const event = { actor: 'system:drill', action: 'recovery.drill', target: 'compliance/drill/passed', requestId: nextRequest(), change: {} };
      await data(region).mutations.execute({ tenantId, event, writes: [drillRecordWrite(tenantId, drilled)] });
      // A retention sweep under the setting (it records itself for the compliance report).
      await new RetentionSweep({ db, tableName, catalogue: TENANT_DATA_CATALOGUE, audit: data(region).mutations }).sweepTenant(tenantId, nextRequest());
      // A served request, metered as the functions meter it: the tenant's usage and health items of the hour.
      await meter.addRequest(tenantId, { durationMs: 12, memoryMb: 256, status: 200 });
      await meter.flush(tenantId);
      const agentIds: string[] = [];
      for (const [i, agent] of history.agents.entries()) {
        const body = { name: `agent ${i}`, modelId: 'local.echo', instructions: agent.instructions, tools: [] };
        const created = await agents.create(context(tenantId, `idem-${tenantId}-${i}`), body, (made) => ({ ...ok, body: made }));
        agentIds.push(idOf(created, 'agentId'));
        for (const content of agent.memories) {
          await memories.create(context(tenantId), agentIds[i], { content }, (made) => ({ ...ok, body: made }));
        }
      }
      for (const [i, runs] of history.runs.entries()) {
        const body = { name: `wf-${i}`, mode: 'sequential' as const, steps: [{ id: 's1', agentId: agentIds[i % agentIds.length] }] };
        const workflowId = idOf(await workflows(tenantId).workflows.create(body, context(tenantId), (made) => ({ ...ok, body: made })), 'workflowId');
        for (let run = 0; run < runs; run++) {
          await workflows(tenantId).runs.start(workflowId, { input: `input ${run}` }, context(tenantId), (made) => ({ status: 202, body: made }));
        }
      }
      for (let i = 0; i < history.apiKeys; i++) {
        const keyId = idOf(await people.apiKeys.create(context(tenantId), { name: `key-${i}`, role: 'member' }), 'keyId');
        if (i % 2 === 1) await people.apiKeys.revoke(context(tenantId), keyId);
      }
      for (let i = 0; i < history.members; i++) {
        const email = `person-${i}@${tenantId}.example`;
        await people.users.invite(context(tenantId), { email, role: 'member' });
        await people.users.accept({ code: lifecycle.adapters.codeFor(email), password: PASSWORD }, nextRequest());
      }
      // A member removed under a legal hold: the membership ends, its record is kept as a former member's.
      const formerEmail = `former@${tenantId}.example`;
      await people.users.invite(context(tenantId), { email: formerEmail, role: 'member' });
      const former = await people.users.accept({ code: lifecycle.adapters.codeFor(formerEmail), password: PASSWORD }, nextRequest());
      await compliance(region).placeHold(context(tenantId), 'portability fixture');
      await people.users.removeMember(context(tenantId), former.userId);
      await compliance(region).liftHold(context(tenantId));
      await seal(tenantId, region);
    },
    seal,
    async dispose() {
      s3Client.destroy();
      await s3.stop();
      rmSync(directory, { recursive: true, force: true });
      await lifecycle.dispose();
    },
  };
}

/** What a test sends a route: a JSON body, the authorizer's principal, more headers. */
export interface RouteCall {
  readonly body?: unknown;
  readonly auth?: AuthContext;
  readonly headers?: Record<string, string>;
}

/**
 * Calls the portability group's handler as API Gateway calls it (a REST proxy event carrying the authorizer's principal
 * and a request id of its own) and parses its JSON answer; `defaultAuth` is the principal of calls that name none.
 */
export function routeCaller(
  handler: () => ReturnType<typeof createPortabilityHandler>,
  requestPrefix: string,
  defaultAuth: (path: Record<string, string>) => AuthContext,
) {
  let requests = 0;
  return async (method: string, resource: string, path: Record<string, string>, options: RouteCall = {}) => {
    const event = restEvent({
      method,
      resource,
      pathParameters: path,
      headers: { 'Content-Type': 'application/json', ...options.headers },
      body: options.body === undefined ? null : JSON.stringify(options.body),
      auth: options.auth ?? defaultAuth(path),
    });
    event.requestContext.requestId = `${requestPrefix}-${++requests}`;
    const result = await handler()(event, lambdaContext());
    return { ...result, json: result.body ? JSON.parse(result.body) : undefined };
  };
}

let deliveries = 0;
/** The event the jobs queue's event source gives the job consumer for these messages (each delivery's ids unique). */
export function jobQueueEvent(messages: readonly JobMessage[], receiveCount = 1): SQSEvent {
  deliveries += 1;
  return {
    Records: messages.map((message, i) => ({
      messageId: `m-${deliveries}-${i}`,
      receiptHandle: 'r',
      body: JSON.stringify(message),
      attributes: { ApproximateReceiveCount: String(receiveCount), SentTimestamp: '0', SenderId: 'test', ApproximateFirstReceiveTimestamp: '0' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-central-1:000000000000:jobs',
      awsRegion: LOCAL_REGIONS[0],
    })),
  };
}

/**
 * The portability group's handler and the job consumer of the fixture's first region, as its functions build them
 * (the tenant gate open): jobs they start are sent to `sent`, for the test to deliver.
 */
export function jobHandlers(fixture: PortabilityFixture, sent: JobMessage[]) {
  const region = LOCAL_REGIONS[0];
  const { db, tableName, mutations, directory } = fixture.lifecycle.regions[region].local;
  const config = parseRuntimeConfig({ AWS_REGION: region, TABLE_NAME: LOCAL_TABLE_NAME, LOG_LEVEL: 'ERROR' });
  const logger = createLogger('portability-jobs', 'ERROR');
  const deps: ResourceDependencies = {
    logger,
    tenantGate: async () => undefined,
    tableName,
    db,
    cursors: new CursorCodec('portability-jobs-cursor-secret-32-chars'),
    executor: mutations,
    plans: new CachedPlanSource({ db, tableName }),
    directory,
  };
  const jobs = fixture.jobs(region, { enqueue: async (message) => void sent.push(message) });
  return { handler: createPortabilityHandler(config, deps, jobs), consumer: createJobConsumer(config, { logger, jobs }) };
}
