import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { parseKey } from '../data/keys';
import type { MutationExecutor } from '../data/mutation.executor';
import { quotaCounters } from '../quotas/quota.counters';
import { memoryBytes } from './memory.schema';

/** The principal DynamoDB's TTL process deletes items as, in stream records. */
export const TTL_PRINCIPAL = 'dynamodb.amazonaws.com';

/** The item DynamoDB's TTL removed, from the stream record of its removal; undefined for any other record. */
export function ttlRemovedItem(record: DynamoDBRecord): ReturnType<typeof unmarshall> | undefined {
  const old = record.dynamodb?.OldImage;
  if (record.eventName !== 'REMOVE' || !old || record.userIdentity?.principalId !== TTL_PRINCIPAL) return undefined;
  return unmarshall(old as Record<string, AttributeValue>);
}

/**
 * Keeps the memory quota counters true when DynamoDB's TTL removes expired memories: TTL deletes bypass the mutation
 * executor, so this consumer of the table's stream gives back each expired memory's count and bytes and records a
 * `memory.expire` audit entry by `system:ttl`, in one transaction per memory. Stream delivery is at least once: the
 * stream record's id is the Idempotency-Key, so a redelivered record changes nothing.
 */
export class MemoryExpiryService {
  constructor(private readonly executor: Pick<MutationExecutor, 'execute'>) {}

  /** Handles a batch of stream records; records that are not TTL removals of memories are skipped. */
  async handle(records: readonly DynamoDBRecord[]): Promise<number> {
    let handled = 0;
    for (const record of records) {
      const item = ttlRemovedItem(record);
      if (!item) continue;
      const parsed = parseKey(String(item.pk));
      // Memory partitions are T#<tenant>#AGENT#<agentId>#MEMORY, memory items sort under M#.
      if (parsed.kind !== 'tenant' || parsed.segments.length !== 3 || parsed.segments[0] !== 'AGENT' || parsed.segments[2] !== 'MEMORY') continue;
      if (!String(item.sk).startsWith('M#')) continue;
      const { tenantId } = parsed;
      const agentId = parsed.segments[1];
      const eventId = record.eventID ?? `${item.pk}/${item.sk}`;
      await this.executor.execute({
        tenantId,
        event: {
          actor: 'system:ttl',
          action: 'memory.expire',
          target: `agent/${agentId}/memory/${String(item.memoryId)}`,
          requestId: eventId,
          change: { version: item.version, expiresAt: item.expiresAt },
        },
        quotas: [
          {
            counter: quotaCounters.memories(tenantId, agentId),
            delta: -1,
            bytes: -memoryBytes({ content: String(item.content ?? ''), metadata: item.metadata ?? {}, tags: item.tags ?? [] }),
          },
        ],
        idempotency: { key: `ttl:${eventId}`, fingerprint: eventId },
        response: { status: 204 },
      });
      handled += 1;
    }
    return handled;
  }
}
