/**
 * The console's runtime settings, read from `config.json` beside index.html: the local platform writes it when it
 * serves the console, the region stack deploys it with the bundle. One build serves every environment.
 */
export interface ConsoleConfig {
  /** The API that answers discovery and platform-admin calls (the home region's). */
  readonly apiUrl: string;
  /** Each residency region's API, for platform admins acting on a tenant of another region. */
  readonly regions?: Readonly<Record<string, string>>;
  /** The platform-admin pool: locally its cognito-local endpoint, in AWS its hosted UI. */
  readonly platformAdmin: {
    readonly clientId: string;
    readonly cognitoEndpoint?: string;
    readonly hostedUiUrl?: string;
  };
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json: ${response.status}`);
  return (await response.json()) as ConsoleConfig;
}
