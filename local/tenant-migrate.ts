import { createTenantWrites, isolationOf } from '../functions/api/dependencies';
import { parseRuntimeConfig } from '../functions/api/runtime-config';
import { ManifestSigner } from '../functions/portability/bundle.schema';
import { createS3Client, LOCAL_S3_CREDENTIALS, S3ObjectStore } from '../functions/portability/s3.object-store';
import type { KindProgress } from '../functions/portability/tenant-export';
import { TenantExporter } from '../functions/portability/tenant-export';
import { TenantImporter } from '../functions/portability/tenant-import';
import { manifestReader, TenantMigration, type MigrationRegion, type MigrationStep } from '../functions/portability/tenant-migration';
import { TENANT_DATA_CATALOGUE } from '../functions/tenant-data.catalogue';
import { DirectoryRepository } from '../functions/tenants/directory.repository';
import { TenantPurge } from '../functions/tenants/tenant-purge';
import { LOCAL_REGIONS, localExportBucket, useLocalCredentials } from './platform.config';

/** What a migration on the local platform reaches: its DynamoDB Local, its export buckets and its bundle key. */
export interface LocalMigrationAccess {
  readonly dynamoDbEndpoint: string;
  readonly s3Endpoint: string;
  readonly bundleSecret: string;
  readonly tableName: string;
  /** The bucket bundles of a migration to a region are kept in. @default localExportBucket(region) */
  readonly bucketOf?: (region: string) => string;
}

export interface LocalMigrationRequest {
  readonly tenantId: string;
  readonly to: string;
  /** `platform-admin:<name>` of the operator. */
  readonly actor: string;
}

const STEPS: readonly MigrationStep[] = ['exported', 'imported', 'verified', 'cut-over', 'purged'];

/**
 * Migrates a tenant of the local platform to another region, as an operator's tool: the same TenantMigration the
 * platform's functions would run, over each region's table through the data roles' local stand-ins. The bundle is
 * kept in the target region's export bucket (where the data goes), so a run resumed after any step finds it.
 */
export async function migrateLocalTenant(
  access: LocalMigrationAccess,
  request: LocalMigrationRequest,
  onStep: (step: MigrationStep, items: readonly KindProgress[]) => void,
): Promise<void> {
  useLocalCredentials();
  if (!LOCAL_REGIONS.includes(request.to as (typeof LOCAL_REGIONS)[number])) throw new RangeError(`no region ${request.to} (${LOCAL_REGIONS.join(', ')})`);
  const store = new S3ObjectStore({
    client: createS3Client(request.to, { endpoint: access.s3Endpoint, credentials: LOCAL_S3_CREDENTIALS }),
    bucket: (access.bucketOf ?? localExportBucket)(request.to),
  });
  const signer = new ManifestSigner(access.bundleSecret);
  const regions = Object.fromEntries(LOCAL_REGIONS.map((region) => [region, regionOf(access, region, store, signer)]));
  const migration = new TenantMigration({
    regions: Object.fromEntries(Object.entries(regions).map(([region, data]) => [region, data.migration])),
    directories: Object.values(regions).map((data) => data.directory),
    catalogue: TENANT_DATA_CATALOGUE,
    readManifest: manifestReader(store),
  });
  await migration.migrate({ ...request, requestId: `cli-migrate-${request.tenantId}-${request.to}` }, onStep);
}

function regionOf(access: LocalMigrationAccess, region: string, store: S3ObjectStore, signer: ManifestSigner) {
  const config = parseRuntimeConfig({
    AWS_REGION: region,
    TABLE_NAME: access.tableName,
    DYNAMODB_ENDPOINT: access.dynamoDbEndpoint,
    DATA_CREDENTIALS: 'local',
    LOG_LEVEL: 'ERROR',
  });
  const { db, executor } = createTenantWrites(config);
  const data = { db, tableName: access.tableName, catalogue: TENANT_DATA_CATALOGUE, store, signer };
  const migration: MigrationRegion = {
    region,
    db,
    tableName: access.tableName,
    exporter: new TenantExporter({ ...data, region }),
    importer: new TenantImporter({ ...data, executor }),
    purge: new TenantPurge(db, access.tableName, TENANT_DATA_CATALOGUE),
    executor,
  };
  return { migration, directory: new DirectoryRepository(isolationOf(config).platformDb(), access.tableName) };
}

/** A bar of the migration's steps for a terminal: `[######------------] 2/5 imported`. */
export function progressBar(step: MigrationStep, width = 30): string {
  const done = STEPS.indexOf(step) + 1;
  const filled = Math.round((done / STEPS.length) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${STEPS.length} ${step}`;
}
