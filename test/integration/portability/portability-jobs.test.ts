import { Readable } from 'node:stream';
import type { createHandler as createJobConsumer } from '../../../functions/api/job-consumer';
import type { createHandler as createPortabilityHandler } from '../../../functions/api/portability';
import { tenantPrefix } from '../../../functions/data/keys';
import { memoryBytes } from '../../../functions/memories/memory.schema';
import { fileNameOf } from '../../../functions/portability/bundle.schema';
import { unstamped } from '../../../functions/portability/tenant-copy';
import { quotaCounters } from '../../../functions/quotas/quota.counters';
import type { JobMessage } from '../../../functions/portability/job.queue';
import { bundlePrefix } from '../../../functions/portability/tenant-export';
import { TenantPurge } from '../../../functions/tenants/tenant-purge';
import { TENANT_DATA_CATALOGUE } from '../../../functions/tenant-data.catalogue';
import { LOCAL_REGIONS } from '../../../local/platform.config';
import { member, tenantAdmin } from '../../support/resources';
import { createPortabilityFixture, PLATFORM_ADMIN, jobHandlers, jobQueueEvent, routeCaller, type PortabilityFixture } from './portability-fixture';

/**
 * The export and import job routes through the real group handler and job consumer, over DynamoDB Local and the
 * S3-compatible server: a start answers 202 with a QUEUED job and is audited, the consumer runs it with progress per
 * kind, a finished export links to its files until the links expire, an import of a tampered bundle fails with the
 * file that shows it and writes nothing, and only tenant admins (and platform admins) may start either.
 */

const [EU] = LOCAL_REGIONS;
let fixture: PortabilityFixture;
const sent: JobMessage[] = [];
let handler: ReturnType<typeof createPortabilityHandler>;
let consumer: ReturnType<typeof createJobConsumer>;
let tenantId: string;

beforeAll(async () => {
  fixture = await createPortabilityFixture('portability-jobs');
  ({ handler, consumer } = jobHandlers(fixture, sent));
  tenantId = await fixture.onboard('pj');
  await fixture.live(tenantId, { agents: [{ instructions: 'export me', memories: ['a memory'] }], runs: [1], apiKeys: 1, members: 1 });
}, 60_000);

afterAll(async () => {
  await fixture?.dispose();
});

const call = routeCaller(
  () => handler,
  'jobs-req',
  (path) => tenantAdmin(path.tenantId),
);

/** Delivers every message sent so far to the consumer, as the queue's event source would (first delivery). */
function drain() {
  return consumer(jobQueueEvent(sent.splice(0)));
}

const EXPORTS = '/v1/tenants/{tenantId}/exports';
const EXPORT = '/v1/tenants/{tenantId}/exports/{jobId}';
const IMPORTS = '/v1/tenants/{tenantId}/imports';
const IMPORT = '/v1/tenants/{tenantId}/imports/{jobId}';

async function auditActions(): Promise<string[]> {
  const items = await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId));
  return items.filter((item) => typeof item.action === 'string').map((item) => item.action as string);
}

