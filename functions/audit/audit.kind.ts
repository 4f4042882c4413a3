import * as z from '../core/zod';
import { fixedPartitions, writeBackAsIs, type DataKind } from '../data/data-kind';
import * as keys from '../data/table-keys';
import { pendingAuditEntrySchema, sealedAuditEntrySchema } from './audit.schema';

/** Most audit lanes a tenant's log can have (logs chained before sealing used up to this many): purge and export look in all. */
export const MAX_AUDIT_LANES = 64;

const LANES = Array.from({ length: MAX_AUDIT_LANES }, (_, lane) => lane);
const entryPartitions = (tenantId: string) => [...LANES.map((lane) => keys.auditLanePartition(tenantId, lane)), keys.auditPendingPartition(tenantId)];

/**
 * Entries of the tenant's hash-chained audit log: sealed ones in a partition per lane, pending ones (not linked yet)
 * in the pending partition by id; all of them listed by time on the byCollection index.
 */
export const auditEntryKind: DataKind = {
  name: 'audit-entry',
  retention: 'audit',
  schema: z.union([sealedAuditEntrySchema, pendingAuditEntrySchema]),
  accessPatterns: [{ name: 'verify a lane in chain order' }, { name: 'seal pending entries in id order' }, { name: 'list by time', index: 'byCollection' }],
  partitions: async (tenantId) => entryPartitions(tenantId),
  owns: (key, tenantId) => entryPartitions(tenantId).includes(key.pk),
  writeBack: writeBackAsIs,
  crossTenant: 'omit',
};

/** The head of each audit lane: the last sealed entry's seq and hash, advanced conditionally by the sealer. */
export const auditHeadKind: DataKind = {
  name: 'audit-head',
  retention: 'audit',
  schema: z.object({ lane: z.int(), seq: z.int(), hash: z.string(), time: z.string() }),
  accessPatterns: [{ name: 'read the head of a lane' }, { name: 'find every lane (verify)' }],
  partitions: fixedPartitions(keys.auditHeadPartition),
  owns: (key, tenantId) => key.pk === keys.auditHeadPartition(tenantId),
  writeBack: writeBackAsIs,
  crossTenant: 'omit',
};
