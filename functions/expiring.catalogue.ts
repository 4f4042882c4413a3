import type { DataKind } from './data/data-kind';
import { SEPARATOR } from './data/keys';
import * as keys from './data/table-keys';
import { invoiceKind } from './billing/invoice.kind';
import { memoryKind } from './memories/memory.kind';
import { portabilityJobKind } from './portability/portability-job.kind';
import { jobKey } from './portability/portability-job.expiry';
import { runKind } from './workflows/workflow.kind';

/**
 * The kinds of the data catalogue whose items a retention period deletes (`DataKind.expiry`): what retention on write
 * stamps, the sweep deletes and a legal hold keeps from DynamoDB's TTL. Kept apart from the catalogue, like the resource
 * kinds, so that the retention sweep and the TTL removal consumer bundle these modules only and not every kind's (the
 * groups that write tenant data bundle only their rules: expiry-rules.catalogue.ts); the catalogue tests check that
 * it is exactly the catalogue's expiring kinds.
 */
export const EXPIRING_KINDS: readonly DataKind[] = [memoryKind, runKind, invoiceKind, portabilityJobKind];

/** The beginning of a sort key built for a sample id: everything before the id. */
function sortKeyPrefixOf(sortKey: string): string {
  return sortKey.slice(0, sortKey.lastIndexOf(SEPARATOR) + 1);
}

/**
 * How the sort keys of the expiring kinds' items begin (memories `M#`, runs `RUN#`, invoices `INVOICE#`, jobs `JOB#`):
 * the stream filter that hands DynamoDB's TTL removals of these items, and of no others, to their consumer. A test
 * checks that every expiring kind's items match one.
 */
export function expiringSortKeyPrefixes(): string[] {
  return [keys.memorySortKeyPrefix(), keys.runSortKeyPrefix(), sortKeyPrefixOf(keys.invoice('acme', 'id').sk), sortKeyPrefixOf(jobKey('acme', 'id').sk)];
}
