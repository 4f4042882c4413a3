/**
 * The single table's schema: attribute and index names shared by the CDK table construct (lib/),
 * the repositories (functions/) and the local bootstrap (local/). Nothing else spells these strings.
 */
export const TABLE_SCHEMA = {
  /** Partition key attribute. Tenant items start with `T#<tenantId>#`, platform items with `P#`. */
  partitionKey: 'pk',
  /** Sort key attribute. */
  sortKey: 'sk',
  /** Epoch seconds after which DynamoDB's TTL deletes the item. */
  ttlAttribute: 'expiresAt',
  /**
   * Epoch seconds an item's retention period runs from (its last write), on items of kinds retention expires
   * (`DataKind.expiry`).
   */
  retainedSinceAttribute: 'retainedSince',
  /**
   * The item's own expiry (a memory's `expiresAt`) in epoch seconds, kept beside the TTL attribute so that the TTL
   * can be the earlier of it and the retention deadline, and be restored when a legal hold is lifted.
   */
  ownExpiryAttribute: 'ownExpiresAt',
  indexes: {
    /**
     * Lists the members of a collection in order (tenants of the platform, memories of an agent by time, ...).
     * Its partition key follows the same prefix rule as the table's: tenant collections start with `T#<tenantId>#`.
     */
    byCollection: { indexName: 'byCollection', partitionKey: 'collectionPk', sortKey: 'collectionSk' },
  },
} as const;

export type IndexName = keyof typeof TABLE_SCHEMA.indexes;

/** Every attribute that is a partition key of the table or of one of its indexes. */
export const PARTITION_KEY_ATTRIBUTES: readonly string[] = [
  TABLE_SCHEMA.partitionKey,
  ...Object.values(TABLE_SCHEMA.indexes).map((index) => index.partitionKey),
];

/** The base name of the table; the deployed name is given to functions through TABLE_NAME. */
export const TABLE_BASE_NAME = 'agent-platform';
