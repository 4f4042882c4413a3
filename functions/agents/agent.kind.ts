import { fixedPartitions, writeBackAsIs, type DataKind } from '../data/data-kind';
import { keys } from '../data/keys';
import { agentSchema } from './agent.schema';

/** Agents: one partition per tenant sorted by id, listed newest first on the byCollection index. */
export const agentKind: DataKind = {
  name: 'agent',
  retention: 'content',
  schema: agentSchema,
  accessPatterns: [{ name: 'get by agent id' }, { name: 'list by id' }, { name: 'list newest first', index: 'byCollection' }],
  partitions: fixedPartitions(keys.agentPartition),
  owns: (key, tenantId) => key.pk === keys.agentPartition(tenantId),
  writeBack: writeBackAsIs,
};
