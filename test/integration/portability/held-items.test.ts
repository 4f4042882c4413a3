import fc from 'fast-check';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { HASH_CHAIN } from '../../../functions/audit/audit-chain';
import * as keys from '../../../functions/data/table-keys';
import { MutationExecutor } from '../../../functions/data/mutation.executor';
import { TABLE_SCHEMA } from '../../../functions/data/table.schema';
import { EXPIRING_KINDS } from '../../../functions/expiring.catalogue';
import { TTL_PRINCIPAL } from '../../../functions/memories/memory-expiry.service';
import { HeldItemKeeper } from '../../../functions/portability/held-items';
import { jobKey } from '../../../functions/portability/portability-job.kind';
import { CatalogueRetention } from '../../../functions/portability/retention';
import { CachedPlanSource } from '../../../functions/quotas/plan.source';
import { createIsolationFixture, type IsolationFixture } from '../isolation/isolation-fixture';

/**
 * DynamoDB's TTL deletes whatever has expired, hold or not. The consumer of its removals writes back the items of
 * expiring kinds of a tenant under a legal hold, without a TTL (an own expiry kept aside), audited; a redelivered
 * removal changes nothing; the items of a tenant under no hold, and items of kinds retention does not delete, are
 * left to the other consumers. DynamoDB Local deletes nothing by TTL, so the removals are given as the stream's records.
 */

const { ttlAttribute: TTL, retainedSinceAttribute: SINCE, ownExpiryAttribute: OWN } = TABLE_SCHEMA;
const HOLD = { reason: 'litigation 7', placedAt: '2026-12-01T00:00:00.000Z', placedBy: 'platform-admin:ops-1' };

let fixture: IsolationFixture;

beforeAll(async () => {
  fixture = await createIsolationFixture('held-items');
});

afterAll(async () => {
  await fixture?.dispose();
});

function keeper(): HeldItemKeeper {
  const db = (tenantId: string) => fixture.isolation.forTenant(tenantId);
  const { tableName } = fixture;
  // As the function builds it: retention reads the settings afresh.
  const retention = new CatalogueRetention({ db, tableName, catalogue: EXPIRING_KINDS, cacheMs: 1 });
  const executor = new MutationExecutor({ chain: HASH_CHAIN, db, tableName, plans: new CachedPlanSource({ db, tableName }), retention });
  return new HeldItemKeeper({ db, tableName, kinds: EXPIRING_KINDS, executor });
}

