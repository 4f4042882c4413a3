import type { UsageKeyProvisioning } from '../billing/usage-key.binding';
import { ConfigError } from '../core/config';
import { IssuerRegistryRepository } from '../identity/issuer-registry.repository';
import { credentialKeyAlias } from '../governance/credential-store';
import { ManifestSigner } from '../portability/bundle.schema';
import type { ObjectStore } from '../portability/object-store';
import { TenantExporter } from '../portability/tenant-export';
import { TenantImporter } from '../portability/tenant-import';
import { bundleKindReader, manifestReader, TenantMigration, type MigrationRegion } from '../portability/tenant-migration';
import { TENANT_DATA_CATALOGUE } from '../tenant-data.catalogue';
import { DirectoryRepository } from '../tenants/directory.repository';
import { TenantPurge } from '../tenants/tenant-purge';
import { credentialStoreOf } from './credential-store.dependencies';
import { createTenantWrites, isolationOf } from './dependencies';
import { exportStoreOf } from './export-store.dependencies';
import { apiGatewayUsageKeysOf } from './usage-keys.dependencies';
import { memoized } from './migration.dependencies';
import { onFirstUse } from '../core/on-first-use';
import { tenantPoolName } from '../users/tenant-pools';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { directoryRegionsOf, regionConfigOf, type RuntimeConfig } from './runtime-config';

/**
 * Wiring of tenant migrations between regions: the migration the job consumer runs (and the operators' CLI, with the
 * local platform's configuration) reaches every residency region's table and credential store through that region's
 * data roles (tenant sessions for the data and the secrets, the platform role for the directory copies, the issuer
 * registry role for the tenant pool's registration in the target, the region's API Gateway API for the tenant's usage
 * key), and keeps
 * the bundle in the target region's export bucket (EXPORT_BUCKETS), where the data goes. Only the job consumer and the
 * CLI load it: the API's function records migrations but never runs one.
 */

/** The migration to each region, built at its first use and kept. */
export function migrationsOf(config: RuntimeConfig): (to: string) => TenantMigration {
  return memoized((to) => tenantMigrationOf(config, to));
}

/** A migration to `to`, over every region of the configuration. */
export function tenantMigrationOf(config: RuntimeConfig, to: string): TenantMigration {
  const bucket = config.EXPORT_BUCKETS[to];
  if (!bucket) throw new ConfigError(`invalid runtime configuration: EXPORT_BUCKETS: no export bucket of ${to}: required by the functions that run migrations`);
  if (!config.BUNDLE_SECRET) throw new ConfigError('invalid runtime configuration: BUNDLE_SECRET: required by the functions that run migrations');
  const store = exportStoreOf(config, to, bucket);
  const signer = new ManifestSigner(config.BUNDLE_SECRET);
  const regions = directoryRegionsOf(config).all.map((region) => regionConfigOf(config, region));
  return new TenantMigration({
    regions: Object.fromEntries(
      regions.map((regional) => [
        regional.AWS_REGION,
        { ...migrationRegionOf(regional, store, signer, usageKeysIn(config, regional.AWS_REGION)), ...poolsIn(config, regional.AWS_REGION) },
      ]),
    ),
    // The control plane's copy first: the migration reads the tenant's home from it.
    directories: regions.map((regional) => new DirectoryRepository(isolationOf(regional).platformDb(), regional.TABLE_NAME)),
    catalogue: TENANT_DATA_CATALOGUE,
    readManifest: manifestReader(store),
    readKind: bundleKindReader(store),
    // The source's gates see the cut-over within their directory cache's bound: its data stays until then.
    cutOverSettleMs: config.DIRECTORY_CACHE_SECONDS * 1000,
  });
}

/**
 * One region as a migration reaches it: its table and its credential store through tenant sessions (new secrets
 * encrypted with the region's credential key, by its alias), the shared bundle store and signer. Its purge (of the
 * source) deletes the tenant's secrets too, once the migration copied them to the target.
 */
