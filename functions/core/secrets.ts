/**
 * Secrets reach a function by reference only: CDK passes `<NAME>_ARN` (a Secrets Manager secret) and the value
 * `<NAME>` is read once, at the first invocation, through the AWS Parameters and Secrets Lambda extension, which runs
 * beside the function and caches the value. The value never appears in the template or the function's
 * configuration. Locally `<NAME>` is given directly and nothing is read.
 */

/** Suffix of the variable that names a secret: `CURSOR_SECRET_ARN` names the secret whose value is `CURSOR_SECRET`. */
export const SECRET_ARN_SUFFIX = '_ARN';

/** Reads a secret's string value by ARN. */
export interface SecretReader {
  read(secretArn: string): Promise<string>;
}

/** The extension's local HTTP endpoint; it authenticates calls with the function's own session token. */
export class ExtensionSecretReader implements SecretReader {
  constructor(
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async read(secretArn: string): Promise<string> {
    const port = this.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? '2773';
    const token = this.env.AWS_SESSION_TOKEN;
    if (!token) throw new Error('cannot read secrets: AWS_SESSION_TOKEN is not set (not running in Lambda?)');
    const response = await this.fetchImpl(`http://localhost:${port}/secretsmanager/get?secretId=${encodeURIComponent(secretArn)}`, {
      headers: { 'X-Aws-Parameters-Secrets-Token': token },
    });
    if (!response.ok) throw new Error(`reading secret ${secretArn} failed: HTTP ${response.status}`);
    const body = (await response.json()) as { SecretString?: unknown };
    if (typeof body.SecretString !== 'string' || body.SecretString.length === 0) throw new Error(`secret ${secretArn} has no string value`);
    return body.SecretString;
  }
}

/**
 * Sets each `<NAME>` from the secret its `<NAME>_ARN` names, unless `<NAME>` is already set or no ARN is given (the
 * runtime config then reports what is missing).
 */
export async function resolveSecretEnvironment(
  names: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  reader: SecretReader = new ExtensionSecretReader(env),
): Promise<void> {
  await Promise.all(
    names.map(async (name) => {
      const arn = env[`${name}${SECRET_ARN_SUFFIX}`];
      if (env[name] !== undefined || !arn) return;
      env[name] = await reader.read(arn);
    }),
  );
}
