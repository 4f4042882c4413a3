import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { parseKey } from '../data/keys';
import * as keys from '../data/table-keys';
import type { AuditSealer } from './audit-sealer';

/**
 * The stream records that name pending audit entries (Lambda event filtering): inserts of an item with a digest and
 * no sequence number. Sealed entries have one; no other kind of item has a digest.
 */
export const PENDING_ENTRY_FILTER = {
  eventName: ['INSERT'],
  dynamodb: { NewImage: { digest: { S: [{ exists: true }] }, seq: { N: [{ exists: false }] } } },
} as const;

/**
 * The tenants whose pending audit entries a batch of stream records names: inserts into a tenant's pending partition.
 * Records of anything else are skipped (the event filter already drops most of them).
 */
export function tenantsToSeal(records: readonly DynamoDBRecord[]): string[] {
  const tenants = new Set<string>();
  for (const record of records) {
    const image = record.dynamodb?.NewImage ?? record.dynamodb?.Keys;
    if (record.eventName !== 'INSERT' || !image) continue;
    const item = unmarshall(image as Record<string, AttributeValue>);
    const parsed = parseKey(String(item.pk));
    if (parsed.kind === 'tenant' && String(item.pk) === keys.auditPendingPartition(parsed.tenantId)) tenants.add(parsed.tenantId);
  }
  return [...tenants];
}

/**
 * Consumer of the table's stream that seals audit entries: each batch names the tenants that wrote entries, and each
 * of them is sealed up to date. A failure throws, so the batch is retried (sealing is idempotent) and, after the
 * retries, described in the consumer's failure queue; the entries wait in the pending partition, and verify reports
 * them with their age, until a later batch of the same tenant seals them.
 */
export class AuditSealingService {
  constructor(private readonly sealer: Pick<AuditSealer, 'seal'>) {}

  async handle(records: readonly DynamoDBRecord[]): Promise<number> {
    let sealed = 0;
    for (const tenantId of tenantsToSeal(records)) sealed += (await this.sealer.seal(tenantId)).sealed;
    return sealed;
  }
}
