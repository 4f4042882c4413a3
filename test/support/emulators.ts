/**
 * Where the integration project's shared emulators run. The global setup starts them once and hands their endpoints
 * to the test workers through these environment variables (workers are spawned after the setup, with its env).
 */
export const EMULATOR_ENV = {
  dynamoDbEndpoint: 'INTEGRATION_DYNAMODB_ENDPOINT',
  cognitoEndpoint: 'INTEGRATION_COGNITO_ENDPOINT',
  /** The mailbox of the pools' own mail (codes of forgotten passwords). */
  cognitoMailbox: 'INTEGRATION_COGNITO_MAILBOX',
} as const;

export interface EmulatorEndpoints {
  readonly dynamoDbEndpoint: string;
  readonly cognitoEndpoint: string;
  /** The local mailbox of the pools' own mail. */
  readonly cognitoMailbox: string;
}

/** The shared emulators' endpoints; throws when the test runs without the integration project's global setup. */
export function emulatorEndpoints(env: NodeJS.ProcessEnv = process.env): EmulatorEndpoints {
  const dynamoDbEndpoint = env[EMULATOR_ENV.dynamoDbEndpoint];
  const cognitoEndpoint = env[EMULATOR_ENV.cognitoEndpoint];
  const cognitoMailbox = env[EMULATOR_ENV.cognitoMailbox];
  if (!dynamoDbEndpoint || !cognitoEndpoint || !cognitoMailbox) {
    throw new Error('the emulators are not running: run integration tests with `jest --selectProjects integration`');
  }
  return { dynamoDbEndpoint, cognitoEndpoint, cognitoMailbox };
}
