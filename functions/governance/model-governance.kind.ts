import { fixedPartitions, isKey, sortKeyStartsWith, writeBackAsIs, type DataKind } from '../data/data-kind';
import * as keys from '../data/table-keys';
import { modelCredentialSchema } from './model-credential.schema';
import { modelPolicySchema } from './model-policy.schema';

/** The tenant's model policy: its allow-list within the plan and its guardrail. */
export const modelPolicyKind: DataKind = {
  name: 'model-policy',
  retention: 'content',
  schema: modelPolicySchema,
  accessPatterns: [{ name: 'get the policy' }],
  partitions: fixedPartitions(keys.modelGovernancePartition),
  owns: (key, tenantId) => isKey(key, keys.modelPolicy(tenantId)),
  writeBack: writeBackAsIs,
  crossTenant: 'omit',
};

/**
 * What the table keeps of a tenant's own model-provider credentials: id, kind, label, last four characters, dates.
 * The secrets themselves live in the credential store and never travel in an export: after an import into another
 * region the tenant registers them again (a run meanwhile fails its steps, saying so).
 */
export const modelCredentialKind: DataKind = {
  name: 'model-credential',
  retention: 'content',
  schema: modelCredentialSchema,
  accessPatterns: [{ name: 'get by credential id' }, { name: 'list, newest last' }],
  partitions: fixedPartitions(keys.modelGovernancePartition),
  owns: (key, tenantId) => key.pk === keys.modelGovernancePartition(tenantId) && sortKeyStartsWith(key.sk, 'CREDENTIAL'),
  writeBack: writeBackAsIs,
  crossTenant: 'omit',
};
