import { fixedPartitions, writeBackAsIs, type DataKind } from '../data/data-kind';
import * as keys from '../data/table-keys';
import { invoiceExpiry } from './invoice.expiry';
import { invoiceSchema } from './invoice.schema';

/** The tenant's invoices, one per closed period, in its billing partition beside the subscription. */
export const invoiceKind: DataKind = {
  ...invoiceExpiry,
  schema: invoiceSchema,
  accessPatterns: [{ name: 'get by period' }, { name: 'list newest first' }],
  partitions: fixedPartitions(keys.billingPartition),
  writeBack: writeBackAsIs,
  crossTenant: 'omit',
};
