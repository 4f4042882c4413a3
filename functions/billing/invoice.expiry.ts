import { sortKeyStartsWith, type ExpiryRule } from '../data/data-kind';
import * as keys from '../data/table-keys';

/** Invoices expire by the billing class's period (the retention sweep deletes those past it). */
export const invoiceExpiry: ExpiryRule = {
  name: 'invoice',
  retention: 'billing',
  expiry: 'sweep',
  owns: (key, tenantId) => key.pk === keys.billingPartition(tenantId) && sortKeyStartsWith(key.sk, 'INVOICE'),
};
