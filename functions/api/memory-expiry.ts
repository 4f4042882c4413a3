import type { DynamoDBStreamEvent } from 'aws-lambda';
import { EXPIRING_KINDS } from '../expiring.catalogue';
import { MemoryExpiryService } from '../memories/memory-expiry.service';
import { HeldItemKeeper } from '../portability/held-items';
import { createTenantWrites, lazyHandler, writingMeter } from './dependencies';
import type { RuntimeConfig } from './runtime-config';

/**
 * Consumer of the table's stream for TTL removals of items of expiring kinds (memories, runs, invoices, export and
 * import jobs). What a legal hold keeps is written back (HeldItemKeeper); of the rest, removed memories give back their
 * quota (MemoryExpiryService). Subscribe it with a filter on `eventName = REMOVE`, `userIdentity.principalId =
 * dynamodb.amazonaws.com` and those kinds' sort keys; it needs the tenant data role.
 */
export function createHandler(config: RuntimeConfig) {
  // Retention reads each tenant's settings afresh: a hold placed a moment ago must keep what it writes back TTL-free.
  const { db, executor } = createTenantWrites(config, { retentionCacheMs: 1 });
  const held = new HeldItemKeeper({ db, tableName: config.TABLE_NAME, kinds: EXPIRING_KINDS, executor });
  const expiry = new MemoryExpiryService(executor);
  return writingMeter(config, async (event: DynamoDBStreamEvent): Promise<void> => {
    await expiry.handle(await held.keep(event.Records));
  });
}

export const handler = lazyHandler(createHandler);
