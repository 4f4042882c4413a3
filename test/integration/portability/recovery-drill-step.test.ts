import { CreateTableCommand, DeleteTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createHandler, RecoveryDrillFailedError, type RecoveryDrillEvent, type RegionDrillReport } from '../../../functions/api/recovery-drill';
import { tenantPrefix } from '../../../functions/data/keys';
import * as keys from '../../../functions/data/table-keys';
import { readDrillRecord } from '../../../functions/portability/compliance.kind';
import { createTableInput, localDynamoDbClient } from '../../../local/bootstrap';
import { LOCAL_REGIONS } from '../../../local/platform.config';
import { emulatorEndpoints } from '../../support/emulators';
import { createPortabilityFixture, type PortabilityFixture } from './portability-fixture';

/**
 * The recovery drill state machine's Lambda step against DynamoDB Local: the region's table restored to a scratch
 * table (here a copy of every item, as a point-in-time restore to a new table makes one), then each tenant checked in
 * the copy without copying anything: items per kind, counters against their items, the audit chain. A broken chain or
 * a counter that disagrees with its items fails that tenant and the step; every outcome is recorded in the live table.
 */

const [EU] = LOCAL_REGIONS;
let fixture: PortabilityFixture;
const raw = localDynamoDbClient(emulatorEndpoints().dynamoDbEndpoint, EU);
const scratchTables: string[] = [];

beforeAll(async () => {
  fixture = await createPortabilityFixture('drill-step');
}, 60_000);

afterAll(async () => {
  await Promise.all(scratchTables.map((name) => raw.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined)));
  raw.destroy();
  await fixture?.dispose();
});

/** The whole live table copied into a new scratch table: what RestoreTableToPointInTime leaves behind. */
async function restoreToScratch(run: string): Promise<string> {
  const scratchTable = `${fixture.lifecycle.tableName}-drill-${run}`;
  scratchTables.push(scratchTable);
  await raw.send(new CreateTableCommand(createTableInput(scratchTable)));
  await waitUntilTableExists({ client: raw, maxWaitTime: 30 }, { TableName: scratchTable });
  const db = fixture.lifecycle.inspectors[EU];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: fixture.lifecycle.tableName, ...(start ? { ExclusiveStartKey: start } : {}) }));
    const items = page.Items ?? [];
    for (let at = 0; at < items.length; at += 25) {
      const requests = items.slice(at, at + 25).map((Item) => ({ PutRequest: { Item } }));
      await db.send(new BatchWriteCommand({ RequestItems: { [scratchTable]: requests } }));
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return scratchTable;
}

const history = { agents: [{ instructions: 'drill me', memories: ['kept'] }], runs: [1], apiKeys: 1, members: 1 };

