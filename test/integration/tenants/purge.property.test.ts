import type { RunQueue } from '../../../functions/workflows/run.queue';
import fc from 'fast-check';
import { AgentRepository } from '../../../functions/agents/agent.repository';
import { AgentService } from '../../../functions/agents/agent.service';
import { ConflictError, NotFoundError } from '../../../functions/core/errors';
import { CursorCodec } from '../../../functions/data/cursor';
import type { DataKind } from '../../../functions/data/data-kind';
import { tenantPrefix } from '../../../functions/data/keys';
import type { MutationContext } from '../../../functions/data/mutation.context';
import { TABLE_SCHEMA } from '../../../functions/data/table.schema';
import type { AuthContext } from '../../../functions/core/auth-context';
import { MemoryRepository } from '../../../functions/memories/memory.repository';
import { MemoryService } from '../../../functions/memories/memory.service';
import { LocalModelProvider } from '../../../functions/models/local.model-provider';
import { CachedPlanSource } from '../../../functions/quotas/plan.source';
import { referenceCheck } from '../../../functions/resource.catalogue';
import { kindOperations } from '../../../functions/resource-api.catalogue';
import { ROUTES } from '../../../functions/routes';
import { TENANT_DATA_CATALOGUE } from '../../../functions/tenant-data.catalogue';
import { createTenantGate } from '../../../functions/tenants/tenant-gate';
import type { TenantManifest } from '../../../functions/tenants/tenant-manifest.schema';
import { workflowServicesFactory } from '../../../functions/workflows/workflow.module';
import { LOCAL_REGIONS } from '../../../local/platform.config';
import { uniqueTenantId } from '../../support/platform';
import { createLifecycleFixture, type LifecycleFixture } from './lifecycle-fixture';
import * as z from '../../../functions/core/zod';
import { meterOf } from '../../../functions/api/dependencies';
import { UsageMeter } from '../../../functions/usage/usage.meter';

/**
 * Purge property, against DynamoDB Local: whatever a tenant did (agents, tools, live and expired memories, workflows and
 * the runs of deleted ones, API keys revoked or not, pending and accepted invitations, removed members, idempotent
 * retries, platform-admin reads), every item under its keys belongs to exactly one kind of the catalogue; after
 * offboarding no item is left under its keys and no secret under its prefix of the credential store, a platform admin
 * reading it afterwards writes nothing, and the other tenant's items and secrets are untouched.
 */

const [EU] = LOCAL_REGIONS;
const PLATFORM_ADMIN: AuthContext = { principalType: 'platform-admin', principalId: 'ops-1', roles: ['platform-admin'] };
const PASSWORD = 'Correct-Horse-9-Battery';
const ok = { status: 200 };

let fixture: LifecycleFixture;

beforeAll(async () => {
  fixture = await createLifecycleFixture('purge-prop');
});

afterAll(async () => {
  await fixture?.dispose();
});

/** The resource services over the fixture's home region, as the resource groups wire them. */
function services() {
  const { db, tableName, mutations } = fixture.regions[EU].local;
  const cursors = new CursorCodec('purge-property-cursor-secret-of-32-chars');
  const plans = new CachedPlanSource({ db, tableName });
  const repositoryOf = (tenantId: string) => ({ db: db(tenantId), tableName, tenantId, cursors });
  return {
    agents: new AgentService({ executor: mutations, plans, references: referenceCheck, agents: (tenantId) => new AgentRepository(repositoryOf(tenantId)) }),
    // Tools bring their operations with their kind: called as the agents group calls them.
    tools: kindOperations('agents', { db, tableName, cursors, executor: mutations, plans }),
    memories: new MemoryService({ executor: mutations, memories: (tenantId) => new MemoryRepository(repositoryOf(tenantId)) }),
    // No worker runs here: started runs stay QUEUED, which purge must remove like any other run.
    workflows: workflowServicesFactory({ db, tableName, cursors, mutations, provider: new LocalModelProvider(), queue: UNUSED_QUEUE }),
    gate: createTenantGate({ directory: fixture.regions[EU].local.directory, region: EU, regionEndpoints: {}, audit: mutations }),
  };
}

/** The runs queue of the property: it keeps the messages, which nobody consumes. */
const UNUSED_QUEUE: RunQueue = { enqueue: async () => undefined };

