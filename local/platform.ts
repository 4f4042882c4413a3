import { startLocalAuditSealing, type LocalAuditSealing } from './audit-sealing';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { ClientLimits } from '../functions/billing/client-limits.catalogue';
import { join, resolve } from 'node:path';
import { bootstrapTables } from './bootstrap';
import { startCognitoLocal, type CognitoLocal } from './cognito';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb';
import { buildConsole } from '../web/build';
import { bundleFunctions } from './function-bundles';
import { type FunctionDurationStats, startLocalGateway, type LocalGateway } from './gateway';
import type { ConsoleSite } from './console-server';
import type { AuthorizerCacheStats } from './authorizer-cache';
import { startLocalOnboarding } from './onboarding';
import { readPlatformFile, writePlatformFile, type PlatformFile } from './platform-file';
import { LOCAL_REGIONS, LOCAL_TABLE_NAME, localExportBucket, localExportBuckets, useLocalCredentials } from './platform.config';
import { freePort } from './ports';
import { connectLocalProvisioner } from './provisioner';
import { startS3Local } from './s3-local';
import { seedDemoPlatform } from './seed';

/**
 * The whole local platform in one process tree: DynamoDB Local (java child), cognito-local (in-process), the table
 * in every region, the seed on first start, and one gateway per region running the functions bundled as for Lambda.
 */

export interface LocalPlatformOptions {
  /** Where the databases, the cognito state and platform.json live. */
  readonly dataDir: string;
  /** Port of the first region's API; the next regions use the following ports. 0 picks free ports. */
  readonly port: number;
  /** cognito-local's port: issuers contain it, so it must stay the same across restarts. */
  readonly cognitoPort: number;
  /**
   * DynamoDB Local's port.
   * @default a free port
   */
  readonly dynamoDbPort?: number;
  /** Receives progress lines and one line per request. */
  readonly log: (line: string) => void;
  /**
   * Log level of the functions.
   * @default 'WARN'
   */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /**
   * Limits per client address.
   * @default CLIENT_LIMITS, as the WAF web ACL enforces them in AWS
   */
  readonly clientLimits?: ClientLimits;
  /**
   * How often the local audit sealer polls (see audit-sealing.ts). In AWS the stream invokes the sealer per change,
   * so a bench of the request path slows the polling down to count only the calls requests make.
   * @default LOCAL_SEALING_INTERVAL_MS
   */
  readonly sealingIntervalMs?: number;
}

/** The audit sealer, as the table stream's consumer in AWS: links the entries changes wrote into each tenant's chain. */
function startSealing(dynamoDbEndpoint: string, options: LocalPlatformOptions): LocalAuditSealing {
  const interval = options.sealingIntervalMs ? { intervalMs: options.sealingIntervalMs } : {};
  return startLocalAuditSealing({ dynamoDbEndpoint, regions: LOCAL_REGIONS, tableName: LOCAL_TABLE_NAME, log: options.log, ...interval });
}