describe('export and import jobs', () => {
  let exportId: string;

  it('starts an export with 202 and a QUEUED job, audited, and runs it to SUCCEEDED with progress per kind', async () => {
    // Act
    const started = await call('POST', EXPORTS, { tenantId });
    const failures = await drain();
    const done = await call('GET', EXPORT, { tenantId, jobId: started.json.jobId });

    // Assess
    expect(started.statusCode).toBe(202);
    expect(started.json).toMatchObject({ type: 'export', state: 'QUEUED', bundle: { tenantId } });
    expect(started.headers?.location).toBe(`/v1/tenants/${tenantId}/exports/${started.json.jobId}`);
    expect(failures.batchItemFailures).toEqual([]);
    expect(done.statusCode).toBe(200);
    expect(done.json.state).toBe('SUCCEEDED');
    expect(done.json.progress.map((entry: { kind: string }) => entry.kind)).toEqual(TENANT_DATA_CATALOGUE.map((kind) => kind.name));
    expect(done.json.progress.find((entry: { kind: string }) => entry.kind === 'agent')).toMatchObject({ items: 1, bytes: expect.any(Number) });
    expect(await auditActions()).toEqual(expect.arrayContaining(['export.start', 'export.succeed']));
    exportId = started.json.jobId;
  });

  it('links a finished export to its manifest and files, downloadable without credentials', async () => {
    // Act
    const done = await call('GET', EXPORT, { tenantId, jobId: exportId });
    const manifest = await fetch(done.json.download.manifest);
    const agents = await fetch(done.json.download.files.find((file: { kind: string }) => file.kind === 'agent').url);

    // Assess
    expect(Date.parse(done.json.download.expiresAt)).toBeGreaterThan(Date.now());
    expect(manifest.status).toBe(200);
    expect(await manifest.json()).toMatchObject({ tenantId, exportId });
    expect((await agents.text()).split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('fails the import of a tampered bundle with the file that shows it, and writes nothing', async () => {
    // Prepare: the agent file of a copy of the bundle, one byte changed.
    const copy = await call('POST', EXPORTS, { tenantId });
    await drain();
    const prefix = bundlePrefix(tenantId, copy.json.jobId);
    const { body } = await fixture.store.get(prefix + fileNameOf('agent'));
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    bytes[10] ^= 1;
    await fixture.store.put(prefix + fileNameOf('agent'), Readable.from([bytes]), 'application/x-ndjson');
    const before = await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId));

    // Act
    const started = await call('POST', IMPORTS, { tenantId }, { body: { exportId: copy.json.jobId } });
    await drain();
    const failed = await call('GET', IMPORT, { tenantId, jobId: started.json.jobId });
    const after = await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId));

    // Assess
    expect(started.statusCode).toBe(202);
    expect(failed.json).toMatchObject({ state: 'FAILED', errors: [{ code: 'validation-failed', file: fileNameOf('agent') }] });
    const changed = after.filter((item) => !before.some((old) => old.pk === item.pk && old.sk === item.sk));
    // Only the job and its audit trail: its start, its failure, their idempotency-free entries and the heads.
    expect(changed.every((item) => String(item.pk).endsWith('#JOB') || typeof item.action === 'string')).toBe(true);
  });

  it('imports a sound bundle into the purged tenant and gives back its items', async () => {
    // Prepare
    const { db, tableName } = fixture.lifecycle.regions[EU].local;
    const before = await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId));
    await new TenantPurge(db, tableName, TENANT_DATA_CATALOGUE).purge(tenantId);

    // Act
    const started = await call('POST', IMPORTS, { tenantId }, { body: { exportId } });
    await drain();
    const done = await call('GET', IMPORT, { tenantId, jobId: started.json.jobId });
    const after = await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId));

    // Assess
    expect(done.json.state).toBe('SUCCEEDED');
    expect(done.json.progress.find((entry: { kind: string }) => entry.kind === 'agent')).toMatchObject({ items: 1 });
    const agentsBefore = before.filter((item) => String(item.pk).endsWith('#AGENT'));
    expect(after.filter((item) => String(item.pk).endsWith('#AGENT'))).toEqual(agentsBefore);
    expect(await auditActions()).toEqual(expect.arrayContaining(['tenant.import', 'import.succeed']));
  });

  it('restores only the content a live tenant lacks: a change made after the bundle, before any sealing moved a head, is kept', async () => {
    // Prepare: a bundle, then changes of the tenant's whose entries are not sealed yet (no sealer runs here, so no
    // head moved): the agent renamed, its memory deleted
    const exported = await call('POST', EXPORTS, { tenantId });
    await drain();
    const { mutations } = fixture.lifecycle.regions[EU].local;
    const kindOf = (item: Record<string, unknown>) =>
      TENANT_DATA_CATALOGUE.find((kind) => kind.owns({ pk: String(item.pk), sk: String(item.sk) }, tenantId))?.name;
    const items = async () =>
      (await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId)))
        .filter((item) => !['portability-job', 'audit-entry', 'audit-head', 'idempotency-record'].includes(kindOf(item) ?? ''))
        .map(unstamped);
    const before = await items();
    const agent = before.find((item) => kindOf(item) === 'agent') as Record<string, unknown>;
    const memory = before.find((item) => kindOf(item) === 'memory') as Record<string, unknown>;
    const late = { actor: 'user:u-late', requestId: 'late-change' };
    const agentKey = { pk: agent.pk, sk: agent.sk };
    await mutations.execute({
      tenantId,
      event: { ...late, action: 'agent.update', target: `agent/${agent.agentId}`, change: { name: 'newer' } },
      writes: [
        {
          update: {
            Key: agentKey,
            UpdateExpression: 'SET #name = :name',
            ExpressionAttributeNames: { '#name': 'name' },
            ExpressionAttributeValues: { ':name': 'newer' },
          },
        },
      ],
    });
    await mutations.execute({
      tenantId,
      event: { ...late, action: 'memory.delete', target: `agent/${agent.agentId}/memory/${memory.memoryId}`, change: {} },
      writes: [{ delete: { Key: { pk: memory.pk, sk: memory.sk } } }],
      quotas: [{ counter: quotaCounters.memories(tenantId, String(agent.agentId)), delta: -1, bytes: -memoryBytes(memory as never) }],
    });

    // Act
    const started = await call('POST', IMPORTS, { tenantId }, { body: { exportId: exported.json.jobId } });
    await drain();
    const done = await call('GET', IMPORT, { tenantId, jobId: started.json.jobId });

    // Assess: the memory (and its count) came back, the newer name stayed, nothing else changed
    expect(done.json).toMatchObject({ state: 'SUCCEEDED', scope: 'missing-content' });
    expect(done.json.progress).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'memory', items: 1 }), expect.objectContaining({ kind: 'agent', items: 0 })]),
    );
    const renamed = (item: Record<string, unknown>) => (item.pk === agent.pk && item.sk === agent.sk ? { ...item, name: 'newer' } : item);
    expect(await items()).toEqual(before.map(renamed));
  });

  it('refuses an import of a bundle that does not exist with 422, and members with 403', async () => {
    // Act
    const missing = await call('POST', IMPORTS, { tenantId }, { body: { exportId: '01J00000000000000000000000' } });
    const byMember = await call('POST', EXPORTS, { tenantId }, { auth: member(tenantId) });
    const unknown = await call('GET', EXPORT, { tenantId, jobId: '01J00000000000000000000000' });

    // Assess
    expect(missing.statusCode).toBe(422);
    expect(byMember.statusCode).toBe(403);
    expect(unknown.statusCode).toBe(404);
    expect(sent).toEqual([]);
  });
});

