import type { DynamoDBStreamEvent } from 'aws-lambda';
import { createTenantWrites, lazyHandler } from './dependencies';
import type { RuntimeConfig } from './runtime-config';
import { MemoryExpiryService } from '../memories/memory-expiry.service';

/**
 * Consumer of the table's stream for TTL removals of agent memories (see MemoryExpiryService). Subscribe it with a
 * filter on `eventName = REMOVE` and `userIdentity.principalId = dynamodb.amazonaws.com`; it needs the tenant data role.
 */
export function createHandler(config: RuntimeConfig) {
  const expiry = new MemoryExpiryService(createTenantWrites(config).executor);
  return async (event: DynamoDBStreamEvent): Promise<void> => {
    await expiry.handle(event.Records);
  };
}

export const handler = lazyHandler(createHandler);
