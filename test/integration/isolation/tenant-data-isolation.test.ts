import * as keys from '../../../functions/data/table-keys';
import fc from 'fast-check';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { AgentRepository, agentCollectionKeys } from '../../../functions/agents/agent.repository';
import type { Agent, AgentListOrder } from '../../../functions/agents/agent.schema';
import { AgentService } from '../../../functions/agents/agent.service';
import { HASH_CHAIN } from '../../../functions/audit/audit-chain';
import { NotFoundError, PreconditionFailedError, ValidationError } from '../../../functions/core/errors';
import type { MutationContext } from '../../../functions/data/mutation.context';
import { MutationExecutor } from '../../../functions/data/mutation.executor';
import { CachedPlanSource } from '../../../functions/quotas/plan.source';
import { TenantIsolationError } from '../../../functions/isolation/tenant-guard';
import { createIsolationFixture, type IsolationFixture } from './isolation-fixture';

/**
 * Property 1, complete tenant data isolation: whatever a tenant does on its scoped client (create, update and delete
 * through the agent service and the mutation executor, the one way to write; get and list through the agent
 * repository), with its own ids, other tenants' ids, other tenants' versions and other tenants' cursors, it never
 * reads, lists, changes or deletes another tenant's data. The model is a Map per tenant; after every run the agent
 * partitions of the table must hold exactly what the model holds, and each tenant's agent counter its count.
 *
 * Replay a failure with FC_SEED=<seed> FC_PATH=<path> from the printed report.
 */

let fixture: IsolationFixture;

beforeAll(async () => {
  fixture = await createIsolationFixture('isolation-p1');
  plans = new CachedPlanSource({ db, tableName: fixture.tableName });
  executor = new MutationExecutor({ chain: HASH_CHAIN, db, tableName: fixture.tableName, plans });
});

afterAll(async () => {
  await fixture?.dispose();
});

/** A recorded cursor: who got it from which list. */
interface SeenCursor {
  readonly tenant: number;
  readonly order: AgentListOrder;
  readonly cursor: string;
}

interface Model {
  readonly tenants: readonly string[];
  /** tenant id → agent id → agent, as the model expects the table to hold them. */
  readonly agents: Map<string, Map<string, Agent>>;
  /** Every agent id ever created, in any tenant: commands pick from it to aim at other tenants' agents. */
  readonly ids: string[];
  readonly cursors: SeenCursor[];
  nextId: number;
}

interface Real {
  /** Reads. */
  repo(tenant: number): AgentRepository;
  /** Writes: through the executor, audited and counted. */
  readonly service: AgentService;
}

let requests = 0;

/** The mutation context of a member of the tenant, with the ETag it claims (if any). */
function contextOf(tenantId: string, version?: number): MutationContext {
  return { tenantId, actor: 'user:u-prop', requestId: `req-${++requests}`, ...(version === undefined ? {} : { ifMatch: { any: false, versions: [version] } }) };
}

const present = (agent: Agent) => ({ status: 200, body: agent });

const LIMIT_ARB = fc.integer({ min: 1, max: 4 });
const ORDER_ARB = fc.constantFrom<AgentListOrder>('newest', 'id');

function pickId(model: Model, pick: number): string | undefined {
  return model.ids.length === 0 ? undefined : model.ids[pick % model.ids.length];
}

/** The version a command will claim: the tenant's own if it has the agent, else the owner's (a stolen version). */
function versionSeen(model: Model, tenantId: string, agentId: string): number {
  const own = model.agents.get(tenantId)?.get(agentId);
  if (own) return own.version;
  for (const agents of model.agents.values()) {
    const theirs = agents.get(agentId);
    if (theirs) return theirs.version;
  }
  return 1;
}

