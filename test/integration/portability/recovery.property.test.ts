import { CreateTableCommand, DeleteTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { auditHeadKind } from '../../../functions/audit/audit.kind';
import { AuditRepository } from '../../../functions/audit/audit.repository';
import { CursorCodec } from '../../../functions/data/cursor';
import { tenantPrefix } from '../../../functions/data/keys';
import { TenantRestore } from '../../../functions/portability/tenant-restore';
import { TENANT_DATA_CATALOGUE } from '../../../functions/tenant-data.catalogue';
import { TenantPurge } from '../../../functions/tenants/tenant-purge';
import { createTableInput, localDynamoDbClient } from '../../../local/bootstrap';
import { LOCAL_REGIONS } from '../../../local/platform.config';
import { emulatorEndpoints } from '../../support/emulators';
import { scanPrefix } from '../../support/scan-prefix';
import { createPortabilityFixture, type PortabilityFixture } from './portability-fixture';

/**
 * Property 14, tenant disaster recovery, against DynamoDB Local: after a restore point is taken (a copy of the table,
 * as a point-in-time restore to a new table makes one), tenants keep writing and then something goes wrong (items
 * deleted or corrupted, a tenant purged by mistake, every item of the table lost); restoring each tenant from the
 * point brings back exactly its items of that point, plus the recovery's own audit entry, with its chain verifying.
 */

const [EU] = LOCAL_REGIONS;
let fixture: PortabilityFixture;
let snapshots = 0;

beforeAll(async () => {
  fixture = await createPortabilityFixture('recovery-prop');
});

afterAll(async () => {
  await fixture?.dispose();
});

type Item = Record<string, unknown>;
const keyOf = (item: Item) => `${item.pk} ${item.sk}`;

/** A copy of every tenant item of the live table in a new table: the local stand-in of a point-in-time restore. */
async function snapshot(): Promise<string> {
  const raw = localDynamoDbClient(emulatorEndpoints().dynamoDbEndpoint, EU);
  const tableName = `${fixture.lifecycle.tableName}-pitr-${++snapshots}`;
  await raw.send(new CreateTableCommand(createTableInput(tableName)));
  await waitUntilTableExists({ client: raw, maxWaitTime: 30 }, { TableName: tableName });
  raw.destroy();
  const items = await fixture.lifecycle.scanPrefix(EU, 'T#');
  for (let i = 0; i < items.length; i += 25) {
    await fixture.lifecycle.inspectors[EU].send(
      new BatchWriteCommand({ RequestItems: { [tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }),
    );
  }
  return tableName;
}

type Failure = { readonly type: 'delete-items' | 'corrupt-items'; readonly picks: readonly number[] } | { readonly type: 'purge-tenant' | 'table-lost' };

const failureArbitrary: fc.Arbitrary<Failure> = fc.oneof(
  fc.record({ type: fc.constantFrom('delete-items' as const, 'corrupt-items' as const), picks: fc.array(fc.nat(), { minLength: 1, maxLength: 5 }) }),
  fc.record({ type: fc.constantFrom('purge-tenant' as const, 'table-lost' as const) }),
);

async function fail(failure: Failure, victim: string, tenants: readonly string[]): Promise<readonly string[]> {
  const { tableName } = fixture.lifecycle;
  const inspector = fixture.lifecycle.inspectors[EU];
  const items = await fixture.lifecycle.scanPrefix(EU, tenantPrefix(victim));
  switch (failure.type) {
    case 'delete-items':
      for (const pick of failure.picks) {
        const item = items[pick % items.length];
        await inspector.send(new DeleteCommand({ TableName: tableName, Key: { pk: item.pk, sk: item.sk } }));
      }
      return [victim];
    case 'corrupt-items':
      for (const pick of failure.picks)
        await inspector.send(new PutCommand({ TableName: tableName, Item: { ...items[pick % items.length], corrupted: `bit rot ${pick}` } }));
      return [victim];
    case 'purge-tenant':
      await new TenantPurge(fixture.lifecycle.regions[EU].local.db, tableName, TENANT_DATA_CATALOGUE).purge(victim);
      return [victim];
    case 'table-lost':
      for (const tenantId of tenants) {
        for (const item of await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId))) {
          await inspector.send(new DeleteCommand({ TableName: tableName, Key: { pk: item.pk, sk: item.sk } }));
        }
      }
      return tenants;
  }
}

describe('property 14: tenant disaster recovery', () => {
  it('restoring from a restore point brings every damaged tenant back to that point with its chain verifying', async () => {
    const data = fixture.lifecycle.regions[EU].local;
    const restore = new TenantRestore({
      region: EU,
      importer: fixture.importer(EU),
      purge: new TenantPurge(data.db, data.tableName, TENANT_DATA_CATALOGUE),
      catalogue: TENANT_DATA_CATALOGUE,
      store: fixture.store,
      signer: fixture.signer,
    });
    await fc.assert(
      fc.asyncProperty(failureArbitrary, fc.nat(1), async (failure, victimIndex) => {
        // Prepare
        const tenants = [await fixture.onboard('ra'), await fixture.onboard('rb')];
        for (const tenantId of tenants)
          await fixture.live(tenantId, { agents: [{ instructions: 'before', memories: ['kept'] }], runs: [1], apiKeys: 1, members: 1 });
        const pointTable = await snapshot();
        const atPoint = Object.fromEntries(
          await Promise.all(
            tenants.map(async (tenantId) => [tenantId, await scanPrefix(fixture.lifecycle.inspectors[EU], pointTable, tenantPrefix(tenantId))] as const),
          ),
        );
        // Written after the point: a restore to the point takes it away again.
        for (const tenantId of tenants)
          await fixture.live(tenantId, { agents: [{ instructions: 'after', memories: ['later'] }], runs: [], apiKeys: 0, members: 0 });

        // Act
        const damaged = await fail(failure, tenants[victimIndex], tenants);
        for (const tenantId of damaged)
          await restore.restore(
            tenantId,
            { tableName: pointTable, db: () => fixture.lifecycle.inspectors[EU], id: `point-${snapshots}` },
            'platform-admin:ops-1',
            `restore-${tenantId}`,
          );

        // Assess
        for (const tenantId of damaged) {
          const restored = await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId));
          const byKey = new Map(restored.map((item) => [keyOf(item), item]));
          const added = restored.filter((item) => !atPoint[tenantId].some((old) => keyOf(old) === keyOf(item)));
          expect(added.map((item) => item.action ?? 'idempotency-record').sort()).toEqual(['idempotency-record', 'tenant.import']);
          for (const item of atPoint[tenantId]) {
            if (auditHeadKind.owns({ pk: String(item.pk), sk: String(item.sk) }, tenantId))
              expect(byKey.get(keyOf(item))).toMatchObject({ seq: (item.seq as number) + 1 });
            else expect(byKey.get(keyOf(item))).toEqual(item);
          }
          const verification = await new AuditRepository({
            db: data.db(tenantId),
            tableName: data.tableName,
            tenantId,
            cursors: new CursorCodec('recovery-verify-cursor-secret-of-32-chars'),
            lanes: 1,
          }).verify();
          expect(verification).toMatchObject({ valid: true });
        }
        const raw = localDynamoDbClient(emulatorEndpoints().dynamoDbEndpoint, EU);
        await raw.send(new DeleteTableCommand({ TableName: pointTable }));
        raw.destroy();
      }),
      {
        numRuns: 2,
        verbose: 1,
        endOnFailure: true,
        // Every kind of failure is tried in every run of the suite, besides the drawn ones.
        examples: [
          [{ type: 'delete-items', picks: [1, 7, 12] }, 0],
          [{ type: 'corrupt-items', picks: [3, 5] }, 1],
          [{ type: 'purge-tenant' }, 0],
          [{ type: 'table-lost' }, 1],
        ],
      },
    );
  });
});
