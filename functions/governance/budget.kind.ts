import * as z from '../core/zod';
import { fixedPartitions, isKey, sortKeyStartsWith, writeBackAsIs, type DataKind } from '../data/data-kind';
import * as keys from '../data/table-keys';
import { budgetPolicySchema } from './budget.schema';

/** The tenant's budget policy: what the tenant admin set. */
export const budgetPolicyKind: DataKind = {
  name: 'budget-policy',
  retention: 'content',
  schema: budgetPolicySchema,
  accessPatterns: [{ name: 'get the policy' }],
  partitions: fixedPartitions(keys.budgetPartition),
  owns: (key, tenantId) => isKey(key, keys.budgetPolicy(tenantId)),
  writeBack: writeBackAsIs,
  crossTenant: 'omit',
};

/** Spend ledgers per budget scope and month: settled spend, reservations in flight, alerts told. */
export const budgetLedgerKind: DataKind = {
  name: 'budget-ledger',
  retention: 'billing',
  schema: z.looseObject({ committed: z.optional(z.number()), spent: z.optional(z.number()), steps: z.optional(z.number()) }),
  accessPatterns: [{ name: 'reserve and settle a model call' }, { name: 'report spend of a month' }],
  partitions: fixedPartitions(keys.budgetPartition),
  owns: (key, tenantId) => key.pk === keys.budgetPartition(tenantId) && sortKeyStartsWith(key.sk, 'LEDGER'),
  writeBack: writeBackAsIs,
  crossTenant: 'omit',
};
