import { inNestedPartition, type ExpiryRule } from '../data/data-kind';
import * as keys from '../data/table-keys';

/** Agent memories expire by the table's TTL, whose removals a consumer counts out of the agent's memory counter. */
export const memoryExpiry: ExpiryRule = {
  name: 'memory',
  retention: 'content',
  expiry: 'ttl',
  owns: (key, tenantId) => inNestedPartition(key, tenantId, keys.memoryPartition) && key.sk.startsWith(keys.memorySortKeyPrefix()),
};
