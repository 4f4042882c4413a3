import { randomUUID } from 'node:crypto';
import { DeleteItemCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { SEPARATOR, TENANT_MARK } from '../functions/data/keys';
import { TABLE_SCHEMA } from '../functions/data/table.schema';
import { expiringSortKeyPrefixes } from '../functions/expiring.catalogue';
import { TTL_PRINCIPAL } from '../functions/memories/memory-expiry.service';

/**
 * DynamoDB's time to live, which DynamoDB Local does not implement: it keeps expired items forever. Locally, every
 * interval, each region's table is scanned for items whose TTL attribute has passed; each is deleted (on condition that
 * its TTL still has) and its removal is handed, as the table stream's record of a TTL deletion, to the consumer the
 * region stack subscribes to such removals in AWS (the memory-expiry function: what a legal hold keeps is written
 * back, removed memories give back their quota), through the same filter. AWS deletes within days of the expiry,
 * usually minutes; locally within the interval.
 */
export const LOCAL_TTL_INTERVAL_MS = 60_000;

/** DynamoDB's TTL leaves alone items whose TTL is more than five years in the past. */
const TTL_HORIZON_SECONDS = 5 * 365 * 86_400;

const { partitionKey: PK, sortKey: SK, ttlAttribute: TTL } = TABLE_SCHEMA;

/** Deletes the table's items whose TTL has passed, as DynamoDB's TTL process does; returns the stream record of each removal. */
export async function expireItems(client: DynamoDBClient, tableName: string, region: string, nowSeconds: number): Promise<DynamoDBRecord[]> {
  const names = { '#pk': PK, '#sk': SK, '#ttl': TTL };
  const range = { ':now': { N: String(nowSeconds) }, ':horizon': { N: String(nowSeconds - TTL_HORIZON_SECONDS) } };
  const removed: DynamoDBRecord[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        ProjectionExpression: '#pk, #sk',
        FilterExpression: '#ttl <= :now AND #ttl >= :horizon',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: range,
        ExclusiveStartKey: start,
      }),
    );
    for (const key of page.Items ?? []) {
      const deleted = await client
        .send(
          new DeleteItemCommand({
            TableName: tableName,
            Key: key,
            ConditionExpression: '#ttl <= :now',
            ExpressionAttributeNames: { '#ttl': TTL },
            ExpressionAttributeValues: { ':now': range[':now'] },
            ReturnValues: 'ALL_OLD',
          }),
        )
        .catch((error: unknown) => {
          // Written again meanwhile with a later TTL: not expired any more.
          if ((error as Error).name === 'ConditionalCheckFailedException') return undefined;
          throw error;
        });
      if (deleted?.Attributes) removed.push(ttlRemovalRecord(region, key, deleted.Attributes, nowSeconds));
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return removed;
}

/** The stream record of a TTL deletion, as DynamoDB Streams delivers it (NEW_AND_OLD_IMAGES, the TTL service principal). */
function ttlRemovalRecord(region: string, keys: Record<string, AttributeValue>, old: Record<string, AttributeValue>, at: number): DynamoDBRecord {
  return {
    eventID: randomUUID(),
    eventName: 'REMOVE',
    eventSource: 'aws:dynamodb',
    eventVersion: '1.1',
    awsRegion: region,
    userIdentity: { type: 'Service', principalId: TTL_PRINCIPAL },
    dynamodb: { ApproximateCreationDateTime: at, Keys: keys as never, OldImage: old as never, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  };
}

/** The filter of the region stack's subscription (lib/stacks/region-stack.ts, ttlRemovalFilter): tenant partitions, the expiring kinds' sort keys. */
export function passesTtlRemovalFilter(record: DynamoDBRecord): boolean {
  const keys = record.dynamodb?.Keys as Record<string, AttributeValue> | undefined;
  const pk = keys?.[PK]?.S ?? '';
  const sk = keys?.[SK]?.S ?? '';
  return pk.startsWith(`${TENANT_MARK}${SEPARATOR}`) && expiringSortKeyPrefixes().some((prefix) => sk.startsWith(prefix));
}

/** The consumer of a region's TTL removals (functions/api/memory-expiry.ts). */
export type TtlRemovalConsumer = (event: DynamoDBStreamEvent) => Promise<void>;

/** At most this many records per invocation, as the event source mapping's batch size. */
const BATCH_SIZE = 100;

/** One pass over a region: expires what is due and hands the filtered removals to the consumer, a batch at a time. */
export async function expireAndConsume(
  client: DynamoDBClient,
  tableName: string,
  region: string,
  consumer: () => Promise<TtlRemovalConsumer>,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<number> {
  const records = (await expireItems(client, tableName, region, nowSeconds)).filter(passesTtlRemovalFilter);
  if (records.length === 0) return 0;
  const handle = await consumer();
  for (let i = 0; i < records.length; i += BATCH_SIZE) await handle({ Records: records.slice(i, i + BATCH_SIZE) });
  return records.length;
}
