import { CONSOLE_CONFIG_FILE, PLATFORM_ADMIN_SETTINGS_FILE } from '../console-files';

/**
 * The console's runtime settings, read from `config.json` beside index.html: the local platform writes it when it
 * serves the console, the region stack deploys it with the bundle. One build serves every environment.
 */
export interface ConsoleConfig {
  /** The API that answers discovery and platform-admin calls (the home region's). */
  readonly apiUrl: string;
  /** Each residency region's API, for platform admins acting on a tenant of another region. */
  readonly regions?: Readonly<Record<string, string>>;
  /**
   * The platform-admin pool: locally its cognito-local endpoint, in AWS its hosted UI (from platform-admin.json when
   * config.json names no client).
   */
  readonly platformAdmin: {
    readonly clientId: string;
    readonly cognitoEndpoint?: string;
    readonly hostedUiUrl?: string;
  };
}

type PlatformAdminSettings = ConsoleConfig['platformAdmin'];

/** The platform-admin settings file's content; undefined while the control plane has not written it. */
async function platformAdminSettings(): Promise<PlatformAdminSettings | undefined> {
  const response = await fetch(`/${PLATFORM_ADMIN_SETTINGS_FILE}`, { cache: 'no-store' });
  // A missing file is answered with index.html (the console routes every unknown path), so only JSON counts.
  if (!response.ok || !response.headers.get('content-type')?.includes('json')) return undefined;
  const settings = (await response.json().catch(() => undefined)) as Partial<PlatformAdminSettings> | undefined;
  return settings?.clientId ? (settings as PlatformAdminSettings) : undefined;
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch(`/${CONSOLE_CONFIG_FILE}`, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${CONSOLE_CONFIG_FILE}: ${response.status}`);
  const config = (await response.json()) as ConsoleConfig;
  if (config.platformAdmin?.clientId) return config;
  const platformAdmin = await platformAdminSettings();
  return platformAdmin ? { ...config, platformAdmin } : config;
}

/** True when platform admins can sign in through this console (its config or the control plane names their pool). */
export function platformAdminSignIn(config: ConsoleConfig): boolean {
  return Boolean(config.platformAdmin?.clientId && (config.platformAdmin.cognitoEndpoint || config.platformAdmin.hostedUiUrl));
}
