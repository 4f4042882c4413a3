import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { credentialStoreOf } from '../../../functions/api/credential-store.dependencies';
import { createHandler as createJobConsumer } from '../../../functions/api/job-consumer';
import { migrationJobsOf } from '../../../functions/api/migration.dependencies';
import { migrationsOf, tenantMigrationOf } from '../../../functions/api/tenant-migration.dependencies';
import { createHandler as createPortabilityHandler } from '../../../functions/api/portability';
import { portabilityJobsOf } from '../../../functions/api/portability.dependencies';
import type { RuntimeConfig } from '../../../functions/api/runtime-config';
import { AuditRepository } from '../../../functions/audit/audit.repository';
import { ConflictError } from '../../../functions/core/errors';
import { createLogger } from '../../../functions/core/logger';
import { IssuerRegistryRepository } from '../../../functions/identity/issuer-registry.repository';
import { CursorCodec } from '../../../functions/data/cursor';
import { platformKey, tenantPrefix } from '../../../functions/data/keys';
import * as keys from '../../../functions/data/table-keys';
import type { JobMessage } from '../../../functions/portability/job.queue';
import type { CredentialSecretStore } from '../../../functions/governance/credential-store';
import { MIGRATION_RECORD_DAYS, MigrationJobRepository } from '../../../functions/portability/migration-job.kind';
import type { MigrationStep, TenantMigration } from '../../../functions/portability/tenant-migration';
import { LOCAL_REGIONS } from '../../../local/platform.config';
import { migrateLocalTenant } from '../../../local/tenant-migrate';
import { tenantAdmin } from '../../support/resources';
import { BUCKET, createPortabilityFixture, jobQueueEvent, PLATFORM_ADMIN, routeCaller, type PortabilityFixture } from './portability-fixture';

/**
 * Tenant migrations through the API: the portability group's real handler in each region (API Gateway REST events)
 * and the real job consumer, over DynamoDB Local's two regions and the S3-compatible server. A start answers 202 with
 * a QUEUED job; the consumer runs the same TenantMigration as the CLI; the old region then answers 421 naming the new
 * one, where the record shows SUCCEEDED with the items per kind, every item and a verifying chain. Bad starts get
 * 4xx problems and write nothing; a crash at a step is resumed by the message's next delivery.
 */

const [EU, US] = LOCAL_REGIONS;
const MIGRATIONS = '/v1/tenants/{tenantId}/migrations';
const MIGRATION = '/v1/tenants/{tenantId}/migrations/{migrationId}';
const RETENTION = '/v1/tenants/{tenantId}/retention';
const BUNDLE_SECRET = 'migration-api-test-signing-secret-32-characters';

let fixture: PortabilityFixture;
const sent: JobMessage[] = [];
const queue = { enqueue: async (message: JobMessage) => void sent.push(message) };
let handlers: Record<string, ReturnType<typeof createPortabilityHandler>>;

/** A region's function configuration: the fixture's, with the bundles in one bucket and no directory cache. */
function configOf(region: string): RuntimeConfig {
  return {
    ...fixture.lifecycle.config(region),
    EXPORT_BUCKET: BUCKET,
    EXPORT_BUCKETS: { [EU]: BUCKET, [US]: BUCKET },
    S3_ENDPOINT: fixture.s3.endpoint,
    BUNDLE_SECRET,
    DIRECTORY_CACHE_SECONDS: 0,
  };
}

/** The job consumer of a region (EU unless told), running migrations with `migrationOf` when given. */
function consumerOf(migrationOf?: (to: string) => Pick<TenantMigration, 'migrate' | 'abandon'>, region: string = EU) {
  const config = configOf(region);
  const logger = createLogger('migration-api', 'ERROR');
  return createJobConsumer(config, {
    logger,
    jobs: portabilityJobsOf(config),
    migrations: migrationJobsOf(config, queue, migrationOf ?? migrationsOf(config)),
  });
}