/** The stream record of DynamoDB's TTL removing `item`. */
function ttlRemoval(item: Record<string, unknown>, eventID: string): DynamoDBRecord {
  return {
    eventID,
    eventName: 'REMOVE',
    userIdentity: { type: 'Service', principalId: TTL_PRINCIPAL },
    dynamodb: { Keys: marshall({ pk: item.pk, sk: item.sk }) as never, OldImage: marshall(item) as never, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  };
}

async function settle(tenantId: string, legalHold?: typeof HOLD): Promise<void> {
  const settings = {
    ...keys.complianceSettings(tenantId),
    retention: { content: 1 },
    updatedAt: HOLD.placedAt,
    version: 1,
    ...(legalHold ? { legalHold } : {}),
  };
  await fixture.inspector.send(new PutCommand({ TableName: fixture.tableName, Item: settings }));
}

const get = async (key: { pk: string; sk: string }) => (await fixture.scanPrefix(key.pk)).find((item) => item.sk === key.sk);
const keepEntries = async (tenantId: string) =>
  (await fixture.scanPrefix(`T#${tenantId}#`)).filter((item) => item.action === 'legal-hold.keep').map((item) => item.target);

describe('items that DynamoDB’s TTL removed while their tenant is under a legal hold', () => {
  it('are written back without a TTL (an own expiry kept aside), audited once even when the removal is delivered again', async () => {
    // Prepare: a memory with an expiry of its own kept aside by its stamp, a run stamped with its class's deadline,
    // an unstamped job whose TTL is its own expiry, and an hourly health item (a kind retention does not delete)
    const tenantId = 'held-a';
    await settle(tenantId, HOLD);
    const memory = { ...keys.memory(tenantId, 'a1', 'm1'), memoryId: 'm1', content: 'kept', [SINCE]: 1_000, [OWN]: 5_000, [TTL]: 2_000 };
    const run = { ...keys.run(tenantId, 'w1', 'r1'), runId: 'r1', status: 'SUCCEEDED', [SINCE]: 1_000, [TTL]: 2_000 };
    const job = { ...jobKey(tenantId, 'j1'), jobId: 'j1', state: 'SUCCEEDED', [TTL]: 3_000 };
    const health = { ...keys.tenantHealthHour(tenantId, '2026-11-20T10'), requests: 3, [TTL]: 2_000 };
    const records = [memory, run, job, health].map((item, i) => ttlRemoval(item, `ev-a-${i}`));

    // Act
    const rest = await keeper().keep(records);
    const again = await keeper().keep(records);

    // Assess
    expect(rest.map((record) => record.eventID)).toEqual(['ev-a-3']);
    expect(again.map((record) => record.eventID)).toEqual(['ev-a-3']);
    const [storedMemory, storedRun, storedJob] = await Promise.all([memory, run, job].map(get));
    expect(storedMemory).toMatchObject({ content: 'kept', [OWN]: 5_000 });
    expect(storedRun).toMatchObject({ status: 'SUCCEEDED' });
    expect(storedJob).toMatchObject({ state: 'SUCCEEDED', [OWN]: 3_000 });
    for (const stored of [storedMemory, storedRun, storedJob]) expect(stored?.[TTL]).toBeUndefined();
    expect(storedRun?.[OWN]).toBeUndefined();
    expect(await get(health)).toBeUndefined();
    expect((await keepEntries(tenantId)).sort()).toEqual(['memory/M#m1', 'portability-job/JOB#j1', 'run/RUN#r1']);
  });

  it('are left removed when the tenant is under no hold, and handed on to the other consumers', async () => {
    // Prepare
    const tenantId = 'held-b';
    await settle(tenantId);
    const memory = { ...keys.memory(tenantId, 'a1', 'm1'), memoryId: 'm1', content: 'gone', [TTL]: 2_000 };

    // Act
    const rest = await keeper().keep([ttlRemoval(memory, 'ev-b-0')]);

    // Assess
    expect(rest.map((record) => record.eventID)).toEqual(['ev-b-0']);
    expect(await get(memory)).toBeUndefined();
    expect(await keepEntries(tenantId)).toEqual([]);
  });
});

describe('the legal hold property of TTL removals', () => {
  const stampArbitrary = fc.record({
    kind: fc.constantFrom('memory', 'run', 'invoice', 'portability-job'),
    // Stamped by retention on write (with or without an own expiry kept aside), or written before retention existed.
    stamped: fc.boolean(),
    own: fc.option(fc.integer({ min: 1_000, max: 9_000 }), { nil: undefined }),
    ttl: fc.integer({ min: 1_000, max: 9_000 }),
  });

  it('writes back every removed item of a held tenant, without a TTL and with its own expiry aside, and none of a tenant under no hold', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(stampArbitrary, { minLength: 1, maxLength: 6 }), fc.boolean(), async (specs, held) => {
        // Prepare
        run += 1;
        const tenantId = `hp-${held ? 'h' : 'f'}${run}-${process.pid % 1000}`;
        await settle(tenantId, held ? HOLD : undefined);
        const items = specs.map((spec, i) => {
          const id = `x${i}`;
          const key = {
            memory: () => keys.memory(tenantId, 'a1', id),
            run: () => keys.run(tenantId, 'w1', id),
            invoice: () => keys.invoice(tenantId, id),
            'portability-job': () => jobKey(tenantId, id),
          }[spec.kind]();
          const stamp = spec.stamped ? { [SINCE]: 500, ...(spec.own !== undefined ? { [OWN]: spec.own } : {}) } : {};
          return { item: { ...key, id, ...stamp, [TTL]: spec.ttl }, ownExpiry: spec.stamped ? spec.own : spec.ttl };
        });

        // Act
        const rest = await keeper().keep(items.map(({ item }, i) => ttlRemoval(item, `ev-${tenantId}-${i}`)));

        // Assess
        expect(rest).toHaveLength(held ? 0 : items.length);
        for (const { item, ownExpiry } of items) {
          const stored = await get(item);
          if (!held) {
            expect(stored).toBeUndefined();
            continue;
          }
          expect(stored?.[TTL]).toBeUndefined();
          expect(stored?.[OWN]).toBe(ownExpiry);
          expect(stored?.id).toBe(item.id);
        }
      }),
      { numRuns: 15 },
    );
  });
});
