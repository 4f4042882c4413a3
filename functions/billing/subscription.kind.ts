import { fixedPartitions, isKey, writeBackAsIs, type DataKind } from '../data/data-kind';
import * as keys from '../data/table-keys';
import { subscriptionSchema } from './subscription.schema';

/** The tenant's subscription (plan, status, period, pending change, prorations): one item in its billing partition. */
export const subscriptionKind: DataKind = {
  name: 'subscription',
  retention: 'billing',
  schema: subscriptionSchema,
  accessPatterns: [{ name: 'get the subscription' }],
  partitions: fixedPartitions(keys.billingPartition),
  owns: (key, tenantId) => isKey(key, keys.subscription(tenantId)),
  writeBack: writeBackAsIs,
  crossTenant: 'omit',
};
