import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as keys from '../data/table-keys';
import { TABLE_SCHEMA } from '../data/table.schema';
import { tenantDirectoryEntrySchema, type TenantDirectoryEntry } from './tenant.schema';

const { partitionKey: PK, sortKey: SK } = TABLE_SCHEMA;
const byCollection = TABLE_SCHEMA.indexes.byCollection;

/**
 * The reads of the tenant directory (directory.repository.ts): what the route groups, the authorizer and discovery
 * need, without the writes that only provisioning, the lifecycle and migrations make, so their bundles leave those out.
 */
export class DirectoryReader {
  constructor(
    protected readonly db: DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {}

  /** The directory entry of a tenant, or undefined. */
  async get(tenantId: string): Promise<TenantDirectoryEntry | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.tenantDirectory(tenantId) }));
    return Item ? tenantDirectoryEntrySchema.parse(Item) : undefined;
  }

  /** The tenant owning a slug, or undefined. */
  async findBySlug(slug: string): Promise<TenantDirectoryEntry | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.slug(slug) }));
    return Item ? this.get(String(Item.tenantId)) : undefined;
  }

  /** Every tenant that uses an email domain (one domain may belong to several tenants). */
  async findByEmailDomain(domain: string): Promise<TenantDirectoryEntry[]> {
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PK },
        ExpressionAttributeValues: { ':pk': keys.emailDomainPartition(domain.toLowerCase()) },
        Limit: 100,
      }),
    );
    const entries = await Promise.all(Items.map((item) => this.get(String(item[SK]))));
    return entries.filter((entry): entry is TenantDirectoryEntry => entry !== undefined);
  }

  /** Lists tenants by id, a page at a time. */
  async list(limit: number, exclusiveStartKey?: Record<string, unknown>) {
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: byCollection.indexName,
        KeyConditionExpression: '#cpk = :cpk',
        ExpressionAttributeNames: { '#cpk': byCollection.partitionKey },
        ExpressionAttributeValues: { ':cpk': keys.tenantsCollection() },
        Limit: limit,
        ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
      }),
    );
    return {
      items: (page.Items ?? []).map((item) => tenantDirectoryEntrySchema.parse(item)),
      lastEvaluatedKey: page.LastEvaluatedKey,
    };
  }
}
