import fc from 'fast-check';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { HASH_CHAIN } from '../../../functions/audit/audit-chain';
import type { RetentionClass } from '../../../functions/data/data-kind';
import { tenantPrefix } from '../../../functions/data/keys';
import * as keys from '../../../functions/data/table-keys';
import { MutationExecutor } from '../../../functions/data/mutation.executor';
import { TABLE_SCHEMA } from '../../../functions/data/table.schema';
import { updateOf } from '../../../functions/data/updates';
import { jobKey } from '../../../functions/portability/portability-job.kind';
import type { RetentionSettings } from '../../../functions/portability/compliance-settings';
import { CatalogueRetention, DAY_SECONDS } from '../../../functions/portability/retention';
import { RetentionSweep } from '../../../functions/portability/retention-sweep';
import { CachedPlanSource } from '../../../functions/quotas/plan.source';
import { TENANT_DATA_CATALOGUE } from '../../../functions/tenant-data.catalogue';
import { createIsolationFixture, type IsolationFixture } from '../isolation/isolation-fixture';

/**
 * Retention: whatever the tenant's settings were when items were written (through the mutation executor, which
 * stamps them, or before retention existed, unstamped, some with an expiry of their own), after a retention sweep
 * under the current settings every item of a kind the sweep expires that is older than its class's period is gone,
 * every other item carries exactly the TTL its class gives it (the earlier of its own expiry and its deadline), the
 * kinds retention does not apply to are untouched, and while a legal hold is on nothing is deleted and no item
 * carries a TTL at all; lifting the hold and sweeping again gives the unheld outcome. A sweep that changed something
 * is audited with one entry.
 *
 * Replay a failure with FC_SEED=<seed> FC_PATH=<path> from the printed report.
 */

const { ttlAttribute: TTL, retainedSinceAttribute: SINCE } = TABLE_SCHEMA;
const NOW = Date.parse('2026-12-01T12:00:00Z');
const NOW_SECONDS = NOW / 1000;

let fixture: IsolationFixture;
let tenants = 0;

beforeAll(async () => {
  fixture = await createIsolationFixture('retention-prop');
});

afterAll(async () => {
  await fixture?.dispose();
});

type ExpiringKind = 'memory' | 'run' | 'invoice' | 'portability-job';
const CLASS_OF: Record<ExpiringKind, RetentionClass> = { memory: 'content', run: 'content', invoice: 'billing', 'portability-job': 'operational' };

interface ItemSpec {
  readonly kind: ExpiringKind;
  readonly ageSeconds: number;
  /** Written through the executor as a whole item or an update (stamped under the settings of then), or before retention existed. */
  readonly via: 'executor' | 'executor-update' | 'legacy';
  /** Days after the write a memory expires by itself. */
  readonly ownDays?: number;
}

const daysArbitrary = fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined });
const settingsArbitrary: fc.Arbitrary<RetentionSettings> = fc
  .record({ content: daysArbitrary, operational: daysArbitrary, billing: daysArbitrary })
  .map((settings) => Object.fromEntries(Object.entries(settings).filter(([, days]) => days !== undefined)));

const itemArbitrary: fc.Arbitrary<ItemSpec> = fc
  .record({
    kind: fc.constantFrom<ExpiringKind>('memory', 'run', 'invoice', 'portability-job'),
    ageSeconds: fc.integer({ min: 0, max: 90 * DAY_SECONDS }),
    via: fc.constantFrom<ItemSpec['via']>('executor', 'executor-update', 'legacy'),
    ownDays: fc.option(fc.integer({ min: 1, max: 120 }), { nil: undefined }),
  })
  // Memories have expiries of their own and are written whole; the others are updated too.
  .map((spec) => (spec.kind === 'memory' ? { ...spec, via: spec.via === 'executor-update' ? 'executor' : spec.via } : { ...spec, ownDays: undefined }));

function keyOf(tenantId: string, spec: ItemSpec, i: number): { pk: string; sk: string } {
  const id = `i${String(i).padStart(3, '0')}`;
  if (spec.kind === 'memory') return keys.memory(tenantId, 'a1', id);
  if (spec.kind === 'run') return keys.run(tenantId, 'w1', id);
  if (spec.kind === 'invoice') return keys.invoice(tenantId, id);
  return jobKey(tenantId, id);
}

async function putSettings(tenantId: string, retention: RetentionSettings, held: boolean, version: number): Promise<void> {
  const legalHold = held ? { legalHold: { reason: 'litigation', placedAt: new Date(NOW).toISOString(), placedBy: 'platform-admin:ops' } } : {};
  await fixture.inspector.send(
    new PutCommand({
      TableName: fixture.tableName,
      Item: { ...keys.complianceSettings(tenantId), retention, ...legalHold, updatedAt: new Date(NOW).toISOString(), version },
    }),
  );
}

/** Writes the items as the tenant's history made them: the parents (untouched by retention) and every item of the spec. */
async function write(tenantId: string, specs: readonly ItemSpec[], before: RetentionSettings): Promise<void> {
  const { inspector, tableName } = fixture;
  for (const parent of [keys.agent(tenantId, 'a1'), keys.workflow(tenantId, 'w1')]) {
    await inspector.send(new PutCommand({ TableName: tableName, Item: { ...parent, name: 'parent', createdAt: '2026-01-01T00:00:00Z' } }));
  }
  await putSettings(tenantId, before, false, 1);
  for (const [i, spec] of specs.entries()) {
    const writtenMs = NOW - spec.ageSeconds * 1000;
    const own = spec.ownDays !== undefined ? { [TTL]: writtenMs / 1000 + spec.ownDays * DAY_SECONDS } : {};
    const Item = { ...keyOf(tenantId, spec, i), label: `item ${i}`, ...own };
    if (spec.via === 'legacy') {
      await inspector.send(new PutCommand({ TableName: tableName, Item: { ...Item, updatedAt: new Date(writtenMs).toISOString() } }));
      continue;
    }
    const { pk, sk, ...fields } = Item;
    const change = spec.via === 'executor' ? { put: { Item } } : { update: { Key: { pk, sk }, ...updateOf({ set: fields }) } };
    const event = { actor: 'user:u1', action: 'item.write', target: `item/${i}`, requestId: `r${i}`, change: {} };
    await executorAt(writtenMs).execute({ tenantId, event, writes: [change] });
  }
}

