import { credentialStoreOf } from '../../../functions/api/credential-store.dependencies';
import { regionTenants } from '../../../functions/api/dependencies';
import { AuditRepository } from '../../../functions/audit/audit.repository';
import { ConflictError, WrongRegionError } from '../../../functions/core/errors';
import { IssuerRegistryRepository, type IssuerRegistration } from '../../../functions/identity/issuer-registry.repository';
import { CursorCodec } from '../../../functions/data/cursor';
import { tenantPrefix } from '../../../functions/data/keys';
import * as keys from '../../../functions/data/table-keys';
import { TABLE_SCHEMA } from '../../../functions/data/table.schema';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ObjectStore } from '../../../functions/portability/object-store';
import { bundleKindReader, manifestReader, TenantMigration, type MigrationRegion, type MigrationStep } from '../../../functions/portability/tenant-migration';
import { MemberRepository } from '../../../functions/users/member.repository';
import { randomUUID } from 'node:crypto';
import { TenantExporter } from '../../../functions/portability/tenant-export';
import { TenantImporter } from '../../../functions/portability/tenant-import';
import { ROUTES } from '../../../functions/routes';
import { TENANT_DATA_CATALOGUE } from '../../../functions/tenant-data.catalogue';
import type { DirectoryRepository } from '../../../functions/tenants/directory.repository';
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

/** The usage keys each region's stand-in was asked to ensure: `<region> <tenantId> <plan>`. */
const ensuredKeys: string[] = [];

/**
 * Each region's tenant pools over the fixture's pools in memory, as the tenant stack deployed in the region would have
 * made them; `copy` fails once after `copiesBeforeCrash` copies.
 */
function poolsOf(region: string, crash = { copiesBeforeCrash: Number.POSITIVE_INFINITY }): NonNullable<MigrationRegion['pools']> {
  const pools = fixture.lifecycle.adapters.users;
  return {
    tenants: {
      region,
      poolOf: async (tenantId) => ({
        issuer: `https://issuer.test/${region}/${tenantId}`,
        userPoolId: `${region}_moved-${tenantId}`,
        clientId: `client-${region}-${tenantId}`,
        region,
      }),
    },
    users: {
      async *list(pool) {
        for (const user of pools.usersOf(pool.userPoolId).values()) {
          yield { sub: user.sub, email: user.email, enabled: user.enabled, federated: false };
        }
      },
      async copy(pool, user, tenantId, role) {
        if (crash.copiesBeforeCrash-- <= 0) throw new Error('the process died');
        const users = pools.usersOf(pool.userPoolId);
        const sub = users.get(user.email)?.sub ?? randomUUID();
        users.set(user.email, { sub, email: user.email, password: '', groups: new Set([role]), enabled: user.enabled, signedOut: false, tenantId });
        return { sub };
      },
      async remove(pool, sub) {
        const users = pools.usersOf(pool.userPoolId);
        for (const [email, user] of users) if (user.sub === sub) users.delete(email);
      },
    },
  };
}

/** The migration over both local regions, its bundles in `store`, through `directories` when given. */
function migrationWith(
  store: ObjectStore,
  directories?: readonly DirectoryRepository[],
  pools?: (region: string) => MigrationRegion['pools'],
  cutOverSettleMs?: number,
  /** Purges that die before deleting anything (the process stops between the counts carried and the purge). */
  crash = { purgesBeforeCrash: Number.POSITIVE_INFINITY },
): TenantMigration {
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
          purge: {
            purge: async (tenantId: string) => {
              if (crash.purgesBeforeCrash-- <= 0) throw new Error('the process died');
              return new TenantPurge(data.db, data.tableName, TENANT_DATA_CATALOGUE, { elsewhere: [credentials] }).purge(tenantId);
            },
          },
          executor: data.mutations,
          issuers: new IssuerRegistryRepository(lifecycle.inspectors[region], data.tableName),
          usageKeys: { ensure: async (tenantId: string, plan: string) => void ensuredKeys.push(`${region} ${tenantId} ${plan}`) },
          credentials,
          ...(pools ? { pools: pools(region) } : {}),
        } satisfies MigrationRegion,
      ];
    }),
  );
  return new TenantMigration({
    regions,
    directories: directories ?? writableDirectories(),
    catalogue: TENANT_DATA_CATALOGUE,
    readManifest: manifestReader(store),
    readKind: bundleKindReader(store),
    ...(cutOverSettleMs === undefined ? {} : { cutOverSettleMs }),
  });
}

