import { fixedPartitions, writeBackAsIs, type DataKind } from '../data/data-kind';
import * as keys from '../data/table-keys';
import { storedApiKeySchema } from './api-key.schema';

/** API keys, active or revoked: stored hashed, read by the authorizer by the id the key carries. */
export const apiKeyKind: DataKind = {
  name: 'api-key',
  retention: 'operational',
  schema: storedApiKeySchema,
  accessPatterns: [{ name: 'get by key id (authorizer)' }, { name: 'list' }],
  partitions: fixedPartitions(keys.apiKeyPartition),
  owns: (key, tenantId) => key.pk === keys.apiKeyPartition(tenantId),
  writeBack: writeBackAsIs,
  crossTenant: 'omit',
};
