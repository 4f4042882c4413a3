import { HASH_CHAIN } from '../audit/audit-chain';
import type { UsageKeyBinding } from '../billing/usage-key.binding';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ApiKeyRepository } from '../api-keys/api-key.repository';
import { ApiKeyService } from '../api-keys/api-key.service';
import { ConfigError } from '../core/config';
import { onFirstUse } from '../core/on-first-use';
import { directoryRegionsOf, regionConfigOf, type RuntimeConfig } from './runtime-config';
import type { TenantGate } from '../core/http';
import type { Logger } from '../core/logger';
import { CursorCodec } from '../data/cursor';
import { MutationExecutor } from '../data/mutation.executor';
import { createIsolation } from '../isolation/tenant-db';
import { CachedPlanSource } from '../quotas/plan.source';
import { DirectoryRepository } from '../tenants/directory.repository';
import { CachedDirectory } from '../tenants/directory.cache';
import type { OnboardingEvents } from '../tenants/onboarding.events';
import { createTenantGate } from '../tenants/tenant-gate';
import { ReplicatedDirectory } from '../tenants/tenant-directory.replicas';
import { TenantLifecycleService, type TenantHome } from '../tenants/tenant-lifecycle.service';
import type { DataKind } from '../data/data-kind';
import { TenantPurge } from '../tenants/tenant-purge';
import { TenantRepository } from '../tenants/tenant.repository';
import { mailerOf } from './mailer.dependencies';
import { userDirectoryOf, userServiceOf, type UserAdapters } from './users.dependencies';
import type { UserService } from '../users/user.service';
import { ConflictError } from '../core/errors';
import { createLogger } from '../core/logger';
import type { CredentialSecretStore } from '../governance/credential-store';
import { MigrationJobRepository } from '../portability/migration-job.kind';
import { credentialStoreOf } from './credential-store.dependencies';
import { apiGatewayUsageKeysOf } from './usage-keys.dependencies';
import { isolationOf, retentionOf, telemetryOf } from './dependencies';
import type { RequestTelemetryPorts } from '../core/request-telemetry.middleware';

/**
 * Wiring of the tenant lifecycle, with the users, invitations and API keys of every region it serves. Tenant data
 * is reached only through the isolation layer (a tenant-scoped client per tenant, per region); the directory through
 * the platform client. The control plane touches several regions (the directory is kept in each, a tenant's record
 * lives in its home region), so each region's data is built on first use.
 */

/**
 * The offboarding purge of a region's tenants: the table's items, the credential store's secrets and the tenant's
 * migration records in the region (platform items, which no kind of the catalogue names). Without the catalogue a
 * purge is refused rather than done partly.
 */
function purgeOf(data: RegionData, catalogue: readonly DataKind[] | undefined): TenantHome['purge'] {
  if (catalogue) {
    const elsewhere = [
      { deleteAll: (tenantId: string) => data.credentials().deleteAll(tenantId) },
      { deleteAll: (tenantId: string) => data.migrationRecords().deleteAll(tenantId) },
    ];
    return new TenantPurge(data.db, data.tableName, catalogue, { elsewhere });
  }
  return {
    purge: async () => {
      throw new ConfigError('this function was built without the data catalogue and cannot purge tenants');
    },
  };
}

/** One region's data, as this function reaches it. */
export interface RegionData {
  readonly region: string;
  /** The region's table. */
  readonly tableName: string;
  readonly db: (tenantId: string) => DynamoDBDocumentClient;
  /** The region's directory copy, read-only (the directory read role): what members and API keys need of it. */
  readonly directory: DirectoryRepository;
  /**
   * The region's directory copy, written through the platform data role: the lifecycle's only. Made on first use, so
   * the functions that never change the directory need no platform role.
   */
  readonly writableDirectory: () => DirectoryRepository;
  readonly mutations: MutationExecutor;
  /**
   * The region's credential store, as the offboarding purge deletes from it (listing names with the function's own
   * role, deleting with the tenant's session). Made on first use: only the purging functions are configured for it.
   */
  readonly credentials: () => CredentialSecretStore;
  /** The region's migration records, through the platform data role (the offboarding purge deletes the tenant's). */
  readonly migrationRecords: () => MigrationJobRepository;
}

/** The external services of the area, replaceable in tests. */
export interface LifecycleAdapters extends UserAdapters {
  readonly events: OnboardingEvents;
  /** This region's usage plans. @default none: plan changes are refused */
  readonly usageKeys?: UsageKeyBinding;
}

/**
 * One region's data: this function's own region through the instance's isolation layer; another region through
 * its table and data roles from DATA_REGIONS (in AWS), or the same names in that region (locally, where no map is
 * given).
 */