/** What the property remembers of each tenant: the ids it can act on. */
interface TenantModel {
  readonly agents: string[];
  readonly tools: string[];
  readonly memories: { agentId: string; memoryId: string }[];
  readonly workflows: string[];
  readonly apiKeys: string[];
  readonly members: string[];
  /** Agents holding an expiring memory: counted until TTL removes it, so they cannot be deleted. */
  readonly expiring: string[];
  /** Emails with a pending invitation. */
  readonly pending: string[];
  invited: number;
}

type Model = Record<string, TenantModel>;
type Services = ReturnType<typeof services>;
type Real = { readonly services: Services };

function contextOf(tenantId: string, requestId: string, idempotencyKey?: string): MutationContext {
  return {
    tenantId,
    actor: 'user:u-prop',
    requestId,
    ...(idempotencyKey ? { idempotency: { key: idempotencyKey, fingerprint: `fp-${idempotencyKey}` } } : {}),
  };
}

let requests = 0;
const nextRequest = () => `req-${++requests}`;
const bodyOf = (result: { response: { body?: unknown } }) => result.response.body as Record<string, string>;

/** One step of a tenant's life; `check` keeps the steps that need something to act on. */
class Step implements fc.AsyncCommand<Model, Real> {
  constructor(
    private readonly name: string,
    private readonly tenant: number,
    private readonly pick: number,
    private readonly act: (tenantId: string, model: TenantModel, services: Services, pick: number) => Promise<void>,
    private readonly needs: (model: TenantModel) => boolean = () => true,
  ) {}

  check(model: Readonly<Model>): boolean {
    return this.needs(Object.values(model)[this.tenant]);
  }

  async run(model: Model, real: Real): Promise<void> {
    const [tenantId, tenantModel] = Object.entries(model)[this.tenant];
    await this.act(tenantId, tenantModel, real.services, this.pick);
  }

  toString(): string {
    return `${this.name}(tenant ${this.tenant}, pick ${this.pick})`;
  }
}

const deletable = (model: TenantModel, agentId: string) => !model.expiring.includes(agentId) && !model.memories.some((memory) => memory.agentId === agentId);

const at = <T>(items: readonly T[], pick: number): T => items[pick % items.length];

/** A tool operation's request, as the agents group hands it over after parsing. */
function toolRequest(operationId: string, tenantId: string, path: Record<string, string>, body: unknown, headers: Record<string, string> = {}) {
  const route = ROUTES.find((candidate) => candidate.operationId === operationId)!;
  const auth: AuthContext = { principalType: 'user', principalId: 'u-prop', tenantId, roles: ['member'] };
  const parsed = 'body' in route.request && route.request.body ? z.parse(route.request.body, body) : body;
  return { route, path: { tenantId, ...path }, query: {}, body: parsed, headers, auth, requestId: nextRequest() };
}

