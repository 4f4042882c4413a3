import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapTables } from '../../local/bootstrap';
import { startCognitoLocal, type CognitoLocal } from '../../local/cognito';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb';
import { LOCAL_REGIONS, LOCAL_TABLE_NAME, useLocalCredentials } from '../../local/platform.config';
import { freePort } from '../../local/ports';
import { EMULATOR_ENV } from './emulators';

/** What the teardown stops; global setup and teardown run in the same (jest parent) process. */
export interface RunningEmulators {
  readonly dynamoDb?: DynamoDbLocal;
  readonly cognito?: CognitoLocal;
  readonly stateDir: string;
}

declare global {
  var integrationEmulators: RunningEmulators | undefined;
}

/** Stops what runs (java by PID) and removes the state directory. */
export async function stopEmulators(running: RunningEmulators): Promise<void> {
  await Promise.allSettled([running.dynamoDb?.stop(), running.cognito?.stop()]);
  rmSync(running.stateDir, { recursive: true, force: true });
}

/**
 * Starts one DynamoDB Local (in memory, free port) and one cognito-local (free port, temporary state) for all
 * integration test files, and creates the table in every local region.
 */
export default async function setup(): Promise<void> {
  useLocalCredentials();
  const stateDir = mkdtempSync(join(tmpdir(), 'agent-platform-it-'));
  const running: { dynamoDb?: DynamoDbLocal; cognito?: CognitoLocal; stateDir: string } = { stateDir };
  globalThis.integrationEmulators = running;
  try {
    const started = Date.now();
    [running.dynamoDb, running.cognito] = await Promise.all([
      freePort().then((port) => startDynamoDbLocal({ port })),
      startCognitoLocal({ port: 0, stateDir: join(stateDir, 'cognito'), logLevel: 'silent', mailboxDir: join(stateDir, 'cognito-mailbox') }),
    ]);
    await bootstrapTables({ endpoint: running.dynamoDb.endpoint, regions: LOCAL_REGIONS, tableName: LOCAL_TABLE_NAME });
    process.env[EMULATOR_ENV.dynamoDbEndpoint] = running.dynamoDb.endpoint;
    process.env[EMULATOR_ENV.cognitoEndpoint] = running.cognito.endpoint;
    process.env[EMULATOR_ENV.cognitoMailbox] = join(stateDir, 'cognito-mailbox');
    process.stdout.write(
      `\nemulators ready in ${Date.now() - started} ms: DynamoDB Local ${running.dynamoDb.endpoint} (pid ${running.dynamoDb.pid}), cognito-local ${running.cognito.endpoint}\n`,
    );
  } catch (error) {
    await stopEmulators(running);
    globalThis.integrationEmulators = undefined;
    throw error;
  }
}