function regionData(config: RuntimeConfig, region: string): RegionData {
  const regionConfig = regionConfigOf(config, region);
  const tableName = regionConfig.TABLE_NAME;
  const isolation = region === config.AWS_REGION ? isolationOf(config) : createIsolation(regionConfig);
  const db = (tenantId: string) => isolation.forTenant(tenantId);
  const plans = new CachedPlanSource({ db, tableName });
  let writable: DirectoryRepository | undefined;
  let credentials: CredentialSecretStore | undefined;
  let migrationRecords: MigrationJobRepository | undefined;
  return {
    region,
    tableName,
    db,
    directory: new DirectoryRepository(isolation.directoryDb(), tableName),
    writableDirectory: () => (writable ??= new DirectoryRepository(isolation.platformDb(), tableName)),
    mutations: new MutationExecutor({ chain: HASH_CHAIN, db, tableName, plans, retention: retentionOf(db, tableName) }),
    credentials: () => (credentials ??= credentialStoreOf(config, { region, isolation, purges: true })),
    migrationRecords: () => (migrationRecords ??= new MigrationJobRepository(isolation.platformDb(), tableName)),
  };
}

/**
 * The region's usage plans through the API Gateway API (the local gateway's management port locally), built at first
 * use: the API Gateway client loads only in instances that move a key.
 */
export function usageKeyBindingOf(config: RuntimeConfig): UsageKeyBinding | undefined {
  if (config.USAGE_KEY_BINDING !== 'api-gateway') return undefined;
  return apiGatewayUsageKeysOf(config.STAGE, config.AWS_REGION, config.APIGATEWAY_ENDPOINT);
}

/** The onboarding bus, which lives in the control-plane region, built at first use. */
function onboardingEventsOf(config: RuntimeConfig): OnboardingEvents {
  return onFirstUse(() => {
    const { EventBridgeClient } = require('@aws-sdk/client-eventbridge') as typeof import('@aws-sdk/client-eventbridge');
    const { EventBridgeOnboardingEvents } = require('../tenants/onboarding.eventbridge') as typeof import('../tenants/onboarding.eventbridge');
    const endpoint = config.EVENTBRIDGE_ENDPOINT ? { endpoint: config.EVENTBRIDGE_ENDPOINT } : {};
    const events = new EventBridgeClient({ region: config.CONTROL_PLANE_REGION ?? config.AWS_REGION, maxAttempts: 3, ...endpoint });
    return new EventBridgeOnboardingEvents(events, config.ONBOARDING_EVENT_BUS);
  });
}

/**
 * The real adapters from the configuration: Cognito (or cognito-local), SES (or the mailbox), EventBridge, each built
 * at its first use, so a cold start loads only the AWS SDK clients its requests call.
 */
export function createLifecycleAdapters(config: RuntimeConfig): LifecycleAdapters {
  const usageKeys = usageKeyBindingOf(config);
  return {
    users: userDirectoryOf(config),
    mailer: mailerOf(config),
    events: onboardingEventsOf(config),
    ...(usageKeys ? { usageKeys } : {}),
  };
}

export interface LifecycleDependencies {
  readonly logger: Logger;
  readonly telemetry: RequestTelemetryPorts;
  readonly tenantGate: TenantGate;
  /** The region's directory entries, through the gate's cache (DIRECTORY_CACHE_SECONDS). */
  readonly directory: Pick<CachedDirectory, 'get'>;
  /** This region's data. */
  readonly local: RegionData;
  readonly tenantRecords: (tenantId: string) => TenantRepository;
  readonly users: UserService;
  readonly apiKeys: ApiKeyService;
  readonly lifecycle: TenantLifecycleService;
}

/** What the lifecycle needs of a tenant's home region: its records, writes, purge, usage plans and first admins. */
function tenantHomeIn(data: RegionData, users: UserService, catalogue: readonly DataKind[] | undefined, usageKeys: UsageKeyBinding | undefined): TenantHome {
  return {
    record: (tenantId) => new TenantRepository(data.db(tenantId), data.tableName).get(tenantId),
    manifest: (tenantId) => new TenantRepository(data.db(tenantId), data.tableName).getManifest(tenantId),
    mutations: data.mutations,
    purge: purgeOf(data, catalogue),
    ...(usageKeys ? { usageKeys } : {}),
    inviteAdmins: async (tenantId, emails, requestId) => {
      for (const email of emails) {
        await users
          .invite({ tenantId, actor: 'system:onboarding', requestId: `${requestId}/${email}` }, { email, role: 'tenant-admin' })
          .catch((error: unknown) => {
            if (!(error instanceof ConflictError)) throw error;
          });
      }
    },
  };
}