/** A random secret generated on first start and kept in the data directory, so it survives restarts. */
function installSecret(path: string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** The functions' secrets: list cursors and bundle manifests are signed with keys of this install. */
function installSecrets(dataDir: string): Record<string, string> {
  return { CURSOR_SECRET: installSecret(join(dataDir, 'cursor-secret')), BUNDLE_SECRET: installSecret(join(dataDir, 'bundle-secret')) };
}

export interface LocalPlatform {
  readonly file: PlatformFile;
  readonly platformFilePath: string;
  /** Whether this start seeded the demo data (first start). */
  readonly seeded: boolean;
  /** PID of the DynamoDB Local java process. */
  readonly dynamoDbPid: number;
  /** Hits and misses of the gateways' authorizer result caches since start. */
  authorizerCache(): AuthorizerCacheStats;
  /** Invocations of the route groups' functions, their summed duration (Lambda's Duration) and the gateways' own time around them, since start. */
  functionDurations(): FunctionDurationStats;
  /** Stops the gateways, cognito-local and DynamoDB Local (by PID). */
  stop(): Promise<void>;
}

/** Starts everything; on failure stops what already started and rethrows. */
export async function startLocalPlatform(options: LocalPlatformOptions): Promise<LocalPlatform> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const platformFilePath = join(dataDir, 'platform.json');
  const previous = readPlatformFile(platformFilePath);
  useLocalCredentials();

  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const step of stops.splice(0).reverse()) await step().catch((error) => options.log(`stop failed: ${String(error)}`));
  };
  try {
    const [dynamoDb, cognito, functions, consoleBuild, exportsServer] = await startServices(options, dataDir, stops);
    options.log(`DynamoDB Local ${dynamoDb.endpoint} (pid ${dynamoDb.pid}), cognito-local ${cognito.endpoint}`);
    if (previous) checkSameCognito(previous, cognito.endpoint, dataDir);

    await bootstrapTables({ endpoint: dynamoDb.endpoint, regions: LOCAL_REGIONS, tableName: LOCAL_TABLE_NAME });

    const seed = previous ?? (await seedPlatform(dynamoDb.endpoint, cognito.endpoint, options.log));

    // Onboarding by API: the local EventBridge bus, the provisioner in cognito-local, invitations in the mailbox.
    const onboarding = await startLocalOnboarding({
      dynamoDbEndpoint: dynamoDb.endpoint,
      cognitoEndpoint: cognito.endpoint,
      regions: LOCAL_REGIONS,
      tableName: LOCAL_TABLE_NAME,
      mailboxDir: join(dataDir, 'mailbox'),
      environment: installSecrets(dataDir),
      logLevel: options.logLevel ?? 'WARN',
      log: options.log,
    });
    stops.push(() => onboarding.stop());

    const gateway: LocalGateway = await startLocalGateway({
      regions: LOCAL_REGIONS,
      port: options.port,
      dynamoDbEndpoint: dynamoDb.endpoint,
      tableName: LOCAL_TABLE_NAME,
      log: options.log,
      logLevel: options.logLevel ?? 'WARN',
      functions,
      environment: onboarding.environment,
      queuesDir: join(dataDir, 'queues'),
      regionEnvironment: (region) => ({ EXPORT_BUCKET: localExportBucket(region), EXPORT_BUCKETS: localExportBuckets(), S3_ENDPOINT: exportsServer.endpoint }),
      ...(options.clientLimits ? { clientLimits: options.clientLimits } : {}),
      console: consoleSite(consoleBuild.dir, seed.platformAdmin.clientId, cognito.endpoint),
    });
    stops.push(() => gateway.close());
    onboarding.setRegionEndpoints(gateway.endpoints);
    const sealing = startSealing(dynamoDb.endpoint, options);
    stops.push(() => sealing.stop());

    const file = {
      ...platformFileOf(gateway.endpoints, cognito.endpoint, dynamoDb.endpoint, seed),
      ...(gateway.consoleUrl ? { consoleUrl: gateway.consoleUrl } : {}),
      s3Endpoint: exportsServer.endpoint,
    };
    writePlatformFile(platformFilePath, file);
    const { authorizerCache, functionDurations } = gateway;
    return { file, platformFilePath, seeded: !previous, dynamoDbPid: dynamoDb.pid, authorizerCache, functionDurations, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** First start: the platform admin and the demo tenants, in cognito-local and the tables. */
/** The console, on its own origin: its build, and the settings it reads (the API of each region, the admin's pool client). */
function consoleSite(dir: string, adminClientId: string, cognitoEndpoint: string): ConsoleSite {
  return {
    dir,
    settings: (endpoints) => ({
      apiUrl: endpoints[LOCAL_REGIONS[0]],
      regions: endpoints,
      platformAdmin: { clientId: adminClientId, cognitoEndpoint },
    }),
  };
}

async function seedPlatform(
  dynamoDbEndpoint: string,
  cognitoEndpoint: string,
  log: (line: string) => void,
): Promise<Pick<PlatformFile, 'platformAdmin' | 'tenants'>> {
  log('first start: seeding the platform admin and the demo tenants');
  const connection = connectLocalProvisioner({ dynamoDbEndpoint, cognitoEndpoint, regions: LOCAL_REGIONS, tableName: LOCAL_TABLE_NAME });
  try {
    const seeded = await seedDemoPlatform(connection.provisioner);
    const { userPoolId, clientId, username, password } = seeded.platformAdmin;
    return {
      platformAdmin: { userPoolId, clientId, username, password },
      tenants: seeded.tenants.map((tenant) => ({
        tenantId: tenant.tenantId,
        slug: tenant.slug,
        region: tenant.region,
        apiUrl: '',
        userPoolId: tenant.userPoolId,
        clientId: tenant.clientId,
        admin: tenant.admin,
      })),
    };
  } finally {
    connection.close();
  }
}

/** The seeded pools' issuers name the cognito-local endpoint of the first start: it must be the same. */
function checkSameCognito(previous: PlatformFile, cognitoEndpoint: string, dataDir: string): void {
  if (previous.cognitoEndpoint === cognitoEndpoint) return;
  throw new Error(
    `the seeded user pools' issuers name ${previous.cognitoEndpoint}, but cognito-local now runs on ${cognitoEndpoint}: ` +
      `start with COGNITO_PORT=${new URL(previous.cognitoEndpoint).port}, or delete ${dataDir} to start afresh`,
  );
}

/** What the CLI and tests read of a running local platform: its endpoints and seeded identities. */
function platformFileOf(
  endpoints: Readonly<Record<string, string>>,
  cognitoEndpoint: string,
  dynamoDbEndpoint: string,
  seed: Pick<PlatformFile, 'platformAdmin' | 'tenants'>,
): PlatformFile {
  return {
    apiUrl: endpoints[LOCAL_REGIONS[0]],
    cognitoEndpoint,
    regions: { ...endpoints },
    dynamoDbEndpoint,
    platformAdmin: seed.platformAdmin,
    tenants: seed.tenants.map((tenant) => ({ ...tenant, apiUrl: endpoints[tenant.region] ?? endpoints[LOCAL_REGIONS[0]] })),
  };
}

/** The emulators (each stopped with the platform), the functions bundled as for Lambda and the console, at once. */
async function startServices(options: LocalPlatformOptions, dataDir: string, stops: (() => Promise<void>)[]) {
  const dynamoDbPort = options.dynamoDbPort ?? (await freePort());
  return Promise.all([
    startDynamoDbLocal({ port: dynamoDbPort, dbPath: join(dataDir, 'dynamodb') }).then((started: DynamoDbLocal) => {
      stops.push(() => started.stop());
      return started;
    }),
    startCognitoLocal({ port: options.cognitoPort, stateDir: join(dataDir, 'cognito'), mailboxDir: join(dataDir, 'mailbox') }).then((started: CognitoLocal) => {
      stops.push(() => started.stop());
      return started;
    }),
    bundleFunctions(join(dataDir, 'build'), LOCAL_REGIONS),
    buildConsole(join(dataDir, 'console')),
    // Each region's export bucket, on one S3-compatible server (AWS has one bucket per region stack).
    startS3Local({ directory: join(dataDir, 's3'), buckets: LOCAL_REGIONS.map(localExportBucket) }).then((started) => {
      stops.push(() => started.stop());
      return started;
    }),
  ]);
}
