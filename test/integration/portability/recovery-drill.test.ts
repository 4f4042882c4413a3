import { CreateTableCommand, DeleteTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { CursorCodec } from '../../../functions/data/cursor';
import { tenantPrefix } from '../../../functions/data/keys';
import { ComplianceService } from '../../../functions/portability/compliance.service';
import { RecoveryDrill } from '../../../functions/portability/recovery-drill';
import { TENANT_DATA_CATALOGUE } from '../../../functions/tenant-data.catalogue';
import { createTableInput, localDynamoDbClient } from '../../../local/bootstrap';
import { runLocalDrill } from '../../../local/drill';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { LOCAL_REGIONS } from '../../../local/platform.config';
import { emulatorEndpoints } from '../../support/emulators';
import { createPortabilityFixture, type PortabilityFixture } from './portability-fixture';

/**
 * The recovery drill against DynamoDB Local: a tenant's data restored into a scratch table through the catalogue,
 * counts per kind and the audit chain checked there, the outcome recorded for the compliance report; a broken chain
 * fails the drill and the report keeps the last successful one.
 */

const [EU] = LOCAL_REGIONS;
let fixture: PortabilityFixture;
let scratchTable: string;
const raw = localDynamoDbClient(emulatorEndpoints().dynamoDbEndpoint, EU);

beforeAll(async () => {
  fixture = await createPortabilityFixture('recovery-drill');
  scratchTable = `${fixture.lifecycle.tableName}-drill`;
  await raw.send(new CreateTableCommand(createTableInput(scratchTable)));
  await waitUntilTableExists({ client: raw, maxWaitTime: 30 }, { TableName: scratchTable });
}, 60_000);

afterAll(async () => {
  await raw.send(new DeleteTableCommand({ TableName: scratchTable })).catch(() => undefined);
  raw.destroy();
  await fixture?.dispose();
});

describe('recovery drill', () => {
  it('restores a tenant into a scratch table, verifies its counts and chain, and records the outcome the compliance report shows', async () => {
    // Prepare
    const tenantId = await fixture.onboard('dr');
    await fixture.live(tenantId, { agents: [{ instructions: 'drill me', memories: ['kept'] }], runs: [1], apiKeys: 1, members: 1 });
    const { db, tableName, mutations } = fixture.lifecycle.regions[EU].local;
    const cursors = new CursorCodec('recovery-drill-cursor-secret-of-32-chars');
    const drill = new RecoveryDrill({
      live: { db, tableName },
      audit: mutations,
      // The scratch table through an unscoped client, as a restore point is read (the drill's own tool scopes it per tenant).
      scratch: { db: () => fixture.lifecycle.inspectors[EU], tableName: scratchTable },
      catalogue: TENANT_DATA_CATALOGUE,
      cursors,
    });
    const compliance = new ComplianceService({ db, tableName, executor: mutations, cursors, catalogue: TENANT_DATA_CATALOGUE, region: EU });

    // Act
    const passed = await drill.drill(tenantId);
    const reported = await compliance.report(tenantId);
    const entry = (await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId))).find((item) => item.action === 'agent.create') as Record<string, unknown>;
    await fixture.lifecycle.inspectors[EU].send(new PutCommand({ TableName: tableName, Item: { ...entry, target: 'agent/forged' } }));
    const failed = await drill.drill(tenantId);
    const afterFailure = await compliance.report(tenantId);

    // Assess
    expect(passed).toMatchObject({ tenantId, succeeded: true });
    expect(passed.items).toBeGreaterThan(20);
    expect(reported.lastSuccessfulDrill).toBe(passed.drilledAt);
    expect(failed).toMatchObject({ succeeded: false, detail: expect.stringContaining('audit chain broken') });
    expect(afterFailure.lastSuccessfulDrill).toBeNull();
    // The two drills' entries (the fixture's history recorded one too), each once: pending or sealed.
    const drillEntries = new Map(
      (await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId)))
        .filter((item) => item.action === 'recovery.drill' && String(item.requestId).startsWith('drill-'))
        .map((item) => [item.id, item]),
    );
    expect([...drillEntries.values()].map((item) => `${item.actor} ${item.target}`).sort()).toEqual([
      'system:drill compliance/drill/failed',
      'system:drill compliance/drill/passed',
    ]);
  });

  it('reports the last backup the backup status knows, and null where there is none (locally)', async () => {
    // Prepare
    const tenantId = await fixture.onboard('db');
    const { db, tableName, mutations } = fixture.lifecycle.regions[EU].local;
    const cursors = new CursorCodec('recovery-drill-cursor-secret-of-32-chars');
    const props = { db, tableName, executor: mutations, cursors, catalogue: TENANT_DATA_CATALOGUE, region: EU };
    const restorable = '2026-12-03T04:10:00.000Z';

    // Act
    const inAws = await new ComplianceService({ ...props, backups: { lastBackup: async () => restorable } }).report(tenantId);
    const locally = await new ComplianceService(props).report(tenantId);

    // Assess
    expect(inAws.lastBackup).toBe(restorable);
    expect(locally.lastBackup).toBeNull();
  });

  it('drills every tenant of every region with npm run drill, reports each, and deletes its scratch tables', async () => {
    // Prepare
    const healthy = await fixture.onboard('dh');
    const lines: string[] = [];

    // Act
    const results = await runLocalDrill(emulatorEndpoints().dynamoDbEndpoint, (line) => lines.push(line), fixture.lifecycle.tableName);
    const tables = await Promise.all(
      LOCAL_REGIONS.map(async (region) => {
        const client = localDynamoDbClient(emulatorEndpoints().dynamoDbEndpoint, region);
        const { TableNames = [] } = await client.send(new ListTablesCommand({}));
        client.destroy();
        return TableNames.filter((name) => name.startsWith(`${fixture.lifecycle.tableName}-drill-`));
      }),
    );

    // Assess
    // The detail names what a failed drill found, so a failure here shows it.
    expect(results.find((result) => result.tenantId === healthy)).toMatchObject({ detail: expect.stringMatching(/verified$/), succeeded: true });
    expect(results.some((result) => !result.succeeded)).toBe(true);
    expect(lines.find((line) => line.includes(healthy))).toMatch(/^eu-central-1 +\S+ +ok/);
    expect(tables.flat()).toEqual([]);
  });
});
