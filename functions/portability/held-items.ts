import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { ConflictError } from '../core/errors';
import { conditionOf, itemAbsent } from '../data/conditions';
import type { DataKind } from '../data/data-kind';
import { parseKey } from '../data/keys';
import type { MutationExecutor } from '../data/mutation.executor';
import { TABLE_SCHEMA } from '../data/table.schema';
import { ttlRemovedItem } from '../memories/memory-expiry.service';
import { readComplianceSettings, type ComplianceSettings } from './compliance-settings';

const { ttlAttribute: TTL, retainedSinceAttribute: SINCE, ownExpiryAttribute: OWN } = TABLE_SCHEMA;

export interface HeldItemKeeperProps {
  readonly db: (tenantId: string) => DynamoDBDocumentClient;
  readonly tableName: string;
  /** The kinds a retention period deletes (the catalogue's expiring kinds): only their items are written back. */
  readonly kinds: readonly DataKind[];
  /**
   * Writes the items back. Its retention must read the tenant's settings afresh (a hold placed a moment ago must be
   * seen), so that the item is written without a TTL.
   */
  readonly executor: Pick<MutationExecutor, 'execute'>;
}

/**
 * DynamoDB's TTL deletes whatever has expired, hold or not: an item whose TTL passed before the retention sweep took
 * it off (the sweep that placing a hold asks for) would be lost under the hold. This consumer of the stream's TTL
 * removals writes each removed item of an expiring kind back while its tenant is under a legal hold, in one
 * transaction with a `legal-hold.keep` audit entry by `system:ttl`: through the mutation executor, whose retention
 * writes a held item with no TTL (its own expiry kept aside until the hold is lifted, when the sweep stamps it again).
 * The write is conditional on no item having that key meanwhile; a redelivered record changes nothing (its id is the
 * Idempotency-Key).
 */
export class HeldItemKeeper {
  constructor(private readonly props: HeldItemKeeperProps) {}

  /** Writes back what a hold keeps; returns the records it did not write back, for the other TTL consumers. */
  async keep(records: readonly DynamoDBRecord[]): Promise<DynamoDBRecord[]> {
    // Each tenant's settings are read once per batch: a batch of removals is mostly one tenant's expiring items.
    const settings = new Map<string, Promise<ComplianceSettings | undefined>>();
    const settingsOf = (tenantId: string) => {
      if (!settings.has(tenantId)) settings.set(tenantId, readComplianceSettings(this.props.db(tenantId), this.props.tableName, tenantId));
      return settings.get(tenantId) as Promise<ComplianceSettings | undefined>;
    };
    const rest: DynamoDBRecord[] = [];
    for (const record of records) {
      if (!(await this.keepOne(record, settingsOf))) rest.push(record);
    }
    return rest;
  }

  private async keepOne(record: DynamoDBRecord, settingsOf: (tenantId: string) => Promise<ComplianceSettings | undefined>): Promise<boolean> {
    const item = ttlRemovedItem(record);
    if (!item) return false;
    const key = { pk: String(item.pk), sk: String(item.sk) };
    const tenantId = tenantOf(key.pk);
    const kind = tenantId === undefined ? undefined : this.props.kinds.find((candidate) => candidate.owns(key, tenantId));
    if (tenantId === undefined || !kind) return false;
    const settings = await settingsOf(tenantId);
    if (!settings?.legalHold) return false;
    const eventId = record.eventID ?? `${key.pk}/${key.sk}`;
    const put = kind.writeBack(withOwnExpiry(item));
    try {
      await this.props.executor.execute({
        tenantId,
        event: {
          actor: 'system:ttl',
          action: 'legal-hold.keep',
          target: `${kind.name}/${key.sk}`,
          requestId: eventId,
          change: { expiredAt: item[TTL], hold: settings.legalHold.reason },
        },
        writes: [{ put: { ...put, ...conditionOf(itemAbsent) }, onConditionFailed: () => new ConflictError(`an item was written at ${key.sk} meanwhile`) }],
        idempotency: { key: `ttl-hold:${eventId}`, fingerprint: eventId },
        response: { status: 204 },
      });
    } catch (error) {
      // A newer item took the key: nothing of the removed one to keep.
      if (!(error instanceof ConflictError)) throw error;
    }
    return true;
  }
}

/** The tenant of a partition key, or undefined for a platform key. */
function tenantOf(partitionKey: string): string | undefined {
  try {
    const parsed = parseKey(partitionKey);
    return parsed.kind === 'tenant' ? parsed.tenantId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The item as its writer wrote it: retention's stamp taken off and its own expiry (kept aside by the stamp, or, on an
 * item never stamped, its TTL) back in the TTL attribute, where the executor's retention finds it.
 */
function withOwnExpiry(item: Record<string, unknown>): Record<string, unknown> {
  const { [TTL]: ttl, [OWN]: own, [SINCE]: since, ...rest } = item;
  const ownExpiry = own ?? (since === undefined ? ttl : undefined);
  return { ...rest, ...(ownExpiry !== undefined ? { [TTL]: ownExpiry } : {}) };
}