beforeAll(async () => {
  fixture = await createPortabilityFixture('migration-api');
  handlers = Object.fromEntries(
    LOCAL_REGIONS.map((region) => {
      const config = configOf(region);
      return [region, createPortabilityHandler(config, undefined, portabilityJobsOf(config), migrationJobsOf(config, queue))];
    }),
  );
}, 60_000);

afterAll(async () => {
  await fixture?.dispose();
});

/** A call of `region`'s portability group (a platform admin's unless another principal is given). */
const call = (region: string, ...args: Parameters<ReturnType<typeof routeCaller>>) => callers[region](...args);
const callers = Object.fromEntries(
  LOCAL_REGIONS.map((region) => [
    region,
    routeCaller(
      () => handlers[region],
      `migration-req-${region}`,
      () => PLATFORM_ADMIN,
    ),
  ]),
);

/** Delivers the messages sent so far to `consumer`, as the queue's event source would (delivery `receiveCount`). */
function deliver(consumer: ReturnType<typeof consumerOf>, messages: readonly JobMessage[], receiveCount = 1) {
  return consumer(jobQueueEvent(messages, receiveCount));
}

const sortedKeys = (items: readonly Record<string, unknown>[]) => items.map((item) => `${item.pk} ${item.sk}`).sort();
const migrationRecords = (region: string, tenantId: string) => fixture.lifecycle.scanPrefix(region, platformKey('MIGRATION', tenantId));

/** What the operators' CLI reaches of the fixture: its tables, bundle store and key, credential store. */
function cliAccess() {
  return {
    dynamoDbEndpoint: String(fixture.lifecycle.config(EU).DYNAMODB_ENDPOINT),
    s3Endpoint: fixture.s3.endpoint,
    bundleSecret: BUNDLE_SECRET,
    tableName: fixture.lifecycle.tableName,
    credentialStoreDir: String(fixture.lifecycle.config(EU).CREDENTIAL_STORE_DIR),
    bucketOf: () => BUCKET,
  };
}

async function verifyChain(region: string, tenantId: string) {
  const { db, tableName } = fixture.lifecycle.regions[region].local;
  const cursors = new CursorCodec('migration-api-test-cursor-secret-32-chars');
  return new AuditRepository({ db: db(tenantId), tableName, tenantId, cursors, lanes: 1 }).verify();
}

