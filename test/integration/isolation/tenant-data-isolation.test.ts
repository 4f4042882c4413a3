import { keys } from '../../../functions/data/keys';
import fc from 'fast-check';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { AgentRepository, agentCollectionKeys } from '../../../functions/agents/agent.repository';
import type { Agent, AgentListOrder } from '../../../functions/agents/agent.schema';
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from '../../../functions/core/errors';
import { TenantIsolationError } from '../../../functions/isolation/tenant-guard';
import { createIsolationFixture, type IsolationFixture } from './isolation-fixture';

/**
 * Property 1, complete tenant data isolation: whatever a tenant does through its agent repository on its scoped
 * client (create, get, list, update, delete), with its own ids, other tenants' ids, other tenants' versions and
 * other tenants' cursors, it never reads, lists, changes or deletes another tenant's data. The model is a Map per
 * tenant; after every run the real table must hold exactly what the model holds.
 *
 * Replay a failure with FC_SEED=<seed> FC_PATH=<path> from the printed report.
 */

let fixture: IsolationFixture;

beforeAll(async () => {
  fixture = await createIsolationFixture('isolation-p1');
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
  repo(tenant: number): AgentRepository;
}

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
    readonly reuse: number | undefined,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const tenantId = model.tenants[this.tenant];
    const reused = this.reuse === undefined ? undefined : pickId(model, this.reuse);
    const agentId = reused ?? `a${model.nextId++}`;
    const own = model.agents.get(tenantId)!;
    const input = { name: this.name, modelId: 'local.echo', tools: [{ name: 'search' }] };

    const outcome = await real.repo(this.tenant).create(input, agentId).catch((error: unknown) => error);

    if (own.has(agentId)) {
      expect(outcome).toBeInstanceOf(ConflictError);
      return;
    }
    expect(outcome).toEqual(
      expect.objectContaining({ agentId, name: this.name, modelId: 'local.echo', instructions: '', status: 'ACTIVE', version: 1 }),
    );
    own.set(agentId, outcome as Agent);
    if (!model.ids.includes(agentId)) model.ids.push(agentId);
  }
  toString = () => `create(t${this.tenant}, ${JSON.stringify(this.name)}, reuse=${this.reuse})`;
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

    const outcome = await real
      .repo(this.tenant)
      .update(agentId, { name: this.name, status: 'DISABLED' }, expectedVersion)
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

    const error = await rejection(real.repo(this.tenant).delete(agentId, expectedVersion));

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
const nameArb = fc.string({ minLength: 1, maxLength: 12 }).map((s) => s.trim()).filter((s) => s.length > 0);
const versionShiftArb = fc.constantFrom(0, 0, 0, -1, 1);

const createArb = fc
  .tuple(tenantArb, nameArb, fc.option(pickArb, { nil: undefined, freq: 3 }))
  .map(([t, n, r]) => new CreateAgent(t, n, r));

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

const byKey = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  `${a.pk}|${a.sk}`.localeCompare(`${b.pk}|${b.sk}`);

describe('tenant data isolation through the agent repository (DynamoDB Local)', () => {
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
        const repos = tenants.map(
          (tenantId) =>
            new AgentRepository({
              db: fixture.isolation.forTenant(tenantId),
              tableName: fixture.tableName,
              tenantId,
              cursors: fixture.cursors,
              clock: () => (clock += 1),
            }),
        );

        // Act
        await fc.asyncModelRun(() => ({ model, real: { repo: (t: number) => repos[t] } }), commands);

        // Assess: the table holds exactly the model, nothing more under these tenants' prefixes.
        const actual = await fixture.scanPrefix(`T#r${run}-`);
        expect(actual.sort(byKey)).toEqual(expectedItems(model).sort(byKey));
      }),
      { numRuns: 40, ...replay },
    );
  }, 180_000);
});
