import { migrationRecordsOf } from '../functions/api/migration.dependencies';
import { tenantMigrationOf } from '../functions/api/tenant-migration.dependencies';
import { parseRuntimeConfig, type RuntimeConfig } from '../functions/api/runtime-config';
import { ConflictError, DomainError } from '../functions/core/errors';
import type { MigrationJob } from '../functions/portability/migration-job.kind';
import { migrationExportId, stoppedAfterCutOver } from '../functions/portability/migration-job.service';
import type { KindProgress } from '../functions/portability/tenant-export';
import { MIGRATION_STEPS, type MigrationStep } from '../functions/portability/tenant-migration';
import { LOCAL_REGIONS, localExportBucket, localExportBuckets, useLocalCredentials } from './platform.config';

/** What a migration on the local platform reaches: its DynamoDB Local, export buckets, credential store and bundle key. */
export interface LocalMigrationAccess {
  readonly dynamoDbEndpoint: string;
  readonly s3Endpoint: string;
  readonly bundleSecret: string;
  readonly tableName: string;
  /** The local credential store's folder (one folder per region in it), whose tenant secrets the migration moves. */
  readonly credentialStoreDir: string;
  /** cognito-local: the migration moves the tenant's users to a pool of the target region made there. */
  readonly cognitoEndpoint?: string;
  /** The bucket bundles of a migration to a region are kept in. @default localExportBucket(region) */
  readonly bucketOf?: (region: string) => string;
}

export interface LocalMigrationRequest {
  readonly tenantId: string;
  readonly to: string;
  /** `platform-admin:<name>` of the operator. */
  readonly actor: string;
}

/**
 * Migrates a tenant of the local platform to another region, as an operator's tool: the same TenantMigration, wired
 * the same way, as the job consumer runs for `POST /v1/tenants/{tenantId}/migrations`, over each region's
 * table through the data roles' local stand-ins. The bundle is kept in the target region's export bucket (where the
 * data goes), so a run resumed after any step finds it. A migration the API started that stopped FAILED after its
 * cut-over is resumed too: the run uses its bundle, and records it SUCCEEDED in both regions once the source is purged.
 */
export async function migrateLocalTenant(
  access: LocalMigrationAccess,
  request: LocalMigrationRequest,
  onStep: (step: MigrationStep, items: readonly KindProgress[]) => void,
): Promise<void> {
  useLocalCredentials();
  if (!LOCAL_REGIONS.includes(request.to as (typeof LOCAL_REGIONS)[number])) throw new RangeError(`no region ${request.to} (${LOCAL_REGIONS.join(', ')})`);
  const config = parseRuntimeConfig({
    AWS_REGION: LOCAL_REGIONS[0],
    TABLE_NAME: access.tableName,
    DYNAMODB_ENDPOINT: access.dynamoDbEndpoint,
    DATA_CREDENTIALS: 'local',
    LOG_LEVEL: 'ERROR',
    CONTROL_PLANE_REGION: LOCAL_REGIONS[0],
    DIRECTORY_REGIONS: LOCAL_REGIONS.join(','),
    S3_ENDPOINT: access.s3Endpoint,
    BUNDLE_SECRET: access.bundleSecret,
    EXPORT_BUCKETS: localExportBuckets(access.bucketOf ?? localExportBucket),
    CREDENTIAL_STORE: 'file',
    CREDENTIAL_STORE_DIR: access.credentialStoreDir,
    ...(access.cognitoEndpoint ? { COGNITO_ENDPOINT: access.cognitoEndpoint, TENANT_POOLS: 'make' } : {}),
  });
  await refuseWhileAJobRuns(config, request.tenantId);
  const stopped = await stoppedJobOf(config, request);
  const exportId = stopped ? { exportId: migrationExportId(stopped.migrationId) } : {};
  const migration = tenantMigrationOf(config, request.to);
  try {
    await migration.migrate({ ...request, requestId: `cli-migrate-${request.tenantId}-${request.to}`, ...exportId }, onStep);
  } catch (error) {
    // A refusal goes no better on another run: the tenant takes changes again at home. After a crash it stays held,
    // and running the migration again resumes it.
    if (error instanceof DomainError) await migration.abandon(request.tenantId);
    throw error;
  }
  if (!stopped) return;
  const done: MigrationJob = { ...stopped, state: 'SUCCEEDED', step: 'purged', errors: [], updatedAt: new Date().toISOString() };
  await Promise.all([stopped.from, stopped.to].map((region) => migrationRecordsOf(config, region).save(done)));
}

/**
 * Refuses to run beside a migration job of the tenant that has not finished: the CLI would take over its move (the
 * mark in the directory names the job's export), and giving up a refused run would free the tenant the job holds.
 */
async function refuseWhileAJobRuns(config: RuntimeConfig, tenantId: string): Promise<void> {
  for (const region of LOCAL_REGIONS) {
    const latest = await migrationRecordsOf(config, region).latest(tenantId);
    if (latest && (latest.state === 'QUEUED' || latest.state === 'RUNNING')) {
      throw new ConflictError(`migration ${latest.migrationId} of tenant ${tenantId} to ${latest.to} is ${latest.state}: let it finish first`);
    }
  }
}

/** The tenant's latest migration job, when it moved the tenant to `to` and stopped FAILED after the cut-over. */
async function stoppedJobOf(config: RuntimeConfig, request: LocalMigrationRequest): Promise<MigrationJob | undefined> {
  const latest = await migrationRecordsOf(config, request.to).latest(request.tenantId);
  return latest && stoppedAfterCutOver(latest, request.to) ? latest : undefined;
}

/** A bar of the migration's steps for a terminal: `[######------------] 2/5 imported`. */
export function progressBar(step: MigrationStep, width = 30): string {
  const done = MIGRATION_STEPS.indexOf(step) + 1;
  const filled = Math.round((done / MIGRATION_STEPS.length) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${MIGRATION_STEPS.length} ${step}`;
}
