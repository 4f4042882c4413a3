import type { RetentionStamp } from './mutation.ports';
import type { PutInput, UpdateInput } from './mutation.executor';
import { TABLE_SCHEMA } from './table.schema';
import { mergedUpdate } from './updates';

const { ttlAttribute: TTL, retainedSinceAttribute: SINCE, ownExpiryAttribute: OWN } = TABLE_SCHEMA;

/**
 * The TTL an item gets: the earlier of its own expiry and its class's deadline, or none under a legal hold (DynamoDB's
 * TTL deletes whatever expires, so a held item must carry no expiry at all).
 */
export function ttlOf(stamp: RetentionStamp, ownExpiry: number | undefined): number | undefined {
  if (stamp.held) return undefined;
  const candidates = [ownExpiry, stamp.until].filter((value): value is number => value !== undefined);
  return candidates.length > 0 ? Math.min(...candidates) : undefined;
}

/** A Put of a whole item, stamped: its write time, its own expiry kept aside, the TTL retention gives it. */
export function stampedPut(put: PutInput, stamp: RetentionStamp): PutInput {
  const { [TTL]: ownTtl, [OWN]: _own, [SINCE]: _since, ...item } = (put.Item ?? {}) as Record<string, unknown>;
  const own = typeof ownTtl === 'number' ? ownTtl : undefined;
  const ttl = ttlOf(stamp, own);
  return { ...put, Item: { ...item, [SINCE]: stamp.since, ...(own !== undefined ? { [OWN]: own } : {}), ...(ttl !== undefined ? { [TTL]: ttl } : {}) } };
}

/**
 * An Update, stamped: its write time and the retention TTL (or none). An update that itself names the TTL is left
 * as it is (the sweep stamps its item later); kinds whose items have their own expiry write whole items (Puts).
 */
export function stampedUpdate(update: UpdateInput, stamp: RetentionStamp): UpdateInput {
  const named = Object.values(update.ExpressionAttributeNames ?? {});
  if ([TTL, OWN, SINCE].some((attribute) => named.includes(attribute))) return update;
  const ttl = ttlOf(stamp, undefined);
  return mergedUpdate(update, { set: { [SINCE]: stamp.since, ...(ttl !== undefined ? { [TTL]: ttl } : {}) }, ...(ttl === undefined ? { remove: [TTL] } : {}) });
}
