import { fixedPartitions, writeBackAsIs, type DataKind } from '../data/data-kind';
import * as keys from '../data/table-keys';
import { registerNestedPartition } from '../data/operational.kind';
import { quotaCounters } from '../quotas/quota.counters';
import { agentBytes, agentSchema, type Agent } from './agent.schema';

/** Agents: one partition per tenant sorted by id, listed newest first on the byCollection index. */
export const agentKind: DataKind = {
  name: 'agent',
  retention: 'content',
  schema: agentSchema,
  accessPatterns: [{ name: 'get by agent id' }, { name: 'list by id' }, { name: 'list newest first', index: 'byCollection' }],
  partitions: fixedPartitions(keys.agentPartition),
  owns: (key, tenantId) => key.pk === keys.agentPartition(tenantId),
  writeBack: writeBackAsIs,
  crossTenant: {
    quota: (tenantId, item) => ({ counter: quotaCounters.agents(tenantId), delta: 1, bytes: agentBytes(item as unknown as Agent) }),
    alongside: (tenantId, item) => [registerNestedPartition(tenantId, 'AGENT', String(item.agentId))],
  },
};
