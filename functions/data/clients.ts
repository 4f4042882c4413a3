import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import type { CoreConfig } from '../core/config';
import { constructorEntriesAsMaps } from './document-maps';

export interface DynamoDbClientOptions {
  /** Credentials to sign with. @default the SDK's default provider chain */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

/** A low-level DynamoDB client for the configured region and endpoint. */
export function createDynamoDbClient(config: CoreConfig, options: DynamoDbClientOptions = {}): DynamoDBClient {
  return new DynamoDBClient({
    region: config.AWS_REGION,
    ...(config.DYNAMODB_ENDPOINT ? { endpoint: config.DYNAMODB_ENDPOINT } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: 3,
  });
}

/**
 * A DocumentClient over a low-level client; undefined attributes are dropped, never written as NULL, and a JSON object
 * with an entry named `constructor` is written as the map it is (see document-maps.ts).
 */
export function createDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  const documentClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: false },
  });
  documentClient.middlewareStack.use(constructorEntriesAsMaps());
  return documentClient;
}
