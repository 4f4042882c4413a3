import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { TABLE_SCHEMA } from '../functions/data/table.schema';
import { LOCAL_CREDENTIALS } from './platform.config';

export interface BootstrapOptions {
  /** DynamoDB Local endpoint. */
  readonly endpoint: string;
  /** Every residency region: one database each in DynamoDB Local. */
  readonly regions: readonly string[];
  readonly tableName: string;
}

/** A low-level client for one local region, signed with the one local credential. */
export function localDynamoDbClient(endpoint: string, region: string): DynamoDBClient {
  return new DynamoDBClient({ region, endpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 3 });
}

/**
 * The CreateTable input of the single table, from TABLE_SCHEMA (the same names the CDK table construct uses).
 * Without the stream the CDK table has: nothing local reads it (the local audit sealer polls the table), and DynamoDB
 * Local keeps every stream record of every table, deleted or not, and reads them on each write, so each write grew
 * slower as a long run went on (a batch write 7x slower after ten minutes of tests).
 */
export function createTableInput(tableName: string) {
  const { partitionKey, sortKey, indexes } = TABLE_SCHEMA;
  const gsis = Object.values(indexes);
  const attributes = [...new Set([partitionKey, sortKey, ...gsis.flatMap((index) => [index.partitionKey, index.sortKey])])];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: attributes.map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' as const },
      { AttributeName: sortKey, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: gsis.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'ALL' as const },
    })),
  };
}

async function bootstrapRegion(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (error) {
    // The table survives restarts with -dbPath: keep it and its data.
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 0.2, maxDelay: 1 }, { TableName: tableName });
  await dropStream(client, tableName);
  const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  if (TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { Enabled: true, AttributeName: TABLE_SCHEMA.ttlAttribute },
      }),
    );
  }
}

/** Turns off the stream of a table an earlier version created with one (a local data directory kept across versions). */
async function dropStream(client: DynamoDBClient, tableName: string): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  if (!Table?.StreamSpecification?.StreamEnabled) return;
  await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: false } }));
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 0.2, maxDelay: 1 }, { TableName: tableName });
}

/** Creates the table in every region if missing, with its indexes and TTL. Safe to run on every start. */
export async function bootstrapTables(options: BootstrapOptions): Promise<void> {
  await Promise.all(
    options.regions.map(async (region) => {
      const client = localDynamoDbClient(options.endpoint, region);
      try {
        await bootstrapRegion(client, options.tableName);
      } finally {
        client.destroy();
      }
    }),
  );
}