/** The tenant lifecycle over every region's directory copy; `changed` is told of each entry it changes. */
function lifecycleServiceOf(
  config: RuntimeConfig,
  parts: {
    readonly dataOf: (region: string) => RegionData;
    readonly homeOf: (region: string) => TenantHome;
    readonly events: LifecycleAdapters['events'];
    readonly cursors: CursorCodec;
    readonly clock: (() => Date) | undefined;
    readonly changed: (tenantId: string) => void;
  },
): TenantLifecycleService {
  const { controlPlane, all } = directoryRegionsOf(config);
  const { dataOf, clock } = parts;
  return new TenantLifecycleService({
    directory: new ReplicatedDirectory(
      dataOf(controlPlane).writableDirectory(),
      all.filter((region) => region !== controlPlane).map((region) => dataOf(region).writableDirectory()),
      parts.changed,
    ),
    homeOf: parts.homeOf,
    servedRegions: all,
    region: config.AWS_REGION,
    controlPlaneRegion: controlPlane,
    regionEndpoints: config.REGION_ENDPOINTS,
    events: parts.events,
    cursors: parts.cursors,
    ...(clock ? { clock } : {}),
  });
}

/**
 * Everything the tenants group, the provisioning events and the period close are built from, once per function
 * instance (the users and api-keys groups are built from their own region's data alone: users.dependencies.ts).
 * Adapters and clock may be replaced (tests).
 */
export function createLifecycleDependencies(
  config: RuntimeConfig,
  serviceName: string,
  overrides: {
    readonly adapters?: LifecycleAdapters;
    readonly clock?: () => Date;
    readonly region?: (region: string) => RegionData;
    /**
     * The data catalogue, for the functions that purge (tenants, provisioning events): passed in, so a bundle that
     * does not purge carries no kind's schemas. @default none: purging fails closed
     */
    readonly catalogue?: readonly DataKind[];
  } = {},
): LifecycleDependencies {
  if (!config.CURSOR_SECRET) throw new ConfigError('invalid runtime configuration: CURSOR_SECRET is required');
  const cursors = new CursorCodec(config.CURSOR_SECRET);
  const adapters = overrides.adapters ?? createLifecycleAdapters(config);
  const clock = overrides.clock;
  const regions = new Map<string, RegionData>();
  const dataOf = (region: string): RegionData => {
    let data = regions.get(region);
    if (!data) {
      data = overrides.region ? overrides.region(region) : regionData(config, region);
      regions.set(region, data);
    }
    return data;
  };
  const { all } = directoryRegionsOf(config);
  const local = dataOf(config.AWS_REGION);

  // The gate reads the region's entry through the container's cache (DIRECTORY_CACHE_SECONDS), which this
  // container's own changes of the directory invalidate: its next request sees them, other containers within the bound.
  const gateDirectory = new CachedDirectory(local.directory, { ttlMs: config.DIRECTORY_CACHE_SECONDS * 1000 });
  const usersIn = (data: RegionData) => userServiceOf(config, data, adapters, cursors, clock);
  const localUsers = usersIn(local);
  const homes = new Map<string, TenantHome>();
  const homeOf = (region: string): TenantHome => {
    if (!all.includes(region)) throw new ConfigError(`region ${region} is not among DIRECTORY_REGIONS (${all.join(', ')})`);
    let home = homes.get(region);
    if (!home) {
      const data = dataOf(region);
      const isLocal = region === local.region;
      // Usage plans are the region's: only the tenants homed here (the others are answered 421 first).
      home = tenantHomeIn(data, isLocal ? localUsers : usersIn(data), overrides.catalogue, isLocal ? adapters.usageKeys : undefined);
      homes.set(region, home);
    }
    return home;
  };
  // Built on first use: only the functions that change the directory (tenants, provisioning events) have the role.
  let lifecycle: TenantLifecycleService | undefined;
  const lifecycleOf = () =>
    (lifecycle ??= lifecycleServiceOf(config, {
      dataOf,
      homeOf,
      events: adapters.events,
      cursors,
      clock,
      changed: (tenantId) => gateDirectory.invalidate(tenantId),
    }));
  return {
    logger: createLogger(serviceName, config.LOG_LEVEL),
    telemetry: telemetryOf(config),
    tenantGate: createTenantGate({ directory: gateDirectory, region: config.AWS_REGION, regionEndpoints: config.REGION_ENDPOINTS, audit: local.mutations }),
    directory: gateDirectory,
    local,
    tenantRecords: (tenantId) => new TenantRepository(local.db(tenantId), local.tableName),
    users: localUsers,
    apiKeys: new ApiKeyService({ keys: new ApiKeyRepository(local.db, local.tableName), mutations: local.mutations, cursors, ...(clock ? { clock } : {}) }),
    get lifecycle() {
      return lifecycleOf();
    },
  };
}
