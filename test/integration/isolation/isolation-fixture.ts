import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../../functions/data/clients';
import { CursorCodec } from '../../../functions/data/cursor';
import { createIsolation, type Isolation } from '../../../functions/isolation/tenant-db';
import { createTableInput, localDynamoDbClient } from '../../../local/bootstrap';
import { emulatorEndpoints } from '../../support/emulators';
import { scanPrefix } from '../../support/scan-prefix';

/**
 * A table of its own in the shared DynamoDB Local for one isolation test file, the isolation layer over it exactly
 * as handlers get it locally (DATA_CREDENTIALS=local: the one local key id, sessions naming the tenant), and an
 * unscoped client that only the test uses to look at the whole table.
 */
export interface IsolationFixture {
  readonly tableName: string;
  readonly isolation: Isolation;
  readonly cursors: CursorCodec;
  /** Unscoped and unguarded: for the test's own view of the table, never handed to code under test. */
  readonly inspector: DynamoDBDocumentClient;
  /** Every item whose partition key starts with `prefix` (a Scan: only the inspector may scan). */
  scanPrefix(prefix: string): Promise<Record<string, unknown>[]>;
  dispose(): Promise<void>;
}

export const REGION = 'eu-central-1';

export async function createIsolationFixture(name: string): Promise<IsolationFixture> {
  const { dynamoDbEndpoint } = emulatorEndpoints();
  const tableName = `${name}-${randomBytes(4).toString('hex')}`;
  const raw = localDynamoDbClient(dynamoDbEndpoint, REGION);
  await raw.send(new CreateTableCommand(createTableInput(tableName)));
  await waitUntilTableExists({ client: raw, maxWaitTime: 30 }, { TableName: tableName });

  const isolation = createIsolation({
    AWS_REGION: REGION,
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: dynamoDbEndpoint,
    DATA_CREDENTIALS: 'local',
  });
  const inspector = createDocumentClient(raw);
  return {
    tableName,
    isolation,
    cursors: new CursorCodec(randomBytes(32).toString('base64url')),
    inspector,
    scanPrefix(prefix) {
      return scanPrefix(inspector, tableName, prefix);
    },
    async dispose() {
      isolation.destroy();
      await raw.send(new DeleteTableCommand({ TableName: tableName }));
      raw.destroy();
    },
  };
}
