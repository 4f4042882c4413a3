import type { ExpiryRule } from './data/data-kind';
import { invoiceExpiry } from './billing/invoice.expiry';
import { memoryExpiry } from './memories/memory.expiry';
import { portabilityJobExpiry } from './portability/portability-job.expiry';
import { runExpiry } from './workflows/run.expiry';

/**
 * The expiry rules of the kinds a retention period deletes: what retention on write needs (which items are whose,
 * of which class), without the kinds' schemas, for the groups that write tenant data. The catalogue tests check that
 * it names exactly the catalogue's expiring kinds and that each kind spreads its rule.
 */
export const EXPIRY_RULES: readonly ExpiryRule[] = [memoryExpiry, runExpiry, invoiceExpiry, portabilityJobExpiry];