function expectedList(model: Model, tenantId: string, order: AgentListOrder): Agent[] {
  const agents = [...(model.agents.get(tenantId)?.values() ?? [])];
  const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
  return order === 'id'
    ? agents.sort((a, b) => byteOrder(a.agentId, b.agentId))
    : agents.sort((a, b) => byteOrder(`${b.createdAt}#${b.agentId}`, `${a.createdAt}#${a.agentId}`));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return undefined;
}

class CreateAgent implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly tenant: number,
    readonly name: string,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const tenantId = model.tenants[this.tenant];
    const own = model.agents.get(tenantId)!;
    const input = { name: this.name, modelId: 'local.echo', tools: [{ name: 'search' }] };

    const { response } = await real.service.create(contextOf(tenantId), input, present);

    const agent = response.body as Agent;
    expect(agent).toEqual(expect.objectContaining({ name: this.name, modelId: 'local.echo', instructions: '', status: 'ACTIVE', version: 1 }));
    expect(own.has(agent.agentId)).toBe(false);
    own.set(agent.agentId, agent);
    model.ids.push(agent.agentId);
  }
  toString = () => `create(t${this.tenant}, ${JSON.stringify(this.name)})`;
}

class GetAgent implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly tenant: number,
    readonly pick: number,
  ) {}
  check = (model: Readonly<Model>) => model.ids.length > 0;
  async run(model: Model, real: Real) {
    const tenantId = model.tenants[this.tenant];
    const agentId = pickId(model, this.pick)!;
    const got = await real.repo(this.tenant).get(agentId);
    expect(got).toEqual(model.agents.get(tenantId)!.get(agentId));
  }
  toString = () => `get(t${this.tenant}, #${this.pick})`;
}

class ListAgents implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly tenant: number,
    readonly order: AgentListOrder,
    readonly limit: number,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const tenantId = model.tenants[this.tenant];
    const repo = real.repo(this.tenant);
    const items: Agent[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await repo.list({ order: this.order, limit: this.limit, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(this.limit);
      items.push(...page.items);
      cursor = page.nextCursor;
      if (cursor && pages === 0) model.cursors.push({ tenant: this.tenant, order: this.order, cursor });
      pages += 1;
    } while (cursor && pages < 100);
    expect(items).toEqual(expectedList(model, tenantId, this.order));
  }
  toString = () => `list(t${this.tenant}, ${this.order}, limit=${this.limit})`;
}

/** A tenant presents a cursor it did not get from this list: another tenant's, or its own from the other order. */
class ListWithForeignCursor implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly tenant: number,
    readonly pick: number,
    readonly order: AgentListOrder,
  ) {}
  check = (model: Readonly<Model>) => model.cursors.length > 0;
  async run(model: Model, real: Real) {
    const seen = model.cursors[this.pick % model.cursors.length];
    if (seen.tenant === this.tenant && seen.order === this.order) return;
    const error = await rejection(real.repo(this.tenant).list({ order: this.order, limit: 2, cursor: seen.cursor }));
    expect(error).toBeInstanceOf(ValidationError);
  }
  toString = () => `listWithCursor(t${this.tenant}, cursor #${this.pick}, ${this.order})`;
}

class UpdateAgent implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly tenant: number,
    readonly pick: number,
    readonly versionShift: number,
    readonly name: string,
  ) {}
  check = (model: Readonly<Model>) => model.ids.length > 0;
  async run(model: Model, real: Real) {
    const tenantId = model.tenants[this.tenant];
    const agentId = pickId(model, this.pick)!;
    const expectedVersion = versionSeen(model, tenantId, agentId) + this.versionShift;
    const own = model.agents.get(tenantId)!;
    const current = own.get(agentId);

    const outcome = await real.service
      .update(contextOf(tenantId, expectedVersion), agentId, { name: this.name, status: 'DISABLED' }, present)
      .then(({ response }) => response.body)
      .catch((error: unknown) => error);

    if (!current) {
      expect(outcome).toBeInstanceOf(NotFoundError);
    } else if (current.version !== expectedVersion) {
      expect(outcome).toBeInstanceOf(PreconditionFailedError);
    } else {
      const updated = outcome as Agent;
      expect(updated).toEqual({ ...current, name: this.name, status: 'DISABLED', version: current.version + 1, updatedAt: updated.updatedAt });
      own.set(agentId, updated);
    }
  }
  toString = () => `update(t${this.tenant}, #${this.pick}, version${this.versionShift >= 0 ? '+' : ''}${this.versionShift})`;
}