function migrationRegionOf(
  config: RuntimeConfig,
  store: ObjectStore,
  signer: ManifestSigner,
  usageKeys: { usageKeys?: UsageKeyProvisioning },
): MigrationRegion {
  const { db, executor } = createTenantWrites(config);
  const kmsKeyId = credentialKeyAlias(config.CREDENTIAL_SECRET_PREFIX);
  const credentials = credentialStoreOf(config, { isolation: isolationOf(config), purges: true, kmsKeyId });
  const data = { db, tableName: config.TABLE_NAME, catalogue: TENANT_DATA_CATALOGUE, store, signer };
  return {
    region: config.AWS_REGION,
    db,
    tableName: config.TABLE_NAME,
    exporter: new TenantExporter({ ...data, region: config.AWS_REGION }),
    importer: new TenantImporter({ ...data, executor }),
    purge: new TenantPurge(db, config.TABLE_NAME, TENANT_DATA_CATALOGUE, { elsewhere: [credentials] }),
    executor,
    credentials,
    // Through the region's issuer registry role, assumed when a migration to the region first registers a pool.
    issuers: { register: (registration) => new IssuerRegistryRepository(isolationOf(config).issuerRegistryDb(), config.TABLE_NAME).register(registration) },
    ...usageKeys,
  };
}

/**
 * The region's usage plans through its API Gateway API, when the function moves usage keys (USAGE_KEY_BINDING): in
 * AWS the job consumer, granted the key and usage-plan actions of the other residency regions; locally each region's
 * management port (APIGATEWAY_ENDPOINTS). Built at first use: the API Gateway client loads only when a migration
 * reaches its cut-over.
 */
function usageKeysIn(home: RuntimeConfig, region: string): { usageKeys?: UsageKeyProvisioning } {
  if (home.USAGE_KEY_BINDING !== 'api-gateway') return {};
  const endpoint = home.APIGATEWAY_ENDPOINTS[region] ?? (region === home.AWS_REGION ? home.APIGATEWAY_ENDPOINT : undefined);
  // An endpoint override means a local gateway: another region's keys are never sent to AWS instead of its port.
  if (home.APIGATEWAY_ENDPOINT && !endpoint) {
    throw new ConfigError(`invalid runtime configuration: APIGATEWAY_ENDPOINTS: no API Gateway endpoint of ${region}: required by migrations`);
  }
  return { usageKeys: apiGatewayUsageKeysOf(home.STAGE, region, endpoint) };
}

/**
 * The region's tenant pools and their users through its Cognito API, when the function moves pools (TENANT_POOLS): in
 * AWS the job consumer, granted the user actions on the tenant pools of every residency region; locally cognito-local
 * (COGNITO_ENDPOINT), one emulator for every region, where the pool a region lacks is made under a name of the region.
 * Built at first use: the Cognito client loads only when a migration reaches its pool.
 */
function poolsIn(home: RuntimeConfig, region: string): Pick<MigrationRegion, 'pools'> {
  const mode = home.TENANT_POOLS;
  if (!mode) return {};
  let client: CognitoIdentityProviderClient | undefined;
  const cognito = () => {
    if (!client) {
      const { CognitoIdentityProviderClient } =
        require('@aws-sdk/client-cognito-identity-provider') as typeof import('@aws-sdk/client-cognito-identity-provider');
      client = new CognitoIdentityProviderClient({ region, maxAttempts: 3, ...(home.COGNITO_ENDPOINT ? { endpoint: home.COGNITO_ENDPOINT } : {}) });
    }
    return client;
  };
  const make = mode === 'make' ? home.COGNITO_ENDPOINT : undefined;
  if (mode === 'make' && !make) throw new ConfigError('invalid runtime configuration: COGNITO_ENDPOINT: required with TENANT_POOLS=make');
  return {
    pools: {
      tenants: onFirstUse(() => {
        const { CognitoTenantPools } = require('../users/tenant-pools.cognito') as typeof import('../users/tenant-pools.cognito');
        const poolName = make
          ? (tenantId: string) => `${tenantPoolName(home.STAGE, tenantId)}.${region}`
          : (tenantId: string) => tenantPoolName(home.STAGE, tenantId);
        return new CognitoTenantPools(cognito(), { region, poolName, ...(make ? { makeAt: make } : {}) });
      }),
      users: onFirstUse(() => {
        const { CognitoPoolUsers } = require('../users/pool-users.cognito') as typeof import('../users/pool-users.cognito');
        return new CognitoPoolUsers(cognito());
      }),
    },
  };
}
