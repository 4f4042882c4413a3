import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from '../core/zod';
import { TABLE_SCHEMA } from './table.schema';

/** A page of parsed items and where the next page starts. */
export interface ItemPage<T> {
  readonly items: T[];
  readonly lastEvaluatedKey?: Record<string, unknown>;
}

/** Reads one item by key, consistently, and parses it with its schema; undefined when there is none. */
export async function getItem<T>(
  db: DynamoDBDocumentClient,
  tableName: string,
  key: { readonly pk: string; readonly sk: string },
  schema: z.core.$ZodType<T>,
): Promise<T | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
  return Item ? z.parse(schema, Item) : undefined;
}

/** One page of a partition in sort-key order, each item parsed with its schema. */
export async function queryPartition<T>(
  db: DynamoDBDocumentClient,
  tableName: string,
  partitionKey: string,
  schema: z.core.$ZodType<T>,
  limit: number,
  exclusiveStartKey?: Record<string, unknown>,
): Promise<ItemPage<T>> {
  const page = await db.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': TABLE_SCHEMA.partitionKey },
      ExpressionAttributeValues: { ':pk': partitionKey },
      Limit: limit,
      ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
    }),
  );
  return { items: (page.Items ?? []).map((item) => z.parse(schema, item)), ...(page.LastEvaluatedKey ? { lastEvaluatedKey: page.LastEvaluatedKey } : {}) };
}
