import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { bootstrapTables, createTableInput, localDynamoDbClient } from '../../local/bootstrap';
import { LOCAL_REGIONS } from '../../local/platform.config';
import { TABLE_SCHEMA } from '../../functions/data/table.schema';
import { emulatorEndpoints } from '../support/emulators';

/**
 * The local table has the CDK table's keys, indexes and TTL but no stream: nothing local reads one, and DynamoDB
 * Local's stream bookkeeping makes every write slower as records pile up. A table an earlier version made with a
 * stream (a kept local data directory) loses it on the next start.
 */
const [EU] = LOCAL_REGIONS;
const endpoint = emulatorEndpoints().dynamoDbEndpoint;
const raw = localDynamoDbClient(endpoint, EU);
const tableName = `bootstrap-${process.pid}-${Date.now()}`;

afterAll(async () => {
  await raw.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
  raw.destroy();
});

describe('local table bootstrap', () => {
  it('creates the table without a stream, turns off the stream of an older table, and enables TTL', async () => {
    // Prepare
    await raw.send(
      new CreateTableCommand({ ...createTableInput(tableName), StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } }),
    );

    // Act
    await bootstrapTables({ endpoint, regions: [EU], tableName });
    const { Table } = await raw.send(new DescribeTableCommand({ TableName: tableName }));
    const { TimeToLiveDescription } = await raw.send(new DescribeTimeToLiveCommand({ TableName: tableName }));

    // Assess
    expect(createTableInput(tableName)).not.toHaveProperty('StreamSpecification');
    expect(Table?.StreamSpecification?.StreamEnabled ?? false).toBe(false);
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual(
      Object.values(TABLE_SCHEMA.indexes)
        .map((index) => index.indexName)
        .sort(),
    );
    expect(TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: TABLE_SCHEMA.ttlAttribute });
  });
});