const STEPS: Record<string, [(tenantId: string, model: TenantModel, services: Services, pick: number) => Promise<void>, ((model: TenantModel) => boolean)?]> = {
  createAgent: [
    async (tenantId, model, { agents }, pick) => {
      // Every third agent names one of the tenant's tools (checked in its transaction).
      const toolIds = pick % 3 === 0 && model.tools.length > 0 ? [at(model.tools, pick)] : [];
      const body = { name: `agent-${pick}`, modelId: 'local.echo', instructions: 'Be brief.', tools: [], toolIds };
      // A key of this create only (see createTool), retried once.
      const key = pick % 2 === 0 ? `idem-${tenantId}-${nextRequest()}` : undefined;
      const created = await agents.create(contextOf(tenantId, nextRequest(), key), body, (agent) => ({ ...ok, body: agent }));
      if (key) await agents.create(contextOf(tenantId, nextRequest(), key), body, (agent) => ({ ...ok, body: agent }));
      model.agents.push(bodyOf(created).agentId);
    },
  ],
  deleteAgent: [
    async (tenantId, model, { agents }, pick) => {
      const free = model.agents.filter((agentId) => deletable(model, agentId));
      const agentId = at(free, pick);
      await agents.delete(contextOf(tenantId, nextRequest()), agentId);
      model.agents.splice(model.agents.indexOf(agentId), 1);
    },
    (model) => model.agents.some((agentId) => deletable(model, agentId)),
  ],
  createTool: [
    async (tenantId, model, { tools }, pick) => {
      const body = {
        name: `tool-${pick}`,
        endpoint: pick % 2 === 0 ? { kind: 'built-in', name: 'current-time' } : { kind: 'http', url: `https://tools.example/${pick}` },
      };
      // A key of this create only: a key used again within a day replays the first create (a tool deleted since).
      const headers: Record<string, string> = pick % 2 === 0 ? { 'idempotency-key': `tool-${tenantId}-${nextRequest()}` } : {};
      const created = await tools.createTool(toolRequest('createTool', tenantId, {}, body, headers));
      if (pick % 2 === 0) await tools.createTool(toolRequest('createTool', tenantId, {}, body, headers));
      model.tools.push((created.body as { toolId: string }).toolId);
    },
  ],
  deleteTool: [
    async (tenantId, model, { tools }, pick) => {
      const toolId = at(model.tools, pick);
      await tools.deleteTool(toolRequest('deleteTool', tenantId, { toolId }, undefined));
      model.tools.splice(model.tools.indexOf(toolId), 1);
    },
    (model) => model.tools.length > 0,
  ],
  createMemory: [
    async (tenantId, model, { memories }, pick) => {
      const agentId = at(model.agents, pick);
      // Every other memory expires a second from now: by offboarding it is expired but still stored (no TTL sweep here).
      const expiresAt = pick % 2 === 0 ? { expiresAt: new Date(Date.now() + 1_500).toISOString() } : {};
      const created = await memories.create(contextOf(tenantId, nextRequest()), agentId, { content: `memory ${pick}`, ...expiresAt }, (memory) => ({
        ...ok,
        body: memory,
      }));
      if (expiresAt.expiresAt) model.expiring.push(agentId);
      else model.memories.push({ agentId, memoryId: bodyOf(created).memoryId });
    },
    (model) => model.agents.length > 0,
  ],
  deleteMemory: [
    async (tenantId, model, { memories }, pick) => {
      const memory = at(model.memories, pick);
      await memories.delete(contextOf(tenantId, nextRequest()), memory.agentId, memory.memoryId);
      model.memories.splice(model.memories.indexOf(memory), 1);
    },
    (model) => model.memories.length > 0,
  ],
  createWorkflow: [
    async (tenantId, model, { workflows }, pick) => {
      const body = { name: `wf-${pick}`, mode: 'sequential' as const, steps: [{ id: 's1', agentId: at(model.agents, pick) }] };
      const created = await workflows(tenantId).workflows.create(body, contextOf(tenantId, nextRequest()), (workflow) => ({ ...ok, body: workflow }));
      model.workflows.push(bodyOf(created).workflowId);
    },
    (model) => model.agents.length > 0,
  ],
  runWorkflow: [
    async (tenantId, model, { workflows }, pick) => {
      const workflowId = at(model.workflows, pick);
      // A workflow whose agent was deleted answers 409 and writes nothing: a legal outcome here.
      await workflows(tenantId)
        .runs.start(workflowId, { input: `input ${pick}` }, contextOf(tenantId, nextRequest()), (run) => ({ status: 202, body: run }))
        .catch((error: unknown) => {
          if (!(error instanceof ConflictError)) throw error;
        });
    },
    (model) => model.workflows.length > 0,
  ],
  deleteWorkflow: [
    async (tenantId, model, { workflows }, pick) => {
      const workflowId = at(model.workflows, pick);
      await workflows(tenantId).workflows.delete(workflowId, contextOf(tenantId, nextRequest()), () => ({ status: 204 }));
      model.workflows.splice(model.workflows.indexOf(workflowId), 1);
    },
    (model) => model.workflows.length > 0,
  ],
  createApiKey: [
    async (tenantId, model, _services, pick) => {
      const created = await fixture.regions[EU].apiKeys.create(contextOf(tenantId, nextRequest()), { name: `key-${pick}`, role: 'member' });
      model.apiKeys.push(bodyOf(created).keyId);
    },
  ],
  revokeApiKey: [
    async (tenantId, model, _services, pick) => {
      const keyId = at(model.apiKeys, pick);
      await fixture.regions[EU].apiKeys.revoke(contextOf(tenantId, nextRequest()), keyId);
      model.apiKeys.splice(model.apiKeys.indexOf(keyId), 1);
    },
    (model) => model.apiKeys.length > 0,
  ],
  invite: [
    async (tenantId, model) => {
      const email = `person-${++model.invited}@${tenantId}.example`;
      await fixture.regions[EU].users.invite(contextOf(tenantId, nextRequest()), { email, role: 'member' });
      model.pending.push(email);
    },
  ],
  acceptInvitation: [
    async (_tenantId, model, _services, pick) => {
      const email = at(model.pending, pick);
      model.pending.splice(model.pending.indexOf(email), 1);
      const accepted = await fixture.regions[EU].users.accept({ code: fixture.adapters.codeFor(email), password: PASSWORD }, nextRequest());
      model.members.push(accepted.userId);
    },
    (model) => model.pending.length > 0,
  ],
  removeMember: [
    async (tenantId, model, _services, pick) => {
      const userId = at(model.members, pick);
      await fixture.regions[EU].users.removeMember(contextOf(tenantId, nextRequest()), userId);
      model.members.splice(model.members.indexOf(userId), 1);
    },
    (model) => model.members.length > 0,
  ],
  adminReads: [
    async (tenantId, _model, { gate }) => {
      await gate(tenantId, ROUTES.find((route) => route.operationId === 'getTenant')!, PLATFORM_ADMIN, { requestId: nextRequest() } as never);
    },
  ],
};