describe('tenant migration through the API', () => {
  it('migrates a tenant from eu-central-1 to us-east-1: 202, SUCCEEDED in the target with items per kind, 421 in the old region', async () => {
    // Prepare
    const tenantId = await fixture.onboard('mapi', EU);
    await fixture.live(tenantId, { agents: [{ instructions: 'move me', memories: ['one', 'two'] }], runs: [1], apiKeys: 1, members: 1 });
    const before = await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId));

    // Act
    const started = await call(EU, 'POST', MIGRATIONS, { tenantId }, { body: { to: US } });
    const queued = await call(EU, 'GET', MIGRATION, { tenantId, migrationId: started.json.migrationId });
    const failures = await deliver(consumerOf(), sent.splice(0));
    const oldRegion = await call(EU, 'GET', MIGRATION, { tenantId, migrationId: started.json.migrationId });
    const done = await call(US, 'GET', MIGRATION, { tenantId, migrationId: started.json.migrationId });
    const moved = await fixture.lifecycle.scanPrefix(US, tenantPrefix(tenantId));

    // Assess
    expect(started.statusCode).toBe(202);
    expect(started.json).toMatchObject({ tenantId, from: EU, to: US, state: 'QUEUED', attempts: 0 });
    expect(started.headers?.location).toBe(`/v1/tenants/${tenantId}/migrations/${started.json.migrationId}`);
    expect(queued.json.state).toBe('QUEUED');
    expect(failures.batchItemFailures).toEqual([]);
    expect(oldRegion.statusCode).toBe(421);
    expect(oldRegion.json).toMatchObject({ code: 'wrong-region', region: US, endpoint: `https://${US}.api.test` });
    expect(done.statusCode).toBe(200);
    expect(done.json).toMatchObject({ state: 'SUCCEEDED', step: 'purged', attempts: 1, errors: [] });
    expect(done.json.exported.find((entry: { kind: string }) => entry.kind === 'agent')).toMatchObject({ items: 1 });
    expect(done.json.imported.find((entry: { kind: string }) => entry.kind === 'agent')).toMatchObject({ items: 1 });
    expect(sortedKeys(moved)).toEqual(expect.arrayContaining(sortedKeys(before)));
    expect(await verifyChain(US, tenantId)).toMatchObject({ valid: true });
    expect(moved.map((item) => item.action)).toEqual(expect.arrayContaining(['tenant.migrate', 'tenant.migrated']));
    expect(await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId))).toEqual([]);
    expect((await migrationRecords(EU, tenantId)).map((item) => item.sk)).not.toContain('ACTIVE');
    // The tenant's pool (made in the old region) is trusted in the target, through its issuer registry role.
    const issuer = `https://issuer.test/${tenantId}`;
    expect(await new IssuerRegistryRepository(fixture.lifecycle.inspectors[US], fixture.lifecycle.tableName).lookup(issuer)).toEqual({
      kind: 'tenant',
      issuer,
      tenantId,
      clientIds: [`client-${tenantId}`],
      jwksUri: `${issuer}/.well-known/jwks.json`,
    });
  });

  it("gives a finished migration's records a lifetime, and the offboarding purge removes them in the tenant's region", async () => {
    // Prepare
    const tenantId = await fixture.onboard('mttl', EU);
    const started = await call(EU, 'POST', MIGRATIONS, { tenantId }, { body: { to: US }, headers: { 'Idempotency-Key': `ttl-${tenantId}` } });
    await deliver(consumerOf(), sent.splice(0));
    const done = await call(US, 'GET', MIGRATION, { tenantId, migrationId: started.json.migrationId });
    const lifetimes = async (region: string) =>
      (await migrationRecords(region, tenantId)).map((item) => [String(item.sk).split('#')[0], item.expiresAt]).sort();
    const finished = { [EU]: await lifetimes(EU), [US]: await lifetimes(US) };
    const { lifecycle } = fixture.lifecycle.regions[EU];

    // Act
    await lifecycle.offboard({ tenantId, actor: 'platform-admin:ops-1', requestId: `offboard-${tenantId}` });
    await lifecycle.complete({ kind: 'offboardingCompleted', detail: { tenantId } }, `offboarded-${tenantId}`);

    // Assess: every record expires MIGRATION_RECORD_DAYS after the end; the tenant's region keeps none of them
    const expiresAt = Math.floor(Date.parse(done.json.updatedAt) / 1000) + MIGRATION_RECORD_DAYS * 86_400;
    expect(done.json.state).toBe('SUCCEEDED');
    expect(finished[EU]).toEqual([
      ['IDEMPOTENCY', expiresAt],
      ['MIGRATION', expiresAt],
    ]);
    expect(finished[US]).toEqual([['MIGRATION', expiresAt]]);
    expect(await migrationRecords(US, tenantId)).toEqual([]);
    expect(await fixture.lifecycle.scanPrefix(US, tenantPrefix(tenantId))).toEqual([]);
    // The old region's copy is left to its lifetime: that region no longer homes the tenant, its purge never runs there.
    expect(await lifetimes(EU)).toEqual(finished[EU]);
  });

  it("moves the tenant's credential secrets to the target's store and deletes them from the source's, never through the bundle", async () => {
    // Prepare: a registered credential (rotated, its previous version still kept) and an orphan secret no item names
    const tenantId = await fixture.onboard('msecret', EU);
    await fixture.live(tenantId, { agents: [], runs: [], apiKeys: 0, members: 1 });
    const stores: Record<string, CredentialSecretStore> = { [EU]: credentialStoreOf(configOf(EU)), [US]: credentialStoreOf(configOf(US)) };
    const ids = (await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId)))
      .filter((item) => String(item.sk).startsWith('CREDENTIAL'))
      .map((item) => String(item.credentialId));
    const registered = await stores[EU].read(tenantId, ids[0]);
    await stores[EU].put(tenantId, ids[0], 'rotated-secret-value-0123456789');
    await stores[EU].put(tenantId, 'orphan1', 'orphan-secret-value');
    const readAll = (region: string, credentialIds: readonly string[]) => Promise.all(credentialIds.map((id) => stores[region].read(tenantId, id)));
    const values = (stored: Awaited<ReturnType<typeof readAll>>) => stored.map((secret) => secret && [secret.current.value, secret.previous?.value]);

    // Act
    const started = await call(EU, 'POST', MIGRATIONS, { tenantId }, { body: { to: US } });
    await deliver(consumerOf(), sent.splice(0));
    const done = await call(US, 'GET', MIGRATION, { tenantId, migrationId: started.json.migrationId });
    const bundle = await fixture.s3Client.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `tenants/${tenantId}/exports/migration-${started.json.migrationId}/` }),
    );
    const files = await Promise.all((bundle.Contents ?? []).map(async ({ Key }) => (await fixture.store.get(String(Key))).body.toArray()));
    const bundleText = Buffer.concat(files.flat() as Buffer[]).toString('utf8');

    // Assess
    const original = registered?.current.value ?? '';
    expect(done.json.state).toBe('SUCCEEDED');
    expect(ids).toHaveLength(1);
    expect(values(await readAll(US, ids))).toEqual([['rotated-secret-value-0123456789', original]]);
    expect(await readAll(US, ['orphan1'])).toEqual([undefined]);
    expect(await readAll(EU, [...ids, 'orphan1'])).toEqual([undefined, undefined]);
    expect(files.length).toBeGreaterThan(1);
    expect(bundleText).toContain(ids[0]);
    for (const secret of [original, 'rotated-secret-value-0123456789', 'orphan-secret-value']) expect(bundleText).not.toContain(secret);
  });

  describe('refuses bad starts with a problem and writes nothing', () => {
    let tenantId: string;
    beforeAll(async () => {
      tenantId = await fixture.onboard('mbad', EU);
    });

    it.each([
      ['a region the platform does not serve', { to: 'ap-south-1' }, 422, 'validation-failed'],
      ['a region name that is no region', { to: 'mars' }, 422, 'validation-failed'],
      ['the region the tenant already lives in', { to: EU }, 409, 'conflict'],
    ])('answers %s', async (_case, body, status, code) => {
      // Act
      const refused = await call(EU, 'POST', MIGRATIONS, { tenantId }, { body });

      // Assess
      expect(refused.statusCode).toBe(status);
      expect(refused.headers?.['content-type']).toBe('application/problem+json');
      expect(refused.json.code).toBe(code);
      expect(await migrationRecords(EU, tenantId)).toEqual([]);
      expect(sent).toEqual([]);
    });

    it('answers 404 for a tenant that does not exist', async () => {
      const refused = await call(EU, 'POST', MIGRATIONS, { tenantId: 'no-such-tenant' }, { body: { to: US } });

      expect(refused.statusCode).toBe(404);
      expect(await migrationRecords(EU, 'no-such-tenant')).toEqual([]);
    });

    it('answers 403 to a tenant admin', async () => {
      const refused = await call(EU, 'POST', MIGRATIONS, { tenantId }, { body: { to: US }, auth: tenantAdmin(tenantId) });

      expect(refused.statusCode).toBe(403);
    });

    it('answers 409 while a migration of the tenant is running, and replays a start retried with its Idempotency-Key', async () => {
      // Act
      const headers = { 'Idempotency-Key': `start-${tenantId}` };
      const first = await call(EU, 'POST', MIGRATIONS, { tenantId }, { body: { to: US }, headers });
      const retried = await call(EU, 'POST', MIGRATIONS, { tenantId }, { body: { to: US }, headers });
      const second = await call(EU, 'POST', MIGRATIONS, { tenantId }, { body: { to: US } });

      // Assess
      expect(first.statusCode).toBe(202);
      expect(retried.statusCode).toBe(202);
      expect(retried.headers?.['idempotent-replayed']).toBe('true');
      expect(retried.json.migrationId).toBe(first.json.migrationId);
      expect(second.statusCode).toBe(409);
      expect(second.json.detail).toContain('already running');
      expect(sent).toEqual([{ tenantId, migrationId: first.json.migrationId }]);
      sent.splice(0);
    });
  });

  it('lets one of several concurrent starts win and answers the others 409, never 5xx', async () => {
    // Prepare
    const tenantId = await fixture.onboard('mrace', EU);

    // Act
    const answers = await Promise.all(Array.from({ length: 5 }, () => call(EU, 'POST', MIGRATIONS, { tenantId }, { body: { to: US } })));
    const records = await migrationRecords(EU, tenantId);
    const messages = sent.splice(0);

    // Assess
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([202, 409, 409, 409, 409]);
    expect(records.filter((item) => String(item.sk).startsWith('MIGRATION'))).toHaveLength(1);
    expect(messages).toHaveLength(1);
  });

  it.each([
    ['a domain error fails it at once', () => new ConflictError('the migration lost items'), 1, 'conflict', []],
    ['an unexpected error on the last delivery fails it', () => new Error('the process died'), 3, 'internal-error', [expect.any(Object)]],
  ] as const)('%s, frees the tenant for a new start and leaves its data home', async (_case, failure, receiveCount, code, handedBack) => {
    // Prepare
    const tenantId = await fixture.onboard('mfail', EU);
    const failing = () => ({
      migrate: async () => {
        throw failure();
      },
      abandon: async () => undefined,
    });

    // Act
    const started = await call(EU, 'POST', MIGRATIONS, { tenantId }, { body: { to: US } });
    const outcome = await deliver(consumerOf(failing), sent.splice(0), receiveCount);
    const failed = await call(EU, 'GET', MIGRATION, { tenantId, migrationId: started.json.migrationId });
    const again = await call(EU, 'POST', MIGRATIONS, { tenantId }, { body: { to: US } });
    sent.splice(0);

    // Assess
    expect(outcome.batchItemFailures).toEqual(handedBack);
    expect(failed.json).toMatchObject({ state: 'FAILED', attempts: 1, errors: [{ code }] });
    expect(again.statusCode).toBe(202);
    expect(await fixture.lifecycle.regions[EU].local.directory.get(tenantId)).toMatchObject({ region: EU });
  });

  /** The migration to `to` over the test's regions, `atStep` called when a step is reached (before it is recorded). */
  const migrationAt =
    (atStep: (step: MigrationStep) => Promise<void>) =>
    (to: string): Pick<TenantMigration, 'migrate' | 'abandon'> => {
      const migration = tenantMigrationOf(configOf(EU), to);
      return {
        migrate: (request, onStep) =>
          migration.migrate(request, async (reached, items) => {
            await atStep(reached);
            await onStep?.(reached, items);
          }),
        abandon: (tenantId, exportId) => migration.abandon(tenantId, exportId),
      };
    };
  const marksOf = (tenantId: string) =>
    Promise.all(LOCAL_REGIONS.map(async (region) => (await fixture.lifecycle.regions[region].local.directory.get(tenantId))?.moving));

  it("holds the tenant's changes while it moves: the old region refuses them 503 tenant-moving with Retry-After, still answers reads and their access records move too", async () => {
    // Prepare
    const tenantId = await fixture.onboard('mheld', EU);
    await fixture.live(tenantId, { agents: [{ instructions: 'hold still', memories: ['kept'] }], runs: [], apiKeys: 0, members: 1 });
    const during: Record<string, Awaited<ReturnType<typeof call>>> = {};
    let migrationId = '';
    const probing = migrationAt(async (step) => {
      if (step !== 'exported') return;
      during.platformAdmin = await call(EU, 'PUT', RETENTION, { tenantId }, { body: {} });
      during.tenantAdmin = await call(EU, 'PUT', RETENTION, { tenantId }, { body: {}, auth: tenantAdmin(tenantId) });
      during.read = await call(EU, 'GET', MIGRATION, { tenantId, migrationId });
    });

    // Act
    const started = await call(EU, 'POST', MIGRATIONS, { tenantId }, { body: { to: US } });
    migrationId = started.json.migrationId;
    const outcome = await deliver(consumerOf(probing), sent.splice(0));
    const after = await call(US, 'PUT', RETENTION, { tenantId }, { body: {} });
    sent.splice(0);

    // Assess: nothing was written in the old region after the export; the move took everything, then let go
    expect(outcome.batchItemFailures).toEqual([]);
    for (const refused of [during.platformAdmin, during.tenantAdmin]) {
      expect(refused.statusCode).toBe(503);
      expect(refused.headers?.['retry-after']).toBe('30');
      expect(refused.json).toMatchObject({ code: 'tenant-moving', region: US });
    }
    expect(during.read.statusCode).toBe(200);
    expect(during.read.json).toMatchObject({ state: 'RUNNING', to: US });
    expect(after.statusCode).toBe(200);
    expect(await marksOf(tenantId)).toEqual([undefined, undefined]);
    // The platform admin's accesses in the old region (the start, and the read after the export) are in the new log once
    // each; the refused changes recorded none.
    const accesses = (await fixture.lifecycle.scanPrefix(US, tenantPrefix(tenantId))).filter(
      (item) => item.action === 'tenant.access' && String(item.requestId).startsWith(`migration-req-${EU}`),
    );
    expect(accesses).toHaveLength(2);
    expect(new Set(accesses.map((item) => item.requestId)).size).toBe(2);
    expect(await verifyChain(US, tenantId)).toMatchObject({ valid: true });
  });

  it('keeps the hold through a crash and gives it up when the migration fails for good before its cut-over', async () => {
    // Prepare
    const tenantId = await fixture.onboard('mgiveup', EU);
    await fixture.live(tenantId, { agents: [{ instructions: 'stay home', memories: [] }], runs: [], apiKeys: 0, members: 1 });
    const crashing = migrationAt(async (step) => {
      if (step === 'verified') throw new Error('the process died');
    });

    // Act
    await call(EU, 'POST', MIGRATIONS, { tenantId }, { body: { to: US } });
    const messages = sent.splice(0);
    const crashed = await deliver(consumerOf(crashing), messages);
    const held = await call(EU, 'PUT', RETENTION, { tenantId }, { body: {} });
    const marks = await marksOf(tenantId);
    const failed = await deliver(consumerOf(crashing), messages, 3);
    const home = await call(EU, 'PUT', RETENTION, { tenantId }, { body: {} });
    sent.splice(0);

    // Assess
    expect(crashed.batchItemFailures).toHaveLength(1);
    expect(held.statusCode).toBe(503);
    expect(marks).toEqual([expect.objectContaining({ to: US }), expect.objectContaining({ to: US })]);
    expect(failed.batchItemFailures).toHaveLength(1);
    expect(home.statusCode).toBe(200);
    expect(await marksOf(tenantId)).toEqual([undefined, undefined]);
    expect(await fixture.lifecycle.regions[EU].local.directory.get(tenantId)).toMatchObject({ region: EU });
  });

  it("refuses a run of the CLI beside the tenant's migration job, and leaves the job's hold as it is", async () => {
    // Prepare: a job that holds the tenant (crashed after its export, its message to be delivered again)
    const tenantId = await fixture.onboard('mcli', EU);
    await fixture.live(tenantId, { agents: [{ instructions: 'one mover at a time', memories: [] }], runs: [], apiKeys: 0, members: 1 });
    await call(EU, 'POST', MIGRATIONS, { tenantId }, { body: { to: US } });
    const messages = sent.splice(0);
    const crashing = migrationAt(async (step) => {
      if (step === 'exported') throw new Error('the process died');
    });
    await deliver(consumerOf(crashing), messages);
    const held = await marksOf(tenantId);

    // Act
    const refused = await migrateLocalTenant(cliAccess(), { tenantId, to: US, actor: 'platform-admin:ops-1' }, () => undefined).catch(
      (error: unknown) => error,
    );

    // Assess: refused with nothing changed; the job's next delivery finishes the move
    expect(refused).toBeInstanceOf(ConflictError);
    expect((refused as Error).message).toMatch(/is RUNNING: let it finish first/);
    expect(await marksOf(tenantId)).toEqual(held);
    expect(held).toEqual([expect.objectContaining({ to: US }), expect.objectContaining({ to: US })]);
    expect((await deliver(consumerOf(), messages, 2)).batchItemFailures).toEqual([]);
    expect(await fixture.lifecycle.regions[US].local.directory.get(tenantId)).toMatchObject({ region: US });
  });

  it('resumes a migration that crashed at a step when its message is delivered again', async () => {
    // Prepare
    const tenantId = await fixture.onboard('mcrash', EU);
    await fixture.live(tenantId, { agents: [{ instructions: 'survive a crash', memories: ['kept'] }], runs: [], apiKeys: 0, members: 1 });
    const before = await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId));
    let crashes = 1;
    const crashingAt = (step: MigrationStep) => (to: string) => ({
      migrate: (request: Parameters<TenantMigration['migrate']>[0], onStep?: Parameters<TenantMigration['migrate']>[1]) =>
        tenantMigrationOf(configOf(EU), to).migrate(request, async (reached, items) => {
          if (reached === step && crashes-- > 0) throw new Error('the process died');
          await onStep?.(reached, items);
        }),
      abandon: (tenantId: string, exportId: string) => tenantMigrationOf(configOf(EU), to).abandon(tenantId, exportId),
    });

    // Act
    const started = await call(EU, 'POST', MIGRATIONS, { tenantId }, { body: { to: US } });
    const messages = sent.splice(0);
    const consumer = consumerOf(crashingAt('cut-over'));
    const crashed = await deliver(consumer, messages);
    const afterCrash = await call(EU, 'GET', MIGRATION, { tenantId, migrationId: started.json.migrationId });
    const midway = await call(US, 'GET', MIGRATION, { tenantId, migrationId: started.json.migrationId });
    const resumed = await deliver(consumer, messages, 2);
    const done = await call(US, 'GET', MIGRATION, { tenantId, migrationId: started.json.migrationId });

    // Assess
    expect(crashed.batchItemFailures).toHaveLength(1);
    expect(afterCrash.statusCode).toBe(421);
    expect(midway.json).toMatchObject({ state: 'RUNNING', step: 'verified', attempts: 1 });
    expect(resumed.batchItemFailures).toEqual([]);
    expect(done.json).toMatchObject({ state: 'SUCCEEDED', step: 'purged', attempts: 2 });
    expect(sortedKeys(await fixture.lifecycle.scanPrefix(US, tenantPrefix(tenantId)))).toEqual(expect.arrayContaining(sortedKeys(before)));
    expect(await verifyChain(US, tenantId)).toMatchObject({ valid: true });
    expect(await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId))).toEqual([]);
  });

  /** Resumes a migration that stopped after its cut-over as an operator would: through the target's API, or by the CLI. */
  const resumers = {
    'a start sent to the target again': async (tenantId: string) => {
      const resumed = await call(US, 'POST', MIGRATIONS, { tenantId }, { body: { to: US } });
      const messages = sent.splice(0);
      const outcome = await deliver(consumerOf(undefined, US), messages);
      expect(resumed.statusCode).toBe(202);
      expect(resumed.json).toMatchObject({ from: EU, to: US, state: 'QUEUED', step: 'cut-over', errors: [] });
      expect(messages).toEqual([{ tenantId, migrationId: resumed.json.migrationId }]);
      expect(outcome.batchItemFailures).toEqual([]);
    },
    'a run of the CLI again': async (tenantId: string) => {
      await migrateLocalTenant(cliAccess(), { tenantId, to: US, actor: 'platform-admin:ops-1' }, () => undefined);
    },
  };

  it.each(Object.keys(resumers) as (keyof typeof resumers)[])(
    'resumes a migration that failed after its cut-over (a legal hold refused the purge) with %s, once the hold is lifted',
    async (resumer) => {
      // Prepare: a hold placed in the source while the migration cuts over, lifted once the migration failed
      const tenantId = await fixture.onboard('mhold', EU);
      await fixture.live(tenantId, { agents: [{ instructions: 'held back', memories: ['kept'] }], runs: [], apiKeys: 0, members: 1 });
      const before = await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId));
      const { db, tableName } = fixture.lifecycle.regions[EU].local;
      const { Item: settings } = await db(tenantId).send(new GetCommand({ TableName: tableName, Key: keys.complianceSettings(tenantId) }));
      const hold = { reason: 'litigation 9', placedAt: new Date().toISOString(), placedBy: 'platform-admin:ops-1' };
      const holdingAtCutOver = (to: string) => ({
        migrate: (request: Parameters<TenantMigration['migrate']>[0], onStep?: Parameters<TenantMigration['migrate']>[1]) =>
          tenantMigrationOf(configOf(EU), to).migrate(request, async (reached, items) => {
            if (reached === 'cut-over') await db(tenantId).send(new PutCommand({ TableName: tableName, Item: { ...settings, legalHold: hold } }));
            await onStep?.(reached, items);
          }),
        abandon: (tenantId: string, exportId: string) => tenantMigrationOf(configOf(EU), to).abandon(tenantId, exportId),
      });
      const started = await call(EU, 'POST', MIGRATIONS, { tenantId }, { body: { to: US } });
      await deliver(consumerOf(holdingAtCutOver), sent.splice(0));
      const failed = await call(US, 'GET', MIGRATION, { tenantId, migrationId: started.json.migrationId });
      await db(tenantId).send(new PutCommand({ TableName: tableName, Item: settings }));

      // Act
      await resumers[resumer](tenantId);
      const done = await call(US, 'GET', MIGRATION, { tenantId, migrationId: started.json.migrationId });
      const oldCopy = await new MigrationJobRepository(fixture.lifecycle.inspectors[EU], fixture.lifecycle.tableName).get(tenantId, started.json.migrationId);
      const again = await call(US, 'POST', MIGRATIONS, { tenantId }, { body: { to: US } });

      // Assess
      expect(failed.json).toMatchObject({ state: 'FAILED', step: 'cut-over', errors: [{ code: 'conflict' }] });
      expect(done.json).toMatchObject({ state: 'SUCCEEDED', step: 'purged', errors: [] });
      expect(oldCopy).toEqual(done.json);
      expect(await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId))).toEqual([]);
      expect(sortedKeys(await fixture.lifecycle.scanPrefix(US, tenantPrefix(tenantId)))).toEqual(expect.arrayContaining(sortedKeys(before)));
      expect(await verifyChain(US, tenantId)).toMatchObject({ valid: true });
      expect(again.statusCode).toBe(409);
    },
  );

  it('copies a finished outcome to the target again when a delivery stopped between the two copies', async () => {
    // Prepare: a migration done in the source whose target copy still says RUNNING and holds the lock.
    const tenantId = await fixture.onboard('mcopy', EU);
    const started = await call(EU, 'POST', MIGRATIONS, { tenantId }, { body: { to: US } });
    const messages = sent.splice(0);
    await deliver(consumerOf(), messages);
    const done = await call(US, 'GET', MIGRATION, { tenantId, migrationId: started.json.migrationId });
    await new MigrationJobRepository(fixture.lifecycle.inspectors[US], fixture.lifecycle.tableName).save({ ...done.json, state: 'RUNNING' });

    // Act
    const redelivered = await deliver(consumerOf(), messages, 2);
    const repaired = await call(US, 'GET', MIGRATION, { tenantId, migrationId: started.json.migrationId });

    // Assess
    expect(redelivered.batchItemFailures).toEqual([]);
    expect(repaired.json).toEqual(done.json);
    expect((await migrationRecords(US, tenantId)).map((item) => item.sk)).not.toContain('ACTIVE');
  });
});
