import * as z from '../core/zod';
import { fixedPartitions, writeBackAsIs, type DataKind } from '../data/data-kind';
import * as keys from '../data/table-keys';
import { TABLE_SCHEMA } from '../data/table.schema';

/** Hourly health counters of a tenant (requests, errors, latency histogram, throttles, quota refusals), kept a week by TTL. */
export const tenantHealthHourKind: DataKind = {
  name: 'tenant-health-hour',
  retention: 'operational',
  schema: z.looseObject({ requests: z.optional(z.number()), [TABLE_SCHEMA.ttlAttribute]: z.int() }),
  accessPatterns: [{ name: 'read the last 24 hours' }],
  partitions: fixedPartitions(keys.tenantHealthPartition),
  owns: (key, tenantId) => key.pk === keys.tenantHealthPartition(tenantId),
  writeBack: writeBackAsIs,
  crossTenant: 'omit',
  metered: true,
};
