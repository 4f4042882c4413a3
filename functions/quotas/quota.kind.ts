import * as z from '../core/zod';
import { fixedPartitions, writeBackAsIs, type DataKind } from '../data/data-kind';
import * as keys from '../data/table-keys';

const quotaPartition = (tenantId: string) => keys.quotaCounter(tenantId, 'ANY').pk;

/** Tenant-wide quota counters (agents, workflows, users) and monthly ones (runs), checked in every write. */
export const quotaCounterKind: DataKind = {
  name: 'quota-counter',
  retention: 'operational',
  schema: z.object({ count: z.int(), bytes: z.optional(z.int()) }),
  accessPatterns: [{ name: 'check and count in the write' }, { name: 'report usage' }],
  partitions: fixedPartitions(quotaPartition),
  owns: (key, tenantId) => key.pk === quotaPartition(tenantId),
  writeBack: writeBackAsIs,
  crossTenant: 'omit',
};
