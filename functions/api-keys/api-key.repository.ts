import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { attributeAbsent, conditionOf, itemAbsent, itemExists } from '../data/conditions';
import { updateOf } from '../data/updates';
import { ConflictError, NotFoundError } from '../core/errors';
import { getItem, queryPartition } from '../data/item-reads';
import * as keys from '../data/table-keys';
import type { ItemWrite } from '../data/mutation.executor';
import type { ApiKeyLookup } from '../identity/api-key.authenticator';
import { storedApiKeySchema, type ApiKeyRecord } from './api-key.schema';

/** API keys of a tenant, one partition per tenant; reads go through the tenant-scoped client. */
export class ApiKeyRepository implements ApiKeyLookup {
  constructor(
    private readonly db: (tenantId: string) => DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The record, read consistently so that a revocation is seen by the very next request. */
  async find(tenantId: string, keyId: string): Promise<ApiKeyRecord | undefined> {
    return getItem(this.db(tenantId), this.tableName, keys.apiKey(tenantId, keyId), storedApiKeySchema);
  }

  /** A page of the tenant's keys, oldest first. */
  async list(tenantId: string, limit: number, exclusiveStartKey?: Record<string, unknown>) {
    return queryPartition(this.db(tenantId), this.tableName, keys.apiKeyPartition(tenantId), storedApiKeySchema, limit, exclusiveStartKey);
  }

  /** Up to `max` keys of the member that are not revoked, read page by page from the tenant's key partition. */
  async activeOwnedBy(tenantId: string, userId: string, max: number): Promise<ApiKeyRecord[]> {
    const owned: ApiKeyRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.list(tenantId, 100, start);
      owned.push(...page.items.filter((key) => key.ownerUserId === userId && key.revokedAt === undefined));
      start = page.lastEvaluatedKey;
    } while (start && owned.length < max);
    return owned.slice(0, max);
  }

  /** The write that stores a new key. */
  createWrite(record: ApiKeyRecord): ItemWrite {
    const valid = storedApiKeySchema.parse(record);
    return {
      put: {
        Item: { ...keys.apiKey(valid.tenantId, valid.keyId), ...valid },
        ...conditionOf(itemAbsent),
      },
      onConditionFailed: () => new ConflictError(`API key ${valid.keyId} exists`),
    };
  }

  /** The write that revokes a key that is not revoked yet. */
  revokeWrite(tenantId: string, keyId: string, at: string, by: string): ItemWrite {
    return {
      update: {
        Key: keys.apiKey(tenantId, keyId),
        ...updateOf({ set: { revokedAt: at, revokedBy: by } }, itemExists, attributeAbsent('revokedAt')),
      },
      onConditionFailed: (current) => (current ? new ConflictError(`API key ${keyId} is already revoked`) : new NotFoundError(`API key ${keyId} not found`)),
    };
  }
}
