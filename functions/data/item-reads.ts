import { BatchGetCommand, GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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

/** Keys one BatchGetItem takes at most. */
const BATCH_GET_KEYS = 100;
/** Rounds of a batch's unprocessed keys before the read gives up. */
const BATCH_GET_ROUNDS = 8;

/**
 * Reads items by key, consistently, 100 keys per BatchGetItem, asking again for the keys DynamoDB leaves unprocessed
 * (with backoff); throws rather than answer without some of them. Items come back in no particular order, missing
 * ones not at all; `attributes` limits what each holds.
 */
export async function batchGetItems(
  db: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly { readonly pk: string; readonly sk: string }[],
  attributes?: readonly string[],
): Promise<Record<string, unknown>[]> {
  const projection = attributes
    ? {
        ProjectionExpression: attributes.map((_, i) => `#a${i}`).join(', '),
        ExpressionAttributeNames: Object.fromEntries(attributes.map((name, i) => [`#a${i}`, name])),
      }
    : {};
  const found: Record<string, unknown>[] = [];
  for (let at = 0; at < keys.length; at += BATCH_GET_KEYS) {
    let pending: Record<string, unknown>[] = keys
      .slice(at, at + BATCH_GET_KEYS)
      .map(({ pk, sk }) => ({ [TABLE_SCHEMA.partitionKey]: pk, [TABLE_SCHEMA.sortKey]: sk }));
    for (let round = 0; pending.length > 0; round++) {
      if (round === BATCH_GET_ROUNDS) throw new Error(`read did not finish: DynamoDB kept ${pending.length} keys unprocessed`);
      if (round > 0) await new Promise((done) => setTimeout(done, 25 * 2 ** round));
      const { Responses, UnprocessedKeys } = await db.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true, ...projection } } }),
      );
      found.push(...(Responses?.[tableName] ?? []));
      pending = (UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
    }
  }
  return found;
}