class DeleteAgent implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly tenant: number,
    readonly pick: number,
    readonly versionShift: number,
  ) {}
  check = (model: Readonly<Model>) => model.ids.length > 0;
  async run(model: Model, real: Real) {
    const tenantId = model.tenants[this.tenant];
    const agentId = pickId(model, this.pick)!;
    const expectedVersion = versionSeen(model, tenantId, agentId) + this.versionShift;
    const own = model.agents.get(tenantId)!;
    const current = own.get(agentId);

    const error = await rejection(real.service.delete(contextOf(tenantId, expectedVersion), agentId));

    if (!current) {
      expect(error).toBeInstanceOf(NotFoundError);
    } else if (current.version !== expectedVersion) {
      expect(error).toBeInstanceOf(PreconditionFailedError);
    } else {
      expect(error).toBeUndefined();
      own.delete(agentId);
    }
  }
  toString = () => `delete(t${this.tenant}, #${this.pick}, version${this.versionShift >= 0 ? '+' : ''}${this.versionShift})`;
}

/** The tenant's own client aimed straight at another tenant's keys: the guard refuses it before sending. */
class ReachIntoOtherTenant implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly tenant: number,
    readonly other: number,
    readonly pick: number,
  ) {}
  check = (model: Readonly<Model>) => model.ids.length > 0 && this.tenant !== this.other;
  async run(model: Model) {
    const [tenantId, otherId] = [model.tenants[this.tenant], model.tenants[this.other]];
    const db = fixture.isolation.forTenant(tenantId);
    const agentId = pickId(model, this.pick)!;
    const get = rejection(db.send(new GetCommand({ TableName: fixture.tableName, Key: keys.agent(otherId, agentId) })));
    const query = rejection(
      db.send(
        new QueryCommand({
          TableName: fixture.tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': 'pk' },
          ExpressionAttributeValues: { ':pk': keys.agentPartition(otherId) },
        }),
      ),
    );
    expect(await get).toBeInstanceOf(TenantIsolationError);
    expect(await query).toBeInstanceOf(TenantIsolationError);
  }
  toString = () => `reach(t${this.tenant} → t${this.other}, #${this.pick})`;
}

const TENANT_COUNT = 3;
const tenantArb = fc.integer({ min: 0, max: TENANT_COUNT - 1 });
const pickArb = fc.nat({ max: 1000 });
const nameArb = fc
  .string({ minLength: 1, maxLength: 12 })
  .map((s) => s.trim())
  .filter((s) => s.length > 0);
const versionShiftArb = fc.constantFrom(0, 0, 0, -1, 1);

const createArb = fc.tuple(tenantArb, nameArb).map(([t, n]) => new CreateAgent(t, n));

const commandsArb = fc.commands(
  [
    // Listed twice: creates are what gives every other command something to aim at.
    createArb,
    createArb,
    fc.tuple(tenantArb, pickArb).map(([t, p]) => new GetAgent(t, p)),
    fc.tuple(tenantArb, ORDER_ARB, LIMIT_ARB).map(([t, o, l]) => new ListAgents(t, o, l)),
    fc.tuple(tenantArb, pickArb, ORDER_ARB).map(([t, p, o]) => new ListWithForeignCursor(t, p, o)),
    fc.tuple(tenantArb, pickArb, versionShiftArb, nameArb).map(([t, p, v, n]) => new UpdateAgent(t, p, v, n)),
    fc.tuple(tenantArb, pickArb, versionShiftArb).map(([t, p, v]) => new DeleteAgent(t, p, v)),
    fc.tuple(tenantArb, tenantArb, pickArb).map(([t, o, p]) => new ReachIntoOtherTenant(t, o, p)),
  ],
  { maxCommands: 60, size: 'large' },
);

