import { randomBytes } from 'node:crypto';
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { ClientLimits } from '../../functions/billing/client-limits.catalogue';
import { startLocalGateway, type FunctionSource, type LocalGateway } from '../../local/gateway';
import { startS3Local } from '../../local/s3-local';
import { localExportBucket, localExportBuckets } from '../../local/platform.config';
import type { LocalMigrationAccess } from '../../local/tenant-migrate';
import { LOCAL_CREDENTIALS, LOCAL_REGIONS, LOCAL_TABLE_NAME, useLocalCredentials, type LocalRegion } from '../../local/platform.config';
import {
  connectLocalProvisioner,
  type LocalProvisioner,
  type ProvisionedPlatformAdmin,
  type ProvisionedTenant,
  type TenantSpec,
  type UserCredentials,
} from '../../local/provisioner';
import { emulatorEndpoints } from './emulators';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalOnboarding, type LocalOnboarding } from '../../local/onboarding';
import { buildConsole } from '../../web/build';
import type { ConsoleSite } from '../../local/console-server';

/**
 * A local platform for one integration test file, on the shared emulators: its own gateway (free ports, one per
 * region), tenants with unique ids (test files share the databases and run in parallel), and tokens from
 * cognito-local.
 */

export interface Tokens {
  readonly idToken: string;
  readonly accessToken: string;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON; undefined when it is not JSON. */
  readonly json: any;
}

export interface TestPlatform {
  /** Base URL of each region's API. */
  readonly endpoints: Readonly<Record<LocalRegion, string>>;
  /** The web console's own origin, when the platform serves one (`console: true`). */
  readonly consoleUrl?: string;
  readonly cognitoEndpoint: string;
  readonly provisioner: LocalProvisioner;
  /** Provisions a tenant whose id, slug and domains are unique to this run; `overrides` may set region, plan, ... */
  createTenant(overrides?: Partial<TenantSpec>): Promise<ProvisionedTenant>;
  /** The platform-admin pool of this file, provisioned on first use. */
  platformAdmin(): Promise<ProvisionedPlatformAdmin>;
  /** Signs in with USER_PASSWORD_AUTH. */
  signIn(clientId: string, user: UserCredentials): Promise<Tokens>;
  /** The local mailbox the functions deliver invitation mail to. */
  readonly mailboxDir: string;
  /** What an operator's migration reaches: the table, the export buckets, the bundle key. */
  readonly migration: LocalMigrationAccess;
  /** The local EventBridge bus, its provisioner and the provisioning-events function. */
  readonly onboarding: LocalOnboarding;
  /** Calls a region's API; `via` is a proxy's base URL to send the request through instead. */
  call(
    region: LocalRegion,
    method: string,
    path: string,
    options?: { token?: string; headers?: Record<string, string>; body?: string; via?: string },
  ): Promise<ApiResponse>;
  close(): Promise<void>;
}