describe('retention, legal hold and the compliance report', () => {
  const RETENTION = '/v1/tenants/{tenantId}/retention';
  const HOLD = '/v1/tenants/{tenantId}/legal-hold';

  it('reports residency, retention per class with its kinds, and a verifying audit chain', async () => {
    // Act
    const set = await call('PUT', RETENTION, { tenantId }, { body: { content: 30, audit: 3650 } });
    await drain(); // the sweep the change asked for
    const bad = await call('PUT', RETENTION, { tenantId }, { body: { content: 0 } });
    const stale = await call('PUT', RETENTION, { tenantId }, { body: { content: 7 }, headers: { 'If-Match': `"${set.json.version - 1}"` } });
    const current = await call('PUT', RETENTION, { tenantId }, { body: { content: 30, audit: 3650 }, headers: { 'If-Match': `"${set.json.version}"` } });
    const report = await call('GET', '/v1/tenants/{tenantId}/compliance', { tenantId });

    // Assess
    expect(set.statusCode).toBe(200);
    expect(bad.statusCode).toBe(422);
    // A change based on a version that is no longer current is refused; one based on the current version is taken.
    expect(stale.statusCode).toBe(412);
    expect(current.statusCode).toBe(200);
    // Every resource is home, the user pool included (provisioned in the home region).
    expect(report.json.residency).toEqual({ region: EU, zone: 'eu', outsideHomeRegion: [] });
    expect(report.json.resources).toEqual(expect.arrayContaining([expect.objectContaining({ resource: 'user-pool', region: EU })]));
    expect(report.json.retention).toEqual(
      expect.arrayContaining([
        { class: 'content', days: 30, kinds: expect.arrayContaining(['agent', 'memory']), expiring: expect.arrayContaining(['memory', 'run']) },
        // The audit period is a minimum the log always meets: no audit kind expires (the chain needs every entry).
        { class: 'audit', days: 3650, kinds: expect.arrayContaining(['audit-entry']), expiring: [] },
      ]),
    );
    expect(report.json.resources.every((resource: { region: string }) => resource.region === EU)).toBe(true);
    // The tenant's history ran a retention sweep (portability-fixture.ts).
    expect(report.json.lastRetentionSweep).toMatchObject({ held: false, sweptAt: expect.any(String) });
    expect(report.json.auditChain).toMatchObject({ valid: true });
    expect(report.json.legalHold).toBeNull();
  });

  it('lets only platform admins place a legal hold, which stops every purge until it is lifted; both audited', async () => {
    // Prepare
    const { db, tableName } = fixture.lifecycle.regions[EU].local;
    const purge = new TenantPurge(db, tableName, TENANT_DATA_CATALOGUE);

    // Act
    const byTenantAdmin = await call('PUT', HOLD, { tenantId }, { body: { reason: 'litigation 42' } });
    const expiring = (await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId))).filter((item) => item.retainedSince !== undefined);
    const placed = await call('PUT', HOLD, { tenantId }, { body: { reason: 'litigation 42' }, auth: PLATFORM_ADMIN });
    const queued = sent.some((message) => message.tenantId === tenantId && 'sweep' in message);
    await drain();
    const before = await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId));
    const refused = await purge.purge(tenantId).catch((error: unknown) => error);
    const after = await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId));
    const report = await call('GET', '/v1/tenants/{tenantId}/compliance', { tenantId });
    const lifted = await call('DELETE', HOLD, { tenantId }, { auth: PLATFORM_ADMIN });
    const again = await call('DELETE', HOLD, { tenantId }, { auth: PLATFORM_ADMIN });

    // Assess
    expect(byTenantAdmin.statusCode).toBe(403);
    expect(placed.statusCode).toBe(200);
    // The hold asked for the tenant's sweep at once: every retention TTL is off before the next scheduled sweep.
    expect(queued).toBe(true);
    expect(expiring.filter((item) => item.expiresAt !== undefined).length).toBeGreaterThan(0);
    expect(before.filter((item) => item.retainedSince !== undefined && item.expiresAt !== undefined)).toEqual([]);
    expect((refused as Error).message).toContain('legal hold');
    expect(after).toEqual(before);
    expect(report.json.legalHold).toMatchObject({ reason: 'litigation 42', placedBy: 'platform-admin:ops-1' });
    expect(lifted.statusCode).toBe(200);
    expect(again.statusCode).toBe(404);
    expect(await auditActions()).toEqual(expect.arrayContaining(['retention.set', 'legal-hold.place', 'legal-hold.lift']));
  });
});
