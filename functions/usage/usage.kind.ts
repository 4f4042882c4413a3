import * as z from '../core/zod';
import { fixedPartitions, writeBackAsIs, type DataKind } from '../data/data-kind';
import * as keys from '../data/table-keys';

const usagePartition = (tenantId: string) => keys.usagePeriod(tenantId, 'ANY').pk;

/** Metered usage of a month (requests, tokens, requests per day): what invoices are made from. */
export const usagePeriodKind: DataKind = {
  name: 'usage-period',
  retention: 'billing',
  schema: z.looseObject({ requests: z.optional(z.number()), tokens: z.optional(z.number()) }),
  accessPatterns: [{ name: 'report a month' }],
  partitions: fixedPartitions(usagePartition),
  owns: (key, tenantId) => key.pk === usagePartition(tenantId),
  writeBack: writeBackAsIs,
  crossTenant: 'omit',
  metered: true,
};