function writableDirectories(): DirectoryRepository[] {
  return LOCAL_REGIONS.map((region) => fixture.lifecycle.regions[region].local.writableDirectory());
}

/** Every region's directory copy, the second's replicate failing once: the process dies between two copies. */
function crashingAtSecondCopy(): DirectoryRepository[] {
  let crashes = 1;
  return writableDirectories().map((directory, index) => {
    if (index === 0) return directory;
    const replicate: DirectoryRepository['replicate'] = async (entry) => {
      if (crashes-- > 0) throw new Error('the process died');
      return directory.replicate(entry);
    };
    return Object.assign(Object.create(directory) as DirectoryRepository, { replicate });
  });
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
  it("moves every item to the target region, verifies the chain there, trusts the tenant's pool there, answers 421 in the old region and resumes after a crash", async () => {
    // Prepare
    const tenantId = await fixture.onboard('mg', EU);
    await fixture.live(tenantId, { agents: [{ instructions: 'move me', memories: ['one', 'two'] }], runs: [1], apiKeys: 1, members: 1 });
    const before = await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId));
    const request = { tenantId, to: US, actor: 'platform-admin:ops-1', requestId: 'migrate-1' };
    const steps: MigrationStep[] = [];
    // What the tenant's stack registers in its home region for the pool the fixture's provisioning named.
    const issuer = `https://issuer.test/${tenantId}`;
    const registration: IssuerRegistration = {
      kind: 'tenant',
      issuer,
      tenantId,
      clientIds: [`client-${tenantId}`],
      jwksUri: `${issuer}/.well-known/jwks.json`,
    };
    const registry = (region: string) => new IssuerRegistryRepository(fixture.lifecycle.inspectors[region], fixture.lifecycle.tableName);
    await registry(EU).register(registration);

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
    // The pool stays where it was made: its issuer is registered in the target too, and kept in the old region.
    for (const region of LOCAL_REGIONS) expect(await registry(region).lookup(issuer)).toEqual(registration);
    // The tenant's usage key is made sure of in the target's usage plans (its plan's), never in the old region.
    expect(ensuredKeys.filter((key) => key.includes(tenantId))).toEqual([`${US} ${tenantId} team`]);
  });

  it("marks the tenant as moving in every region, exports only once every gate's cache has seen it, and refuses a second move meanwhile", async () => {
    // Prepare
    const tenantId = await fixture.onboard('mghold', EU);
    await fixture.live(tenantId, { agents: [{ instructions: 'wait for the gates', memories: ['one'] }], runs: [], apiKeys: 0, members: 1 });
    const settleMs = 1500;
    const marked: number[] = [];
    const directories = writableDirectories().map((directory) => {
      const markMoving: DirectoryRepository['markMoving'] = async (id, move) => {
        marked.push(Date.now());
        return directory.markMoving(id, move);
      };
      return Object.assign(Object.create(directory) as DirectoryRepository, { markMoving });
    });
    const request = { tenantId, to: US, actor: 'platform-admin:ops-1', requestId: 'migrate-hold' };
    let exportedAt = 0;
    let marks: unknown[] = [];
    let second: unknown;
    let listed: { tenantId: string }[] = [];
    let swept: { tenantId: string }[] = [];

    // Act
    await migrationWith(fixture.store, directories, undefined, settleMs).migrate(request, async (step) => {
      if (step !== 'exported') return;
      exportedAt = Date.now();
      marks = await Promise.all(LOCAL_REGIONS.map(async (region) => (await fixture.lifecycle.regions[region].local.directory.get(tenantId))?.moving));
      second = await migrationWith(fixture.store)
        .migrate({ ...request, requestId: 'migrate-again', exportId: 'another-move' })
        .catch((error: unknown) => error);
      listed = await regionTenants(fixture.lifecycle.config(EU))();
      swept = await regionTenants(fixture.lifecycle.config(EU), { changing: true })();
    });

    // Assess
    expect(marked).toHaveLength(LOCAL_REGIONS.length);
    expect(exportedAt - Math.max(...marked)).toBeGreaterThanOrEqual(settleMs - 50);
    expect(marks).toEqual(LOCAL_REGIONS.map(() => ({ to: US, exportId: expect.stringMatching(/^migration-to-us-east-1-/), since: expect.any(String) })));
    expect(second).toBeInstanceOf(ConflictError);
    // The region still lists the tenant, but the jobs that write (the retention sweep) pass it by.
    expect(listed.map((tenant) => tenant.tenantId)).toContain(tenantId);
    expect(swept.map((tenant) => tenant.tenantId)).not.toContain(tenantId);
    for (const region of LOCAL_REGIONS) {
      expect(await fixture.lifecycle.regions[region].local.directory.get(tenantId)).toEqual(expect.not.objectContaining({ moving: expect.anything() }));
    }
  });

  it('carries what the old region metered after the export into the new counters, once, through a crash before the purge', async () => {
    // Prepare: a month of usage counted before the move
    const tenantId = await fixture.onboard('mgcount', EU);
    await fixture.live(tenantId, { agents: [{ instructions: 'count me', memories: [] }], runs: [], apiKeys: 0, members: 1 });
    const month = new Date().toISOString().slice(0, 7);
    // An hour no request of the test is metered in: its item is new after the export.
    const hour = new Date(Date.now() - 3 * 3_600_000).toISOString().slice(0, 13);
    const expiresAt = Math.floor(Date.now() / 1000) + 7 * 86_400;
    const dbOf = (region: string) => fixture.lifecycle.regions[region].local.db(tenantId);
    const add = (requests: number) =>
      dbOf(EU).send(
        new UpdateCommand({
          TableName: fixture.lifecycle.tableName,
          Key: keys.usagePeriod(tenantId, month),
          UpdateExpression: 'ADD requests :n, readUnits :n',
          ExpressionAttributeValues: { ':n': requests },
        }),
      );
    await add(10);
    const request = { tenantId, to: US, actor: 'platform-admin:ops-1', requestId: 'migrate-counts', exportId: `counts-${tenantId}` };
    const read = async (region: string, key: { pk: string; sk: string }) =>
      (await dbOf(region).send(new GetCommand({ TableName: fixture.lifecycle.tableName, Key: key }))).Item;
    let counted: Record<string, unknown> | undefined;

    // Act: reads metered in the old region after the export (a month's counters grow, an hour's item is new), then a
    // crash after the counts were carried, before the purge, and the move run again
    const crashed = await migrationWith(fixture.store, undefined, undefined, undefined, { purgesBeforeCrash: 0 })
      .migrate(request, async (step) => {
        if (step === 'exported') {
          await add(3);
          const healthItem = { ...keys.tenantHealthHour(tenantId, hour), requests: 2, [TABLE_SCHEMA.ttlAttribute]: expiresAt };
          await dbOf(EU).send(new PutCommand({ TableName: fixture.lifecycle.tableName, Item: healthItem }));
        }
        if (step === 'cut-over') counted = await read(EU, keys.usagePeriod(tenantId, month));
      })
      .catch((error: unknown) => error);
    await migrationWith(fixture.store).migrate(request);

    // Assess
    expect(crashed).toEqual(new Error('the process died'));
    // As the old region counted them when it let go (the metered requests of the test's own calls come on top of ours)
    expect(counted).toMatchObject({ readUnits: 13 });
    expect(await read(US, keys.usagePeriod(tenantId, month))).toMatchObject({ requests: counted?.requests, readUnits: 13 });
    expect(await read(US, keys.tenantHealthHour(tenantId, hour))).toMatchObject({ requests: 2, [TABLE_SCHEMA.ttlAttribute]: expiresAt });
    const moved = await fixture.lifecycle.scanPrefix(US, tenantPrefix(tenantId));
    expect(moved.filter((item) => item.action === 'tenant.counts-carried')).toHaveLength(1);
  });

  it('finishes a cut-over that crashed between two directory copies: every copy names the target, one tenant.migrated entry', async () => {
    // Prepare
    const tenantId = await fixture.onboard('mgcut', EU);
    await fixture.live(tenantId, { agents: [{ instructions: 'cut me over', memories: ['one'] }], runs: [], apiKeys: 0, members: 1 });
    const request = { tenantId, to: US, actor: 'platform-admin:ops-1', requestId: 'migrate-cut' };
    const directory = (region: string) => fixture.lifecycle.regions[region].local.directory;

    // Act
    const crashed = await migrationWith(fixture.store, crashingAtSecondCopy())
      .migrate(request)
      .catch((error: unknown) => error);
    const midway = await Promise.all(LOCAL_REGIONS.map(async (region) => (await directory(region).get(tenantId))?.region));
    const steps: MigrationStep[] = [];
    await migrationWith(fixture.store).migrate(request, (step) => void steps.push(step));
    const audited = await fixture.lifecycle.scanPrefix(US, tenantPrefix(tenantId));

    // Assess: the first attempt moved the first copy only; the resumed one finished the others and audited the move once.
    expect(crashed).toEqual(new Error('the process died'));
    expect(midway).toEqual([US, EU]);
    expect(steps).toEqual(['exported', 'imported', 'verified', 'cut-over', 'purged']);
    for (const region of LOCAL_REGIONS) expect(await directory(region).get(tenantId)).toMatchObject({ region: US });
    expect(audited.find((item) => item.sk === 'PROFILE')).toMatchObject({ region: US });
    expect(audited.filter((item) => item.action === 'tenant.migrated')).toHaveLength(1);
    expect(await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId))).toEqual([]);
  });

  it("moves the tenant's users to its pool in the target, each member linked to its copy, and resumes after a crash in the middle", async () => {
    // Prepare
    const tenantId = await fixture.onboard('mgpool', EU);
    await fixture.live(tenantId, { agents: [{ instructions: 'pooled', memories: [] }], runs: [], apiKeys: 0, members: 3 });
    const oldPool = `${EU}_${tenantId}`;
    const newPool = `${US}_moved-${tenantId}`;
    const { users: pools } = fixture.lifecycle.adapters;
    const before = [...pools.usersOf(oldPool).values()].map(({ email, sub, enabled, groups }) => ({ email, sub, enabled, roles: [...groups] }));
    const members = (region: string) => new MemberRepository(fixture.lifecycle.regions[region].local.db, fixture.lifecycle.tableName);
    const request = { tenantId, to: US, actor: 'platform-admin:ops-1', requestId: 'migrate-pool' };
    const registry = (region: string) => new IssuerRegistryRepository(fixture.lifecycle.inspectors[region], fixture.lifecycle.tableName);

    // Act
    const crashed = await migrationWith(fixture.store, undefined, (region) => poolsOf(region, { copiesBeforeCrash: 1 }))
      .migrate(request)
      .catch((error: unknown) => error);
    const midway = pools.usersOf(newPool).size;
    await migrationWith(fixture.store, undefined, (region) => poolsOf(region)).migrate(request);
    const copies = [...pools.usersOf(newPool).values()];
    const linked = await Promise.all(copies.map(async (copy) => ({ email: copy.email, member: await members(US).findBySub(tenantId, copy.sub) })));
    const oldLinks = await Promise.all(before.map((user) => members(US).findBySub(tenantId, user.sub)));
    const entries = await Promise.all(LOCAL_REGIONS.map((region) => fixture.lifecycle.regions[region].local.directory.get(tenantId)));
    const audited = await fixture.lifecycle.scanPrefix(US, tenantPrefix(tenantId));

    // Assess: the members (the former member's user is no member: not carried) are linked to their copies only.
    expect(crashed).toEqual(new Error('the process died'));
    expect(midway).toBe(1);
    const kept = before.filter((user) => user.enabled);
    expect(kept).toHaveLength(3);
    expect(copies.map(({ email, enabled, groups }) => ({ email, enabled, roles: [...groups] })).sort((a, b) => a.email.localeCompare(b.email))).toEqual(
      kept.map(({ email, enabled, roles }) => ({ email, enabled, roles })).sort((a, b) => a.email.localeCompare(b.email)),
    );
    for (const { email, member } of linked) expect(member).toMatchObject({ email, sub: expect.any(String) });
    expect(oldLinks).toEqual(before.map(() => undefined));
    expect(pools.usersOf(oldPool).size).toBe(0);
    for (const entry of entries) {
      expect(entry).toMatchObject({ region: US, auth: { userPoolId: newPool, clientId: `client-${US}-${tenantId}`, region: US } });
    }
    for (const region of LOCAL_REGIONS) expect(await registry(region).lookup(`https://issuer.test/${US}/${tenantId}`)).toMatchObject({ tenantId });
    expect(audited.filter((item) => item.action === 'user.pool-moved')).toHaveLength(3);
  });
});