/** A tenant id that no other test file or run uses: `<prefix>-<8 hex>`. */
export function uniqueTenantId(prefix = 'it'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export interface TestPlatformOptions {
  /** @default the functions in functions/api/ */
  readonly functions?: FunctionSource;
  /** Receives the gateway's request lines. @default dropped */
  readonly log?: (line: string) => void;
  /** More environment of the functions (e.g. `ACCESS_CACHE_SECONDS`). @default none */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Limits per client address.
   * @default UNLIMITED_CLIENTS: every test calls from one address, and many test refused requests on purpose
   */
  readonly clientLimits?: ClientLimits;
  /** Log level of the functions. @default 'ERROR' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /**
   * Builds the web console and serves it on an origin of its own, as `npm start` does; its platform admin is this
   * file's.
   * @default no console
   */
  readonly console?: boolean;
  /**
   * The table of every region, which the caller has created (local/bootstrap.ts): a platform with data of its own,
   * e.g. the demo tenants under their fixed slugs.
   * @default the shared table of the integration tests
   */
  readonly tableName?: string;
}

/** Limits no test file reaches; the client limits themselves are tested with their own numbers. */
export const UNLIMITED_CLIENTS: ClientLimits = {
  anyRequest: { requests: 1_000_000, windowSeconds: 60 },
  publicRoutes: { requests: 1_000_000, windowSeconds: 60 },
  rejected: { requests: 1_000_000, windowSeconds: 60 },
};

/** Starts a gateway for every local region against the shared emulators. */
export async function startTestPlatform(options: TestPlatformOptions = {}): Promise<TestPlatform> {
  useLocalCredentials();
  const { dynamoDbEndpoint, cognitoEndpoint } = emulatorEndpoints();
  const tableName = options.tableName ?? LOCAL_TABLE_NAME;
  const mailboxDir = mkdtempSync(join(tmpdir(), 'mailbox-'));
  const consoleDir = options.console ? mkdtempSync(join(tmpdir(), 'console-')) : undefined;
  let admin: ProvisionedPlatformAdmin | undefined;
  const site: ConsoleSite | undefined = consoleDir
    ? {
        dir: (await buildConsole(consoleDir)).dir,
        settings: (endpoints) => ({
          apiUrl: endpoints[LOCAL_REGIONS[0]],
          regions: endpoints,
          platformAdmin: { clientId: admin?.clientId ?? '', cognitoEndpoint },
        }),
      }
    : undefined;
  const bundleSecret = randomBytes(32).toString('base64url');
  const onboarding = await startLocalOnboarding({
    dynamoDbEndpoint,
    cognitoEndpoint,
    regions: LOCAL_REGIONS,
    tableName,
    mailboxDir,
    environment: { CURSOR_SECRET: randomBytes(32).toString('base64url'), BUNDLE_SECRET: bundleSecret },
    logLevel: 'ERROR',
    log: options.log ?? (() => undefined),
  });
  const exportsDir = mkdtempSync(join(tmpdir(), 'exports-'));
  const exports = await startS3Local({ directory: exportsDir, buckets: LOCAL_REGIONS.map(localExportBucket) });
  const gateway: LocalGateway = await startLocalGateway({
    regions: LOCAL_REGIONS,
    port: 0,
    dynamoDbEndpoint,
    tableName,
    logLevel: options.logLevel ?? 'ERROR',
    log: options.log ?? (() => undefined),
    environment: { ...onboarding.environment, ...options.environment },
    clientLimits: options.clientLimits ?? UNLIMITED_CLIENTS,
    // Every test platform shares the table: sweeping would make each read every tenant's runs. The sweeper is tested
    // with the run consumer itself (test/integration/workflows/runs.queue.test.ts).
    sweepRuns: false,
    // Nor does the TTL emulation run: it would expire other files' items of the shared table while they assert on
    // them. It is tested with its consumer (test/integration/local-ttl-expiry.test.ts).
    ttlIntervalMs: 0,
    regionEnvironment: (region) => ({ EXPORT_BUCKET: localExportBucket(region), EXPORT_BUCKETS: localExportBuckets(), S3_ENDPOINT: exports.endpoint }),
    ...(options.functions ? { functions: options.functions } : {}),
    ...(site ? { console: site } : {}),
  });
  onboarding.setRegionEndpoints(gateway.endpoints);
  const connection = connectLocalProvisioner({ dynamoDbEndpoint, cognitoEndpoint, regions: LOCAL_REGIONS, tableName });
  const cognito = new CognitoIdentityProviderClient({ region: LOCAL_REGIONS[0], endpoint: cognitoEndpoint, credentials: LOCAL_CREDENTIALS });
  let platformAdmin: Promise<ProvisionedPlatformAdmin> | undefined;
  const provisionAdmin = () =>
    (platformAdmin ??= connection.provisioner
      .provisionPlatformAdmin({ email: `ops-${randomBytes(4).toString('hex')}@platform.example` })
      .then((provisioned) => {
        admin = provisioned;
        return provisioned;
      }));
  if (site) await provisionAdmin();

  return {
    endpoints: gateway.endpoints as Record<LocalRegion, string>,
    ...(gateway.consoleUrl ? { consoleUrl: gateway.consoleUrl } : {}),
    cognitoEndpoint,
    mailboxDir,
    migration: {
      dynamoDbEndpoint,
      s3Endpoint: exports.endpoint,
      bundleSecret,
      tableName: LOCAL_TABLE_NAME,
      credentialStoreDir: String(onboarding.environment.CREDENTIAL_STORE_DIR),
      cognitoEndpoint,
    },
    onboarding,
    provisioner: connection.provisioner,
    createTenant: (overrides = {}) => {
      const tenantId = overrides.tenantId ?? uniqueTenantId();
      return connection.provisioner.provisionTenant({
        tenantId,
        slug: tenantId,
        name: `Tenant ${tenantId}`,
        plan: 'team',
        region: LOCAL_REGIONS[0],
        emailDomains: [`${tenantId}.example`],
        branding: { displayName: tenantId },
        adminEmail: `admin@${tenantId}.example`,
        ...overrides,
      });
    },
    platformAdmin: provisionAdmin,
    signIn: async (clientId, user) => {
      const { AuthenticationResult } = await cognito.send(
        new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: user.username, PASSWORD: user.password } }),
      );
      if (!AuthenticationResult?.IdToken || !AuthenticationResult.AccessToken) throw new Error(`no tokens for ${user.username}`);
      return { idToken: AuthenticationResult.IdToken, accessToken: AuthenticationResult.AccessToken };
    },
    call: async (region, method, path, { token, headers = {}, body, via } = {}) => {
      const response = await fetch(`${via ?? gateway.endpoints[region]}${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        ...(body !== undefined ? { body } : {}),
      });
      const text = await response.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: response.status, headers: response.headers, text, json };
    },
    close: async () => {
      await gateway.close();
      await onboarding.stop();
      await exports.stop();
      rmSync(exportsDir, { recursive: true, force: true });
      rmSync(mailboxDir, { recursive: true, force: true });
      if (consoleDir) rmSync(consoleDir, { recursive: true, force: true });
      cognito.destroy();
      connection.close();
    },
  };
}
