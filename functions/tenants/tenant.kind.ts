import * as z from '../core/zod';
import { fixedPartitions, writeBackAsIs, type DataKind } from '../data/data-kind';
import * as keys from '../data/table-keys';
import { tenantManifestSchema } from './tenant-manifest.schema';
import { tenantSchema } from './tenant.schema';

/** The tenant's own record (name, plan, branding, settings, status), in its home region. */
export const tenantRecordKind: DataKind = {
  name: 'tenant-record',
  retention: 'content',
  schema: tenantSchema,
  accessPatterns: [{ name: 'get the tenant' }, { name: 'read the plan for quota checks' }],
  partitions: fixedPartitions(keys.tenantProfilePartition),
  owns: (key, tenantId) => key.pk === keys.tenantProfile(tenantId).pk && key.sk === keys.tenantProfile(tenantId).sk,
  writeBack: writeBackAsIs,
  crossTenant: 'omit',
};

/** The manifest a tenant was onboarded with, kept for provisioning retries. */
export const tenantManifestKind: DataKind = {
  name: 'tenant-manifest',
  retention: 'operational',
  schema: z.object({ manifest: tenantManifestSchema }),
  accessPatterns: [{ name: 'get the manifest to provision again' }],
  partitions: fixedPartitions(keys.tenantProfilePartition),
  owns: (key, tenantId) => key.pk === keys.tenantManifest(tenantId).pk && key.sk === keys.tenantManifest(tenantId).sk,
  writeBack: writeBackAsIs,
  crossTenant: 'omit',
};