/**
 * Every run starts with each kind present in both tenants (a run of a deleted workflow, a live and an expiring
 * memory, a revoked key, a pending invitation, a removed member, an idempotent retry); the random steps follow.
 */
const PRELUDE_STEPS = [
  'createTool',
  'createTool',
  'deleteTool',
  'createTool',
  'createAgent',
  'createAgent',
  'createMemory',
  'createMemory',
  'createWorkflow',
  'runWorkflow',
  'deleteWorkflow',
  'createWorkflow',
  'runWorkflow',
];
const PRELUDE_PEOPLE = [
  'createApiKey',
  'revokeApiKey',
  'createApiKey',
  'invite',
  'acceptInvitation',
  'invite',
  'acceptInvitation',
  'removeMember',
  'invite',
  'adminReads',
];
const PRELUDE = [0, 1].flatMap((tenant) => [...PRELUDE_STEPS, ...PRELUDE_PEOPLE].map((name, i) => new Step(name, tenant, i, STEPS[name][0], STEPS[name][1])));

const stepArbitrary = fc
  .tuple(fc.constantFrom(...Object.keys(STEPS)), fc.integer({ min: 0, max: 1 }), fc.nat(1_000))
  .map(([name, tenant, pick]) => new Step(name, tenant, pick, STEPS[name][0], STEPS[name][1]));

function manifestOf(tenantId: string): TenantManifest {
  return {
    id: tenantId,
    slug: tenantId,
    name: tenantId,
    plan: 'team',
    homeRegion: EU,
    emailDomains: [`${tenantId}.example`],
    admins: [`owner@${tenantId}.example`],
    sso: { saml: [], oidc: [] },
    mfa: 'OPTIONAL',
    branding: {},
    settings: {},
  };
}

/** Onboards a tenant to ACTIVE: its record, manifest, audit entries and the pending invitation of its admin. */
async function onboard(prefix: string): Promise<string> {
  const tenantId = uniqueTenantId(prefix);
  const { lifecycle } = fixture.regions[EU];
  await lifecycle.create(PLATFORM_ADMIN, manifestOf(tenantId), nextRequest());
  const auth = { issuer: `https://issuer.test/${tenantId}`, userPoolId: `pool-${tenantId}`, clientId: `client-${tenantId}` };
  await lifecycle.complete({ kind: 'provisioningSucceeded', detail: { tenantId, auth } }, nextRequest());
  return tenantId;
}

const KEY_ATTRIBUTES: string[] = [
  TABLE_SCHEMA.partitionKey,
  TABLE_SCHEMA.sortKey,
  ...Object.values(TABLE_SCHEMA.indexes).flatMap((index) => [index.partitionKey, index.sortKey]),
];

/** The kinds of the catalogue that own the item (exactly one, for a complete catalogue). */
function ownersOf(item: Record<string, unknown>, tenantId: string): DataKind[] {
  const key = { pk: String(item[TABLE_SCHEMA.partitionKey]), sk: String(item[TABLE_SCHEMA.sortKey]) };
  return TENANT_DATA_CATALOGUE.filter((kind) => kind.owns(key, tenantId));
}

/** Every stored item is owned by exactly one kind and has that kind's shape. */
function expectCatalogued(items: readonly Record<string, unknown>[], tenantId: string): void {
  for (const item of items) {
    const owners = ownersOf(item, tenantId);
    expect({ key: [item.pk, item.sk], owners: owners.map((kind) => kind.name) }).toEqual({ key: [item.pk, item.sk], owners: [expect.any(String)] });
    const fields = Object.fromEntries(Object.entries(item).filter(([name]) => !KEY_ATTRIBUTES.includes(name)));
    const parsed = z.safeParse(owners[0].schema, fields);
    expect({ kind: owners[0].name, issues: parsed.error?.issues ?? [] }).toEqual({ kind: owners[0].name, issues: [] });
  }
}

