import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NO_BACKUPS, PointInTimeRecoveryStatus, type BackupStatus } from '../portability/backup-status';
import { ConfigError } from '../core/config';
import { onFirstUse } from '../core/on-first-use';
import { ManifestSigner } from '../portability/bundle.schema';
import type { JobQueue } from '../portability/job.queue';
import { PortabilityJobRepository } from '../portability/portability-job.kind';
import { PortabilityJobService } from '../portability/portability-job.service';
import { exportStoreOf } from './export-store.dependencies';
import { TenantExporter } from '../portability/tenant-export';
import { TenantCopier } from '../portability/tenant-copy';
import { TenantImporter } from '../portability/tenant-import';
import { TENANT_DATA_CATALOGUE } from '../tenant-data.catalogue';
import { RetentionSweep } from '../portability/retention-sweep';
import { createTenantWrites } from './dependencies';
import type { RuntimeConfig } from './runtime-config';

/** A setting the portability functions cannot start without. */
function required<K extends 'EXPORT_BUCKET' | 'BUNDLE_SECRET'>(config: RuntimeConfig, name: K): NonNullable<RuntimeConfig[K]> {
  const value = config[name];
  if (!value) throw new ConfigError(`invalid runtime configuration: ${name}: required by the functions that export and import tenant data`);
  return value as NonNullable<RuntimeConfig[K]>;
}

const services = new WeakMap<RuntimeConfig, PortabilityJobService>();

/**
 * The job service of a function instance: the region's export bucket (the local S3-compatible server by endpoint),
 * the manifest signer, exporter and importer over the tenant data role, and the jobs queue (a consumer that only
 * runs jobs never sends, so the queue is needed only when a job is started).
 */
export function portabilityJobsOf(config: RuntimeConfig): PortabilityJobService {
  let service = services.get(config);
  if (service) return service;
  const { db, executor, plans } = createTenantWrites(config);
  const store = exportStoreOf(config, config.AWS_REGION, required(config, 'EXPORT_BUCKET'));
  const signer = new ManifestSigner(required(config, 'BUNDLE_SECRET'));
  const data = { db, tableName: config.TABLE_NAME, catalogue: TENANT_DATA_CATALOGUE, store, signer };
  const importer = new TenantImporter({ ...data, executor });
  service = new PortabilityJobService({
    jobs: new PortabilityJobRepository(db, config.TABLE_NAME),
    executor,
    store,
    exporter: new TenantExporter({ ...data, region: config.AWS_REGION }),
    importer,
    copier: new TenantCopier({ ...data, importer, executor, plans }),
    linkSeconds: config.DOWNLOAD_LINK_SECONDS,
    sweep: new RetentionSweep({ db, tableName: config.TABLE_NAME, catalogue: TENANT_DATA_CATALOGUE, audit: executor }),
    queue: jobQueueOf(config),
  });
  services.set(config, service);
  return service;
}

/**
 * Where the compliance report reads the table's last backup: its point-in-time recovery in AWS (BACKUP_STATUS, set by
 * CDK with DescribeContinuousBackups on the table), nothing locally.
 */
export function backupStatusOf(config: RuntimeConfig): BackupStatus {
  if (config.BACKUP_STATUS !== 'point-in-time-recovery') return NO_BACKUPS;
  return new PointInTimeRecoveryStatus({ client: new DynamoDBClient({ region: config.AWS_REGION, maxAttempts: 3 }), tableName: config.TABLE_NAME });
}

/**
 * The jobs queue (the local SQS emulator by endpoint). Only functions that start jobs send, so the URL is needed at
 * the first send, and the SQS client is built then: reads, exports and imports never load it.
 */
export function jobQueueOf(config: RuntimeConfig): JobQueue {
  const queueUrl = config.JOBS_QUEUE_URL;
  if (!queueUrl) {
    return {
      enqueue: async () => {
        throw new ConfigError('invalid runtime configuration: JOBS_QUEUE_URL: required by functions that start export, import and migration jobs');
      },
    };
  }
  return onFirstUse<JobQueue>(() => {
    const { createSqsClient, SqsJobQueue } = require('../portability/job-queue.sqs') as typeof import('../portability/job-queue.sqs');
    return new SqsJobQueue(createSqsClient(config.AWS_REGION, config.JOBS_SQS_ENDPOINT), queueUrl);
  });
}