/** The table's items under the run's tenants, as the model says they must be. */
function expectedItems(model: Model): Record<string, unknown>[] {
  return [...model.agents.entries()].flatMap(([tenantId, agents]) =>
    [...agents.values()].map((agent) => ({
      ...keys.agent(tenantId, agent.agentId),
      ...agentCollectionKeys(tenantId, agent.createdAt, agent.agentId),
      ...agent,
    })),
  );
}

const byKey = (a: Record<string, unknown>, b: Record<string, unknown>) => `${a.pk}|${a.sk}`.localeCompare(`${b.pk}|${b.sk}`);

const db = (tenantId: string) => fixture.isolation.forTenant(tenantId);
let plans: CachedPlanSource;
let executor: MutationExecutor;

/** The tenant record the executor checks the plan against in every counted write. */
async function putTenantRecord(tenantId: string): Promise<void> {
  const now = new Date().toISOString();
  const record = {
    tenantId,
    slug: tenantId,
    name: tenantId,
    plan: 'enterprise',
    region: 'eu-central-1',
    status: 'ACTIVE',
    branding: {},
    settings: {},
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  await fixture.inspector.send(new PutCommand({ TableName: fixture.tableName, Item: { ...keys.tenantProfile(tenantId), ...record } }));
}

/** Only the agent items: the writes also leave counters, audit entries and partition registrations. */
const isAgentItem = (item: Record<string, unknown>) => String(item.pk).endsWith('#AGENT');

describe('tenant data isolation through the agent service and repository (DynamoDB Local)', () => {
  it('property 1: complete tenant data isolation', async () => {
    let run = 0;
    let clock = Date.parse('2026-01-01T00:00:00.000Z');
    const replay = process.env.FC_SEED ? { seed: Number(process.env.FC_SEED), path: process.env.FC_PATH } : {};

    await fc.assert(
      fc.asyncProperty(commandsArb, async (commands) => {
        // Prepare: fresh tenants per run (`acme` and `acme2` keep the prefix trick in every run).
        run += 1;
        const tenants = [`r${run}-acme`, `r${run}-acme2`, `r${run}-globex`];
        const model: Model = { tenants, agents: new Map(tenants.map((t) => [t, new Map()])), ids: [], cursors: [], nextId: 1 };
        await Promise.all(tenants.map((tenantId) => putTenantRecord(tenantId)));
        const repos = tenants.map(
          (tenantId) => new AgentRepository({ db: fixture.isolation.forTenant(tenantId), tableName: fixture.tableName, tenantId, cursors: fixture.cursors }),
        );
        const service = new AgentService({
          executor,
          plans,
          agents: (tenantId) => repos[tenants.indexOf(tenantId)],
          clock: () => (clock += 1),
        });

        // Act
        await fc.asyncModelRun(() => ({ model, real: { repo: (t: number) => repos[t], service } }), commands);

        // Assess: the agent partitions hold exactly the model, and each tenant's agent counter its count.
        const actual = await fixture.scanPrefix(`T#r${run}-`);
        expect(actual.filter(isAgentItem).sort(byKey)).toEqual(expectedItems(model).sort(byKey));
        for (const tenantId of tenants) {
          const counter = actual.find((item) => item.pk === keys.quotaCounter(tenantId, 'AGENTS').pk && item.sk === keys.quotaCounter(tenantId, 'AGENTS').sk);
          expect(Number(counter?.count ?? 0)).toBe(model.agents.get(tenantId)!.size);
        }
      }),
      { numRuns: 40, ...replay },
    );
  }, 180_000);
});