const sortedKeys = (items: readonly Record<string, unknown>[]) => items.map((item) => `${item.pk} ${item.sk}`).sort();

describe('purge property', () => {
  it('after any history, offboarding leaves nothing under the tenant keys and touches no other tenant', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands([stepArbitrary], { size: 'large', maxCommands: 40 }), async (steps) => {
        // Prepare
        const [target, bystander] = [await onboard('pg'), await onboard('pb')];
        const fresh = (): TenantModel => ({
          agents: [],
          tools: [],
          memories: [],
          workflows: [],
          apiKeys: [],
          members: [],
          expiring: [],
          pending: [],
          invited: 0,
        });
        const model: Model = { [target]: fresh(), [bystander]: fresh() };
        const real: Real = { services: services() };
        await fc.asyncModelRun(() => ({ model, real }), [...PRELUDE, ...steps]);
        for (const tenantId of [target, bystander]) expectCatalogued(await fixture.scanPrefix(EU, tenantPrefix(tenantId)), tenantId);
        await meterOf(fixture.config(EU)).flush();
        const bystanderBefore = sortedKeys(await fixture.scanPrefix(EU, tenantPrefix(bystander)));
        // Own model credential secrets, one of them rotated, one an orphan no item names (a registration that failed).
        const secretIds = ['cred1', 'cred2', 'orphan'];
        for (const tenantId of [target, bystander]) for (const id of secretIds) await fixture.credentials.put(tenantId, id, `{"secret":"${tenantId}/${id}"}`);
        for (const tenantId of [target, bystander]) await fixture.credentials.put(tenantId, 'cred1', `{"secret":"${tenantId}/cred1 rotated"}`);
        const secretsOf = async (tenantId: string) =>
          (await Promise.all(secretIds.map((id) => fixture.credentials.read(tenantId, id)))).map((stored) => stored?.current.value);
        const bystanderSecrets = await secretsOf(bystander);
        // Other containers of the region hold figures of the target that the purge cannot reach: one of this month
        // (whose item the purge deletes) and one of a later month (whose item does not exist yet).
        const { db, tableName } = fixture.regions[EU].local;
        const containers = [Date.now(), Date.parse('2031-01-01T00:00:00Z')].map((at) => new UsageMeter({ db, tableName, clock: () => at }));
        for (const meter of containers) {
          meter.addCapacity(target, { readUnits: 1, writeUnits: 1 });
          await meter.addRequest(target, { durationMs: 1, memoryMb: 128, status: 200 });
        }

        // Act
        const { lifecycle } = fixture.regions[EU];
        await lifecycle.offboard({ tenantId: target, actor: 'platform-admin:ops-1', requestId: nextRequest() });
        await lifecycle.complete({ kind: 'offboardingCompleted', detail: { tenantId: target } }, nextRequest());
        // What the instance and the other containers metered and have not written yet is written now, as their next
        // requests would: neither the purge's own calls nor the tenant's last requests may bring its usage items back.
        await meterOf(fixture.config(EU)).flush();
        for (const meter of containers) await meter.flush();
        const read = STEPS.adminReads[0](target, model[target], real.services, 0).catch((error: unknown) => error);
        // A directory copy that still shows the tenant (an eventually consistent read) must not let the admin write.
        const staleGate = createTenantGate({
          directory: { get: async () => ({ tenantId: target, slug: target, region: EU, status: 'OFFBOARDING', emailDomains: [], branding: {} }) },
          region: EU,
          regionEndpoints: {},
          audit: fixture.regions[EU].local.mutations,
        });
        const staleRead = staleGate(target, ROUTES.find((route) => route.operationId === 'getTenant')!, PLATFORM_ADMIN, {
          requestId: nextRequest(),
        } as never).catch((error: unknown) => error);

        // Assess
        expect(await read).toBeInstanceOf(NotFoundError);
        expect(await staleRead).toBeInstanceOf(NotFoundError);
        expect(await fixture.scanPrefix(EU, tenantPrefix(target))).toEqual([]);
        expect(sortedKeys(await fixture.scanPrefix(EU, tenantPrefix(bystander)))).toEqual(bystanderBefore);
        expect(await secretsOf(target)).toEqual([undefined, undefined, undefined]);
        expect(await secretsOf(bystander)).toEqual(bystanderSecrets);
        expect(bystanderSecrets).toHaveLength(3);
        expect(bystanderSecrets.every((value) => value?.startsWith(`{"secret":"${bystander}/`))).toBe(true);
      }),
      { numRuns: 8, verbose: 1 },
    );
  });
});
