import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../core/errors';
import { keys } from '../data/keys';
import { TABLE_SCHEMA } from '../data/table.schema';
import { tenantDirectoryEntrySchema, type TenantDirectoryEntry } from './tenant.schema';

const { partitionKey: PK, sortKey: SK } = TABLE_SCHEMA;
const byCollection = TABLE_SCHEMA.indexes.byCollection;

/**
 * The tenant directory: routing metadata (slug, home region, status, login endpoints, email domains, branding)
 * under platform keys. It is kept in every region so any regional API can route and discover; it never holds
 * tenant data.
 */
export class DirectoryRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Records a new tenant: its entry, its slug reservation and its email domains, in one transaction that fails
   * with ConflictError when the slug or the tenant id is taken.
   */
  async create(entry: TenantDirectoryEntry): Promise<void> {
    const valid = tenantDirectoryEntrySchema.parse(entry);
    const domains = [...new Set(valid.emailDomains.map((d) => d.toLowerCase()))];
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.tenantDirectory(valid.tenantId), ...this.collectionKeys(valid.tenantId), ...valid },
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': PK },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.slug(valid.slug), tenantId: valid.tenantId },
                ConditionExpression: 'attribute_not_exists(#pk)',
                ExpressionAttributeNames: { '#pk': PK },
              },
            },
            ...domains.map((domain) => ({
              Put: { TableName: this.tableName, Item: { ...keys.emailDomain(domain, valid.tenantId), tenantId: valid.tenantId } },
            })),
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        throw new ConflictError(`tenant id ${valid.tenantId} or slug ${valid.slug} is already taken`);
      }
      throw error;
    }
  }

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

  private collectionKeys(tenantId: string) {
    return { [byCollection.partitionKey]: keys.tenantsCollection(), [byCollection.sortKey]: tenantId };
  }
}
