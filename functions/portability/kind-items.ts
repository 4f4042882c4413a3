import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { partitionKeys, type DataKind, type PartitionReader } from '../data/data-kind';
import { TABLE_SCHEMA } from '../data/table.schema';

const { partitionKey: PK, sortKey: SK } = TABLE_SCHEMA;

/** Items per Query page: a page is all an export holds of a partition at once. */
const PAGE_SIZE = 500;

/** The tenant's partitions that may hold items of the kind, each once, in the kind's order. */
export async function partitionsOfKind(kind: DataKind, tenantId: string, db: DynamoDBDocumentClient, tableName: string): Promise<string[]> {
  const read: PartitionReader = async (pk) => (await partitionKeys(db, tableName, pk)).map((key) => key.sk);
  return [...new Set(await kind.partitions(tenantId, read))];
}

/** One page of a partition (after `start`): the kind's items in it, and the key the next page starts after. */
export async function kindPage(
  kind: DataKind,
  tenantId: string,
  db: DynamoDBDocumentClient,
  tableName: string,
  partition: string,
  start?: Record<string, unknown>,
): Promise<{ readonly items: Record<string, unknown>[]; readonly next?: Record<string, unknown> }> {
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
  const items = (page.Items ?? []).filter((item) => kind.owns({ pk: String(item[PK]), sk: String(item[SK]) }, tenantId));
  return { items, ...(page.LastEvaluatedKey ? { next: page.LastEvaluatedKey } : {}) };
}

/**
 * A tenant's items of one kind, page by page from each partition the kind names (Query by key, strongly
 * consistent), filtered by the kind's `owns`: never more than a page in memory.
 */
export async function* itemsOfKind(kind: DataKind, tenantId: string, db: DynamoDBDocumentClient, tableName: string): AsyncGenerator<Record<string, unknown>> {
  for (const partition of await partitionsOfKind(kind, tenantId, db, tableName)) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await kindPage(kind, tenantId, db, tableName, partition, start);
      yield* page.items;
      start = page.next;
    } while (start);
  }
}
