import * as z from '../core/zod';
import { fixedPartitions, inNestedPartition, writeBackAsIs, type DataKind } from './data-kind';
import { IDEMPOTENCY_SHARDS, type NestedParent } from './keys';
import * as keys from './table-keys';
import type { ItemWrite } from './mutation.executor';

/** Idempotency-Key records with the stored response, by key hash in 16 partitions; TTL removes them after a day. */
export const idempotencyRecordKind: DataKind = {
  name: 'idempotency-record',
  retention: 'operational',
  schema: z.object({ fingerprint: z.string(), response: z.string(), requestId: z.string(), expiresAt: z.int() }),
  accessPatterns: [{ name: 'get by key hash (replay)' }],
  partitions: async (tenantId) => IDEMPOTENCY_SHARDS.map((shard) => keys.idempotencyPartition(tenantId, shard)),
  owns: (key, tenantId) => inNestedPartition(key, tenantId, keys.idempotencyPartition),
  writeBack: writeBackAsIs,
  crossTenant: 'omit',
};

/** The registry of nested partitions (an agent's memories, a workflow's runs), so purge finds those of deleted parents. */
export const nestedPartitionKind: DataKind = {
  name: 'nested-partition',
  retention: 'operational',
  schema: z.object({}),
  accessPatterns: [{ name: 'list the partitions named by a parent' }],
  partitions: fixedPartitions(keys.nestedPartitions),
  owns: (key, tenantId) => key.pk === keys.nestedPartitions(tenantId),
  writeBack: writeBackAsIs,
  crossTenant: 'omit',
};

/** The write that registers a parent's nested partition; part of the transaction that makes the parent. */
export function registerNestedPartition(tenantId: string, parent: NestedParent, parentId: string): ItemWrite {
  return { put: { Item: { ...keys.nestedPartition(tenantId, parent, parentId) } } };
}
