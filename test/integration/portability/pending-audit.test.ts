import { AuditRepository } from '../../../functions/audit/audit.repository';
import { CursorCodec } from '../../../functions/data/cursor';
import { tenantPrefix } from '../../../functions/data/keys';
import * as keys from '../../../functions/data/table-keys';
import { bundlePrefix } from '../../../functions/portability/tenant-export';
import { TENANT_DATA_CATALOGUE } from '../../../functions/tenant-data.catalogue';
import { TenantPurge } from '../../../functions/tenants/tenant-purge';
import { LOCAL_REGIONS } from '../../../local/platform.config';
import { createPortabilityFixture, type PortabilityFixture } from './portability-fixture';

/**
 * Audit entries not sealed when a tenant is exported travel in the bundle as pending entries (the export writes
 * nothing, so it also reads a restore point): the import seals them after the bundle's chain, with its own entry.
 */
const [EU] = LOCAL_REGIONS;
let fixture: PortabilityFixture;

beforeAll(async () => {
  fixture = await createPortabilityFixture('pending-audit');
});

afterAll(async () => {
  await fixture?.dispose();
});

it('exports unsealed entries as pending and the import seals them after the chain', async () => {
  // Prepare: a sealed history, then changes whose entries are still pending.
  const { db, tableName, mutations } = fixture.lifecycle.regions[EU].local;
  const tenantId = await fixture.onboard('pa');
  await fixture.live(tenantId, { agents: [{ instructions: 'x', memories: ['m'] }], runs: [], apiKeys: 0, members: 0 });
  const event = (i: number) => ({ actor: 'user:u', action: 'agent.update', target: `agent/a${i}`, requestId: `late-${i}`, change: { i } });
  const late = [await mutations.record(tenantId, event(1)), await mutations.record(tenantId, event(2))];
  const audit = () => new AuditRepository({ db: db(tenantId), tableName, tenantId, cursors: new CursorCodec('pending-audit-test-cursor-secret-32c') });
  const before = await audit().verify();

  // Act
  const manifest = await fixture.exporter(EU).export({ tenantId, exportId: 'pending', createdBy: 'user:u-admin' });
  await new TenantPurge(db, tableName, TENANT_DATA_CATALOGUE).purge(tenantId);
  await fixture.importer(EU).import({ tenantId, bundlePrefix: bundlePrefix(tenantId, 'pending'), actor: 'platform-admin:ops-1', requestId: 'import-pending' });
  const after = await audit().verify();
  const items = await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId));

  // Assess: the bundle held the two pending entries; after the import they and the import's entry are sealed.
  expect(before).toMatchObject({ valid: true, unsealed: { entries: 2 } });
  expect(manifest.auditChain).toEqual([expect.objectContaining({ lane: 0, seq: before.entries })]);
  expect(after).toMatchObject({ valid: true, entries: before.entries + 3, unsealed: { entries: 0 } });
  const sealedIds = items.filter((item) => item.pk === keys.auditLanePartition(tenantId, 0)).map((item) => item.id);
  expect(sealedIds).toEqual(expect.arrayContaining(late.map((entry) => entry.id)));
  expect(items.filter((item) => item.pk === keys.auditPendingPartition(tenantId))).toEqual([]);
});
