import { inNestedPartition, type ExpiryRule } from '../data/data-kind';
import * as keys from '../data/table-keys';

/** Runs expire by their class's period (the retention sweep deletes those past it). */
export const runExpiry: ExpiryRule = {
  name: 'run',
  retention: 'content',
  expiry: 'sweep',
  owns: (key, tenantId) => inNestedPartition(key, tenantId, keys.runPartition) && key.sk.startsWith(keys.runSortKeyPrefix()),
};
