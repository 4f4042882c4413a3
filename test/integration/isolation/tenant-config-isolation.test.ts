import fc from 'fast-check';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../functions/data/keys';
import { TenantConfigCache } from '../../../functions/isolation/tenant-config.cache';
import { TenantRepository } from '../../../functions/tenants/tenant.repository';
import type { Tenant } from '../../../functions/tenants/tenant.schema';
import { createIsolationFixture, type IsolationFixture } from './isolation-fixture';

/**
 * Property 5, tenant configuration isolation: changing one tenant's configuration (name, branding, settings) never
 * changes what another tenant reads, neither from the table nor through the container's cache of tenant records.
 * Two caches stand for two containers of the same function. Replay with FC_SEED / FC_PATH.
 */

let fixture: IsolationFixture;

beforeAll(async () => {
  fixture = await createIsolationFixture('isolation-p5');
});

afterAll(async () => {
  await fixture?.dispose();
});

function repositoryOf(tenantId: string): TenantRepository {
  return new TenantRepository(fixture.isolation.forTenant(tenantId), fixture.tableName);
}

/** Writes a changed record through the tenant's own scoped client, as a PATCH of the tenant would. */
async function writeTenant(tenant: Tenant): Promise<void> {
  await fixture.isolation.forTenant(tenant.tenantId).send(
    new PutCommand({ TableName: fixture.tableName, Item: { ...keys.tenantProfile(tenant.tenantId), ...tenant } }),
  );
}

interface Model {
  readonly tenants: readonly string[];
  /** The record each tenant must read. */
  readonly records: Map<string, Tenant>;
  /** Every record each tenant ever had: a cache may lag behind its own tenant, never cross to another. */
  readonly history: Map<string, Tenant[]>;
}

interface Real {
  /** Two containers' caches; container 0 is the one that makes the changes. */
  readonly caches: readonly TenantConfigCache[];
  /** Loads per tenant per container: a tenant's change must not make other tenants reload. */
  readonly loads: Map<string, number>[];
}

type Change = Pick<Tenant, 'name' | 'branding' | 'settings'>;

const changeArb: fc.Arbitrary<Change> = fc.record({
  name: fc.string({ minLength: 1, maxLength: 20 }),
  branding: fc.record(
    {
      displayName: fc.string({ minLength: 1, maxLength: 20 }),
      primaryColor: fc.stringMatching(/^#[0-9a-f]{6}$/),
      logoUrl: fc.constantFrom('https://cdn.example.com/a.png', 'https://cdn.example.com/b.svg'),
    },
    { requiredKeys: [] },
  ),
  settings: fc.dictionary(fc.constantFrom('locale', 'retentionDays', 'sso', 'theme'), fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean())),
});

class ChangeConfig implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly tenant: number,
    readonly change: Change,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const tenantId = model.tenants[this.tenant];
    const current = model.records.get(tenantId)!;
    const next: Tenant = { ...current, ...this.change, version: current.version + 1, updatedAt: new Date(Date.now()).toISOString() };
    const othersBefore = new Map(model.tenants.filter((t) => t !== tenantId).map((t) => [t, real.loads[0].get(t) ?? 0]));

    await writeTenant(next);
    real.caches[0].invalidate(tenantId);
    model.records.set(tenantId, next);
    model.history.get(tenantId)!.push(next);

    // The change read back by its own tenant, through the cache of the container that made it.
    expect(await real.caches[0].get(tenantId)).toEqual(next);
    // Other tenants were neither reloaded nor changed.
    for (const [other, loads] of othersBefore) expect(real.loads[0].get(other) ?? 0).toBe(loads);
  }
  toString = () => `change(t${this.tenant}, ${JSON.stringify(this.change)})`;
}

