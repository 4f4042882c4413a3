import * as z from 'zod';
import { fixedPartitions, writeBackAsIs, type DataKind } from '../data/data-kind';
import { keys } from '../data/keys';
import { MAX_AUDIT_LANES } from '../data/mutation.executor';
import { auditEntrySchema } from './audit.schema';

const LANES = Array.from({ length: MAX_AUDIT_LANES }, (_, lane) => lane);
const lanePartitions = (tenantId: string) => LANES.map((lane) => keys.auditLanePartition(tenantId, lane));

/** Entries of the tenant's hash-chained audit log, a partition per lane, listed by time on the byCollection index. */
export const auditEntryKind: DataKind = {
  name: 'audit-entry',
  retention: 'audit',
  schema: auditEntrySchema,
  accessPatterns: [{ name: 'verify a lane in chain order' }, { name: 'list by time', index: 'byCollection' }],
  partitions: async (tenantId) => lanePartitions(tenantId),
  owns: (key, tenantId) => lanePartitions(tenantId).includes(key.pk),
  writeBack: writeBackAsIs,
};

/** The head of each audit lane: the last entry's seq and hash, advanced conditionally by every mutation. */
export const auditHeadKind: DataKind = {
  name: 'audit-head',
  retention: 'audit',
  schema: z.object({ lane: z.number().int(), seq: z.number().int(), hash: z.string(), time: z.string() }),
  accessPatterns: [{ name: 'read the head of a lane' }, { name: 'find every lane (verify)' }],
  partitions: fixedPartitions(keys.auditHeadPartition),
  owns: (key, tenantId) => key.pk === keys.auditHeadPartition(tenantId),
  writeBack: writeBackAsIs,
};
