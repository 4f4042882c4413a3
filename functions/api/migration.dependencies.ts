import { ConfigError } from '../core/config';
import type { JobQueue } from '../portability/job.queue';
import { MigrationJobRepository } from '../portability/migration-job.kind';
import { MigrationJobService } from '../portability/migration-job.service';
import type { TenantMigration } from '../portability/tenant-migration';
import { DirectoryReader } from '../tenants/directory.reader';
import { isolationOf } from './dependencies';
import { directoryRegionsOf, regionConfigOf, type RuntimeConfig } from './runtime-config';

/**
 * Wiring of tenant migration jobs: their records in every region (the platform role), the jobs queue, and the
 * migration the job consumer runs (tenant-migration.dependencies.ts, given by the consumer only, so the API's function
 * never bundles it).
 */

/** A region's copy of the migration records, through its platform data role. */
export function migrationRecordsOf(config: RuntimeConfig, region: string): MigrationJobRepository {
  const regional = regionConfigOf(config, region);
  return new MigrationJobRepository(isolationOf(regional).platformDb(), regional.TABLE_NAME);
}

/** The services of each configuration: the API's (which only records migrations) and the job consumer's (which runs them). */
const services = { recording: new WeakMap<RuntimeConfig, MigrationJobService>(), running: new WeakMap<RuntimeConfig, MigrationJobService>() };

/**
 * The migration jobs of a function instance: the records in this region and the target's (platform data role), the
 * jobs queue, and the migration the job consumer gives (the API's function has none: it never runs a job). Kept per
 * configuration and kind, since both may share one configuration in a process (the local platform). Every client is
 * made at first use, so a function that never starts or runs a migration needs none of their roles.
 */
export function migrationJobsOf(
  config: RuntimeConfig,
  queue: JobQueue,
  /** The migration to a region (the job consumer's migrationsOf). @default none: running a job is refused */
  migrationOf?: (to: string) => Pick<TenantMigration, 'migrate' | 'abandon'>,
): MigrationJobService {
  const kept = migrationOf ? services.running : services.recording;
  let service = kept.get(config);
  if (service) return service;
  let directory: DirectoryReader | undefined;
  service = new MigrationJobService({
    region: config.AWS_REGION,
    regions: directoryRegionsOf(config).all,
    directory: { get: (tenantId) => (directory ??= new DirectoryReader(isolationOf(config).directoryDb(), config.TABLE_NAME)).get(tenantId) },
    records: memoized((region) => migrationRecordsOf(config, region)),
    queue,
    migration: migrationOf ?? refuseMigrations,
  });
  kept.set(config, service);
  return service;
}

function refuseMigrations(): never {
  throw new ConfigError('this function was built without the migration and cannot run migration jobs');
}

/** `make` called once per key. */
export function memoized<T>(make: (key: string) => T): (key: string) => T {
  const made = new Map<string, T>();
  return (key) => {
    let value = made.get(key);
    if (value === undefined) {
      value = make(key);
      made.set(key, value);
    }
    return value;
  };
}