describe('recovery drill step (restored scratch table)', () => {
  it('verifies every tenant in the restored copy, copies nothing, and records each success in the live table', async () => {
    // Prepare
    const tenants = [await fixture.onboard('sa'), await fixture.onboard('sb')];
    for (const tenantId of tenants) await fixture.live(tenantId, history);
    const scratchTable = await restoreToScratch('ok');
    const before = (await fixture.lifecycle.inspectors[EU].send(new ScanCommand({ TableName: scratchTable, Select: 'COUNT' }))).Count;
    const handler = createHandler(fixture.lifecycle.config(EU), { tenants: async () => tenants.map((tenantId) => ({ tenantId })) });

    // Act
    const report = await handler({ scratchTable });
    const after = (await fixture.lifecycle.inspectors[EU].send(new ScanCommand({ TableName: scratchTable, Select: 'COUNT' }))).Count;
    const { db, tableName } = fixture.lifecycle.regions[EU].local;
    const records = await Promise.all(tenants.map((tenantId) => readDrillRecord(db(tenantId), tableName, tenantId)));

    // Assess
    expect(report).toEqual({ scratchTable, tenants: 2, failedTotal: 0, failed: [], next: null, resume: null });
    expect(after).toBe(before);
    for (const record of records) {
      expect(record).toMatchObject({ succeeded: true, detail: expect.stringContaining('audit chain verified') });
      expect(record?.items).toBeGreaterThan(20);
    }
  });

  it("fails when a tenant's audit chain is broken or a counter disagrees with its items, after recording every tenant", async () => {
    // Prepare
    const [healthy, forgedEntry, forgedCounter] = [await fixture.onboard('sh'), await fixture.onboard('se'), await fixture.onboard('sc')];
    for (const tenantId of [healthy, forgedEntry, forgedCounter]) await fixture.live(tenantId, history);
    const scratchTable = await restoreToScratch('broken');
    const inspector = fixture.lifecycle.inspectors[EU];
    const entry = (await fixture.lifecycle.scanPrefix(EU, tenantPrefix(forgedEntry))).find((item) => item.action === 'agent.create') as Record<string, unknown>;
    await inspector.send(new PutCommand({ TableName: scratchTable, Item: { ...entry, target: 'agent/forged' } }));
    await inspector.send(new PutCommand({ TableName: scratchTable, Item: { ...keys.quotaCounter(forgedCounter, 'TOOLS'), count: 3 } }));
    const handler = createHandler(fixture.lifecycle.config(EU), {
      tenants: async () => [healthy, forgedEntry, forgedCounter].map((tenantId) => ({ tenantId })),
    });

    // Act
    const outcome = await handler({ scratchTable }).catch((error: unknown) => error);
    const { db, tableName } = fixture.lifecycle.regions[EU].local;
    const record = (tenantId: string) => readDrillRecord(db(tenantId), tableName, tenantId);

    // Assess
    expect(outcome).toBeInstanceOf(RecoveryDrillFailedError);
    expect((outcome as Error).name).toBe('RecoveryDrillFailed');
    expect((outcome as Error).message).toMatch(/^2 of 3 tenants failed the drill/);
    expect(await record(healthy)).toMatchObject({ succeeded: true });
    expect(await record(forgedEntry)).toMatchObject({ succeeded: false, detail: expect.stringContaining('audit chain broken') });
    expect(await record(forgedCounter)).toMatchObject({
      succeeded: false,
      detail: expect.stringContaining('tool: its quota counter says 3, the restored copy holds 1 items'),
    });
  });

  it("drills in rounds when a round's time is up, pausing a tenant between two pages and going on where it paused, with the outcomes of one round", async () => {
    // Prepare: three tenants, one with a forged counter; their outcomes drilled in one round, then in rounds whose time
    // is up after each page read (every tenant then spans many rounds)
    const tenants = [await fixture.onboard('ra'), await fixture.onboard('rb'), await fixture.onboard('rc')];
    for (const tenantId of tenants) await fixture.live(tenantId, history);
    const scratchTable = await restoreToScratch('rounds');
    const [first, forged, last] = [...tenants].sort();
    await fixture.lifecycle.inspectors[EU].send(new PutCommand({ TableName: scratchTable, Item: { ...keys.quotaCounter(forged, 'TOOLS'), count: 3 } }));
    const { db, tableName } = fixture.lifecycle.regions[EU].local;
    const outcomes = () =>
      Promise.all(
        [first, forged, last].map(async (tenantId) => {
          const record = await readDrillRecord(db(tenantId), tableName, tenantId);
          return { succeeded: record?.succeeded, items: record?.items, auditEntries: record?.auditEntries, detail: record?.detail };
        }),
      );
    const tenantsOf = async () => tenants.map((tenantId) => ({ tenantId }));
    await createHandler(fixture.lifecycle.config(EU), { tenants: tenantsOf })({ scratchTable }).catch(() => undefined);
    const inOneRound = await outcomes();
    const handler = createHandler(fixture.lifecycle.config(EU), { tenants: tenantsOf, roundBudgetMs: 0 });

    // Act: as the state machine loops, handing each round's report to the next
    const rounds: RegionDrillReport[] = [];
    let event: RecoveryDrillEvent = { scratchTable, after: null, drilled: 0, failed: 0, resume: null };
    let outcome: unknown;
    for (let round = 0; round < 2_000 && outcome === undefined; round++) {
      const report = await handler(event).catch((error: unknown) => error);
      if (!(report && typeof report === 'object' && 'next' in report)) outcome = report;
      else {
        const { next, tenants: drilled, failedTotal, resume } = report as RegionDrillReport;
        rounds.push(report as RegionDrillReport);
        // What the state machine's MoreTenants choice checks
        if (next === null && resume === null) break;
        event = { scratchTable, after: next, drilled, failed: failedTotal, resume };
      }
    }

    // Assess: each tenant paused in many rounds, in order, and ended as it did in one round
    const pausedIn = (tenantId: string) => rounds.filter((report) => report.resume?.tenantId === tenantId).length;
    for (const tenantId of [first, forged, last]) expect(pausedIn(tenantId)).toBeGreaterThan(5);
    expect(rounds.map((report) => report.next).filter((next, i, all) => next !== all[i - 1])).toEqual([null, first, forged]);
    expect(rounds.at(-1)).toMatchObject({ tenants: 2, failedTotal: 1 });
    expect(outcome).toBeInstanceOf(RecoveryDrillFailedError);
    expect((outcome as Error).message).toMatch(/^1 of 3 tenants failed the drill/);
    const inRounds = await outcomes();
    expect(inRounds).toEqual(inOneRound);
    expect(inRounds.map((record) => record.succeeded)).toEqual([true, false, true]);
  });

  it('refuses a table that is not a scratch table of the live one', async () => {
    // Prepare
    const handler = createHandler(fixture.lifecycle.config(EU), { tenants: async () => [] });

    // Act / Assess
    await expect(handler({ scratchTable: fixture.lifecycle.tableName })).rejects.toThrow(/is not a scratch table/);
    await expect(handler({ scratchTable: 'another-table-drill-1' })).rejects.toThrow(/is not a scratch table/);
  });
});
