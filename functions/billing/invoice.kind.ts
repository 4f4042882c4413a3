import { fixedPartitions, sortKeyStartsWith, writeBackAsIs, type DataKind } from '../data/data-kind';
import { keys } from '../data/keys';
import { invoiceSchema } from './invoice.schema';

/** The tenant's invoices, one per closed period, in its billing partition beside the subscription. */
export const invoiceKind: DataKind = {
  name: 'invoice',
  retention: 'billing',
  expiry: 'sweep',
  schema: invoiceSchema,
  accessPatterns: [{ name: 'get by period' }, { name: 'list newest first' }],
  partitions: fixedPartitions(keys.billingPartition),
  owns: (key, tenantId) => key.pk === keys.billingPartition(tenantId) && sortKeyStartsWith(key.sk, 'INVOICE'),
  writeBack: writeBackAsIs,
};
