import * as z from '../core/zod';
import { childPartitions, inNestedPartition, writeBackAsIs, type DataKind } from '../data/data-kind';
import * as keys from '../data/table-keys';
import { TABLE_SCHEMA } from '../data/table.schema';
import { memoryExpiry } from './memory.expiry';
import { quotaCounters } from '../quotas/quota.counters';
import { memoryBytes, memorySchema, type Memory } from './memory.schema';

/** The partitions of every agent's memories, those of deleted agents included. */
const memoryPartitions = childPartitions('AGENT', keys.agentPartition, keys.memoryPartition);

/** Memories as stored: the expiry is the table's TTL attribute, in epoch seconds. */
const storedMemorySchema = z.extend(z.omit(memorySchema, { expiresAt: true }), { [TABLE_SCHEMA.ttlAttribute]: z.optional(z.int()) });

/** Agent memories, a partition per agent; expired ones are removed by the table's TTL. */
export const memoryKind: DataKind = {
  ...memoryExpiry,
  schema: storedMemorySchema,
  accessPatterns: [{ name: 'get by agent and memory id' }, { name: "list an agent's memories newest first or by time range" }],
  partitions: memoryPartitions,
  writeBack: writeBackAsIs,
  crossTenant: {
    quota: (tenantId, item) => ({ counter: quotaCounters.memories(tenantId, String(item.agentId)), delta: 1, bytes: memoryBytes(item as unknown as Memory) }),
    parent: { kind: 'agent', key: (tenantId, item) => keys.agent(tenantId, String(item.agentId)) },
  },
};

/** The memory quota counter of one agent, in the agent's memory partition. */
export const memoryCounterKind: DataKind = {
  name: 'memory-counter',
  retention: 'operational',
  schema: z.object({ count: z.int(), bytes: z.optional(z.int()) }),
  accessPatterns: [{ name: "check and count an agent's memories in the write" }],
  partitions: memoryPartitions,
  owns: (key, tenantId) => inNestedPartition(key, tenantId, keys.memoryPartition) && key.sk === keys.memoryCounter(tenantId, 'any').sk,
  writeBack: writeBackAsIs,
  crossTenant: 'omit',
};
