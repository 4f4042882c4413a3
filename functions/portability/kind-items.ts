import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { partitionKeys, type DataKind, type PartitionReader } from '../data/data-kind';
import { TABLE_SCHEMA } from '../data/table.schema';

const { partitionKey: PK, sortKey: SK } = TABLE_SCHEMA;

/** Items per Query page: a page is all an export holds of a partition at once. */
const PAGE_SIZE = 500;

/**
 * A tenant's items of one kind, page by page from each partition the kind names (Query by key, strongly
 * consistent), filtered by the kind's `owns`: never more than a page in memory.
 */
export async function* itemsOfKind(kind: DataKind, tenantId: string, db: DynamoDBDocumentClient, tableName: string): AsyncGenerator<Record<string, unknown>> {
  const read: PartitionReader = async (pk) => (await partitionKeys(db, tableName, pk)).map((key) => key.sk);
  const partitions = [...new Set(await kind.partitions(tenantId, read))];
  for (const partition of partitions) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': PK },
          ExpressionAttributeValues: { ':pk': partition },
          ConsistentRead: true,
          Limit: PAGE_SIZE,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        if (kind.owns({ pk: String(item[PK]), sk: String(item[SK]) }, tenantId)) yield item;
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }
}
