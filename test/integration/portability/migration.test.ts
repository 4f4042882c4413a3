import { credentialStoreOf } from '../../../functions/api/credential-store.dependencies';
import { AuditRepository } from '../../../functions/audit/audit.repository';
import { WrongRegionError } from '../../../functions/core/errors';
import { CursorCodec } from '../../../functions/data/cursor';
import { tenantPrefix } from '../../../functions/data/keys';
import type { ObjectStore } from '../../../functions/portability/object-store';
import { manifestReader, TenantMigration, type MigrationStep } from '../../../functions/portability/tenant-migration';
import { TenantExporter } from '../../../functions/portability/tenant-export';
import { TenantImporter } from '../../../functions/portability/tenant-import';
import { ROUTES } from '../../../functions/routes';
import { TENANT_DATA_CATALOGUE } from '../../../functions/tenant-data.catalogue';
import { createTenantGate } from '../../../functions/tenants/tenant-gate';
import { TenantPurge } from '../../../functions/tenants/tenant-purge';
import { LOCAL_REGIONS } from '../../../local/platform.config';
import { createPortabilityFixture, PLATFORM_ADMIN, type PortabilityFixture } from './portability-fixture';

const [EU, US] = LOCAL_REGIONS;
let fixture: PortabilityFixture;

beforeAll(async () => {
  fixture = await createPortabilityFixture('migration');
});

afterAll(async () => {
  await fixture?.dispose();
});

/** The migration over both local regions, its bundles in `store`. */
function migrationWith(store: ObjectStore): TenantMigration {
  const { lifecycle, signer } = fixture;
  const regions = Object.fromEntries(
    LOCAL_REGIONS.map((region) => {
      const data = lifecycle.regions[region].local;
      const exporter = new TenantExporter({ ...data, catalogue: TENANT_DATA_CATALOGUE, store, signer });
      const importer = new TenantImporter({ ...data, catalogue: TENANT_DATA_CATALOGUE, store, signer, executor: data.mutations });
      const credentials = credentialStoreOf(lifecycle.config(region));
      return [
        region,
        {
          region,
          db: data.db,
          tableName: data.tableName,
          exporter,
          importer,
          purge: new TenantPurge(data.db, data.tableName, TENANT_DATA_CATALOGUE, { elsewhere: [credentials] }),
          executor: data.mutations,
          credentials,
        },
      ];
    }),
  );
  const directories = LOCAL_REGIONS.map((region) => lifecycle.regions[region].local.writableDirectory());
  return new TenantMigration({ regions, directories, catalogue: TENANT_DATA_CATALOGUE, readManifest: manifestReader(store) });
}

/** A store whose reads fail after `reads` of them: the process dies in the middle of the import. */
function crashingAfter(reads: number): ObjectStore {
  let left = reads;
  return {
    put: (key, body, type) => fixture.store.put(key, body, type),
    presignGet: (key, seconds) => fixture.store.presignGet(key, seconds),
    get: async (key, ifMatch) => {
      if (--left < 0) throw new Error('the process died');
      return fixture.store.get(key, ifMatch);
    },
  };
}

const sortedKeys = (items: readonly Record<string, unknown>[]) => items.map((item) => `${item.pk} ${item.sk}`).sort();

describe('tenant migration between regions', () => {
  it('moves every item to the target region, verifies the chain there, answers 421 in the old region and resumes after a crash', async () => {
    // Prepare
    const tenantId = await fixture.onboard('mg', EU);
    await fixture.live(tenantId, { agents: [{ instructions: 'move me', memories: ['one', 'two'] }], runs: [1], apiKeys: 1, members: 1 });
    const before = await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId));
    const request = { tenantId, to: US, actor: 'platform-admin:ops-1', requestId: 'migrate-1' };
    const steps: MigrationStep[] = [];

    // Act
    const crashed = await migrationWith(crashingAfter(25))
      .migrate(request)
      .catch((error: unknown) => error);
    const manifest = await migrationWith(fixture.store).migrate(request, (step) => void steps.push(step));
    const gate = (region: string) =>
      createTenantGate({
        directory: fixture.lifecycle.regions[region].local.directory,
        region,
        regionEndpoints: { [US]: 'https://us.api.test' },
        audit: fixture.lifecycle.regions[region].local.mutations,
      });
    const getTenant = ROUTES.find((route) => route.operationId === 'getTenant');
    const oldRegion = await gate(EU)(tenantId, getTenant as never, PLATFORM_ADMIN, { requestId: 'after-1' } as never).catch((error: unknown) => error);
    const { db, tableName } = fixture.lifecycle.regions[US].local;
    const verification = await new AuditRepository({
      db: db(tenantId),
      tableName,
      tenantId,
      cursors: new CursorCodec('migration-test-cursor-secret-of-32-chars'),
      lanes: 1,
    }).verify();

    // Assess
    expect(crashed).toEqual(new Error('the process died'));
    expect(steps).toEqual(['exported', 'imported', 'verified', 'cut-over', 'purged']);
    expect(manifest.sourceRegion).toBe(EU);
    const moved = await fixture.lifecycle.scanPrefix(US, tenantPrefix(tenantId));
    expect(sortedKeys(moved)).toEqual(expect.arrayContaining(sortedKeys(before)));
    expect(moved.find((item) => item.sk === 'PROFILE')).toMatchObject({ region: US });
    expect(verification).toMatchObject({ valid: true });
    expect(await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId))).toEqual([]);
    expect(oldRegion).toBeInstanceOf(WrongRegionError);
    expect((oldRegion as WrongRegionError).extensions).toMatchObject({ region: US });
    for (const region of LOCAL_REGIONS) expect(await fixture.lifecycle.regions[region].local.directory.get(tenantId)).toMatchObject({ region: US });
  });
});
