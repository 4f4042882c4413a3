import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { ConflictError } from '../core/errors';
import { keys } from '../data/keys';
import { TABLE_SCHEMA } from '../data/table.schema';
import { tenantSchema, type Tenant } from './tenant.schema';

/** The tenant's own record (name, plan, branding, settings): tenant data, stored in the tenant's home region. */
export class TenantRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Creates the record; ConflictError when it exists. */
  async create(tenant: Tenant): Promise<void> {
    const valid = tenantSchema.parse(tenant);
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.tenantProfile(valid.tenantId), ...valid },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TABLE_SCHEMA.partitionKey },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new ConflictError(`tenant ${valid.tenantId} exists`);
      throw error;
    }
  }

  /** The record, or undefined. */
  async get(tenantId: string): Promise<Tenant | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.tenantProfile(tenantId), ConsistentRead: true }),
    );
    return Item ? tenantSchema.parse(Item) : undefined;
  }
}
