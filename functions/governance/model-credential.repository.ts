import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TenantCache } from '../core/tenant-cache';
import { conditionOf, itemAbsent, itemExists, versionIs } from '../data/conditions';
import * as keys from '../data/table-keys';
import type { ItemWrite } from '../data/mutation.executor';
import { TABLE_SCHEMA } from '../data/table.schema';
import { modelCredentialSchema, type ModelCredential } from './model-credential.schema';

/** The metadata items of a tenant's model credentials (their secrets live in the credential store). */
export class ModelCredentialRepository {
  constructor(
    private readonly db: (tenantId: string) => DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(tenantId: string, credentialId: string): Promise<ModelCredential | undefined> {
    const { Item } = await this.db(tenantId).send(
      new GetCommand({ TableName: this.tableName, Key: keys.modelCredential(tenantId, credentialId), ConsistentRead: true }),
    );
    return Item ? modelCredentialSchema.parse(Item) : undefined;
  }

  /** The tenant's credentials, oldest first (ids are time-ordered); `newestOnly` reads just the last. */
  async list(tenantId: string, newestOnly = false): Promise<ModelCredential[]> {
    const { Items } = await this.db(tenantId).send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :mark)',
        ExpressionAttributeNames: { '#pk': TABLE_SCHEMA.partitionKey, '#sk': TABLE_SCHEMA.sortKey },
        ExpressionAttributeValues: { ':pk': keys.modelGovernancePartition(tenantId), ':mark': keys.modelCredentialSortKeyPrefix() },
        ConsistentRead: true,
        ...(newestOnly ? { ScanIndexForward: false, Limit: 1 } : {}),
      }),
    );
    return (Items ?? []).map((item) => modelCredentialSchema.parse(item));
  }

  /** Writes the metadata: a new credential only when absent, a rotation only over the version it follows. */
  put(tenantId: string, credential: ModelCredential, onConditionFailed: () => Error): ItemWrite {
    const valid = modelCredentialSchema.parse(credential);
    return {
      put: {
        Item: { ...keys.modelCredential(tenantId, valid.credentialId), ...valid },
        ...(valid.version === 1 ? conditionOf(itemAbsent) : conditionOf(itemExists, versionIs(valid.version - 1))),
      },
      onConditionFailed,
    };
  }

  delete(tenantId: string, credentialId: string, version: number, onConditionFailed: () => Error): ItemWrite {
    return { delete: { Key: keys.modelCredential(tenantId, credentialId), ...conditionOf(itemExists, versionIs(version)) }, onConditionFailed };
  }
}

/** The credential a tenant's model calls use: its newest, cached for a few seconds per container. */
export class ActiveCredentialSource {
  private readonly cache: TenantCache<{ readonly credential: ModelCredential | undefined }> | undefined;

  constructor(
    private readonly repository: Pick<ModelCredentialRepository, 'list'>,
    /** @default 5 s; 0 reads for every call */
    ttlMs = 5_000,
  ) {
    this.cache = ttlMs > 0 ? new TenantCache({ capacity: 1_000, ttlMs }) : undefined;
  }

  async activeOf(tenantId: string): Promise<ModelCredential | undefined> {
    const load = async () => ({ credential: (await this.repository.list(tenantId, true))[0] });
    return (this.cache ? await this.cache.getOrLoad(tenantId, 'model-credential', load) : await load()).credential;
  }
}