class ReadConfig implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly tenant: number,
    readonly container: number,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const tenantId = model.tenants[this.tenant];
    const cached = await real.caches[this.container].get(tenantId);
    const stored = await repositoryOf(tenantId).get(tenantId);

    expect(stored).toEqual(model.records.get(tenantId));
    expect(cached?.tenantId).toBe(tenantId);
    if (this.container === 0) {
      // The changing container invalidates on change: it always reads the current record.
      expect(cached).toEqual(model.records.get(tenantId));
    } else {
      // Another container may serve its tenant's previous record until the TTL, but never another tenant's.
      expect(model.history.get(tenantId)).toContainEqual(cached);
    }
  }
  toString = () => `read(t${this.tenant}, container ${this.container})`;
}

/** A caller tries to edit the record it was handed; nobody else, of any tenant, may see the edit. */
class TamperWithReadRecord implements fc.AsyncCommand<Model, Real> {
  constructor(readonly tenant: number) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const tenantId = model.tenants[this.tenant];
    const record = (await real.caches[0].get(tenantId)) as Tenant;

    expect(() => {
      (record.branding as { displayName?: string }).displayName = 'tampered';
    }).toThrow(TypeError);
    expect(() => {
      (record.settings as Record<string, unknown>).injected = true;
    }).toThrow(TypeError);
    expect(await real.caches[0].get(tenantId)).toEqual(model.records.get(tenantId));
  }
  toString = () => `tamper(t${this.tenant})`;
}

const TENANT_COUNT = 3;
const tenantArb = fc.integer({ min: 0, max: TENANT_COUNT - 1 });
const commandsArb = fc.commands(
  [
    fc.tuple(tenantArb, changeArb).map(([t, c]) => new ChangeConfig(t, c)),
    fc.tuple(tenantArb, fc.integer({ min: 0, max: 1 })).map(([t, c]) => new ReadConfig(t, c)),
    fc.tuple(tenantArb, fc.integer({ min: 0, max: 1 })).map(([t, c]) => new ReadConfig(t, c)),
    tenantArb.map((t) => new TamperWithReadRecord(t)),
  ],
  { maxCommands: 40, size: 'large' },
);

function initialRecord(tenantId: string, index: number): Tenant {
  const now = new Date('2026-01-01T00:00:00.000Z').toISOString();
  return {
    tenantId,
    slug: tenantId,
    name: `Tenant ${index}`,
    plan: 'team',
    region: 'eu-central-1',
    status: 'ACTIVE',
    branding: { displayName: `Tenant ${index}`, primaryColor: '#112233' },
    settings: { locale: 'en' },
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

describe('tenant configuration isolation (DynamoDB Local)', () => {
  it('property 5: tenant configuration isolation', async () => {
    let run = 0;
    const replay = process.env.FC_SEED ? { seed: Number(process.env.FC_SEED), path: process.env.FC_PATH } : {};

    await fc.assert(
      fc.asyncProperty(commandsArb, async (commands) => {
        // Prepare
        run += 1;
        const tenants = [`c${run}-acme`, `c${run}-acme2`, `c${run}-globex`];
        const records = tenants.map(initialRecord);
        await Promise.all(records.map((record) => repositoryOf(record.tenantId).create(record)));
        const loads = [new Map<string, number>(), new Map<string, number>()];
        const caches = loads.map(
          (counts) =>
            new TenantConfigCache({
              capacity: 2,
              load: async (tenantId) => {
                counts.set(tenantId, (counts.get(tenantId) ?? 0) + 1);
                return repositoryOf(tenantId).get(tenantId);
              },
            }),
        );
        const model: Model = {
          tenants,
          records: new Map(records.map((r) => [r.tenantId, r])),
          history: new Map(records.map((r) => [r.tenantId, [r]])),
        };

        // Act
        await fc.asyncModelRun(() => ({ model, real: { caches, loads } }), commands);

        // Assess: every tenant's stored record is the model's.
        for (const tenantId of tenants) expect(await repositoryOf(tenantId).get(tenantId)).toEqual(model.records.get(tenantId));
      }),
      { numRuns: 30, ...replay },
    );
  }, 180_000);
});