function executorAt(ms: number): MutationExecutor {
  const db = (tenantId: string) => fixture.isolation.forTenant(tenantId);
  const retention = new CatalogueRetention({ db, tableName: fixture.tableName, catalogue: TENANT_DATA_CATALOGUE });
  return new MutationExecutor({
    chain: HASH_CHAIN,
    db,
    tableName: fixture.tableName,
    plans: new CachedPlanSource({ db, tableName: fixture.tableName }),
    retention,
    clock: () => ms,
  });
}

function sweeper(): RetentionSweep {
  const db = (tenantId: string) => fixture.isolation.forTenant(tenantId);
  return new RetentionSweep({ db, tableName: fixture.tableName, catalogue: TENANT_DATA_CATALOGUE, audit: executorAt(NOW), clock: () => NOW });
}

/** What must be stored of one item after a sweep: gone, or there with this TTL (undefined: none). */
function expected(spec: ItemSpec, settings: RetentionSettings, held: boolean): { present: boolean; ttl: number | undefined } {
  const writtenAt = NOW_SECONDS - spec.ageSeconds;
  if (held) return { present: true, ttl: undefined };
  const days = settings[CLASS_OF[spec.kind]];
  const candidates = [
    spec.ownDays !== undefined ? writtenAt + spec.ownDays * DAY_SECONDS : undefined,
    days !== undefined ? writtenAt + days * DAY_SECONDS : undefined,
  ];
  const defined = candidates.filter((value): value is number => value !== undefined);
  const ttl = defined.length > 0 ? Math.min(...defined) : undefined;
  const gone = spec.kind !== 'memory' && ttl !== undefined && ttl <= NOW_SECONDS;
  return { present: !gone, ttl };
}

async function check(tenantId: string, specs: readonly ItemSpec[], settings: RetentionSettings, held: boolean): Promise<void> {
  const stored = await fixture.scanPrefix(tenantPrefix(tenantId));
  const byKey = new Map(stored.map((item) => [`${item.pk}|${item.sk}`, item]));
  for (const [i, spec] of specs.entries()) {
    const key = keyOf(tenantId, spec, i);
    const item = byKey.get(`${key.pk}|${key.sk}`);
    const want = expected(spec, settings, held);
    expect({ item: i, spec, present: item !== undefined }).toEqual({ item: i, spec, present: want.present });
    if (item) expect({ item: i, spec, ttl: item[TTL] }).toEqual({ item: i, spec, ttl: want.ttl });
  }
  for (const parent of [keys.agent(tenantId, 'a1'), keys.workflow(tenantId, 'w1')]) {
    const item = byKey.get(`${parent.pk}|${parent.sk}`);
    expect(item).toBeDefined();
    expect(item?.[TTL]).toBeUndefined();
    expect(item?.[SINCE]).toBeUndefined();
  }
}

/** Right after the writes: every item written through the executor carries the TTL its class had then (applied on write). */
async function checkOnWrite(tenantId: string, specs: readonly ItemSpec[], before: RetentionSettings): Promise<void> {
  const stored = await fixture.scanPrefix(tenantPrefix(tenantId));
  const byKey = new Map(stored.map((item) => [`${item.pk}|${item.sk}`, item]));
  for (const [i, spec] of specs.entries()) {
    if (spec.via === 'legacy') continue;
    const key = keyOf(tenantId, spec, i);
    const item = byKey.get(`${key.pk}|${key.sk}`);
    expect({ item: i, spec, ttl: item?.[TTL], since: item?.[SINCE] }).toEqual({
      item: i,
      spec,
      ttl: expected(spec, before, false).ttl,
      since: NOW_SECONDS - spec.ageSeconds,
    });
  }
}

const sweepEntries = async (tenantId: string) => (await fixture.scanPrefix(tenantPrefix(tenantId))).filter((item) => item.action === 'retention.sweep').length;

describe('retention sweep', () => {
  it('leaves exactly the items within their class period, with the TTL of their class, and deletes nothing under a legal hold', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(itemArbitrary, { minLength: 1, maxLength: 8 }),
        settingsArbitrary,
        settingsArbitrary,
        fc.boolean(),
        async (specs, before, after, held) => {
          const tenantId = `ret${(tenants += 1)}`;
          await write(tenantId, specs, before);
          await checkOnWrite(tenantId, specs, before);
          await putSettings(tenantId, after, held, 2);

          const first = await sweeper().sweepTenant(tenantId, 'sweep-1');
          await check(tenantId, specs, after, held);
          const changed = first.stamped > 0 || Object.keys(first.deleted).length > 0;
          expect(await sweepEntries(tenantId)).toBe(changed ? 1 : 0);
          if (held) expect(first.deleted).toEqual({});

          const again = await sweeper().sweepTenant(tenantId, 'sweep-2');
          expect(again).toMatchObject({ stamped: 0, deleted: {} });
          if (!held) return;
          await putSettings(tenantId, after, false, 3);
          await sweeper().sweepTenant(tenantId, 'sweep-3');
          await check(tenantId, specs, after, false);
        },
      ),
      { numRuns: 20 },
    );
  });
});
