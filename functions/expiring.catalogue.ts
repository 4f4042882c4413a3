import type { DataKind } from './data/data-kind';
import { invoiceKind } from './billing/invoice.kind';
import { memoryKind } from './memories/memory.kind';
import { portabilityJobKind } from './portability/portability-job.kind';
import { runKind } from './workflows/workflow.kind';

/**
 * The kinds of the data catalogue whose items a retention period deletes (`DataKind.expiry`): what retention on write
 * stamps. Kept apart from the catalogue, like the resource kinds, so that the groups that write tenant data bundle these
 * modules only and not every kind's; the catalogue tests check that it is exactly the catalogue's expiring kinds.
 */
export const EXPIRING_KINDS: readonly DataKind[] = [memoryKind, runKind, invoiceKind, portabilityJobKind];
