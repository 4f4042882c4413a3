import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createLogger, type Logger } from '../core/logger';
import { queueMessageOf } from '../core/queue-message';
import { isMigrationMessage, JOB_QUEUE_MAX_RECEIVES, jobMessageSchema } from '../portability/job.queue';
import type { MigrationJobService } from '../portability/migration-job.service';
import type { JobOutcome, PortabilityJobService } from '../portability/portability-job.service';
import { lazyHandler, meterOf, writingMeter } from './dependencies';
import { timedDelivery, type TenantDelivery, type UsageMeter } from '../usage/usage.meter';
import { memoryMbOf } from '../core/lambda-context';
import { migrationJobsOf } from './migration.dependencies';
import { jobQueueOf, portabilityJobsOf } from './portability.dependencies';
import { migrationsOf } from './tenant-migration.dependencies';
import type { RuntimeConfig } from './runtime-config';

export interface JobConsumerDependencies {
  readonly logger: Logger;
  readonly jobs: Pick<PortabilityJobService, 'run'>;
  /** Runs migrations between regions. @default the migration jobs of the configuration (built at the first message) */
  readonly migrations?: Pick<MigrationJobService, 'run'>;
  /**
   * Meters the Lambda time of a tenant's own jobs (exports, imports, sweeps) to the tenant; a migration is the
   * platform's work. @default not metered
   */
  readonly meter?: Pick<UsageMeter, 'addInvocation'>;
}

/**
 * The jobs queue's consumer (an SQS event source with ReportBatchItemFailures): each message names a tenant's export,
 * import or migration job, which runs to its end within the invocation (a migration resumes where an earlier delivery
 * stopped). A failed delivery comes back after the visibility
 * timeout; the last one records the job FAILED before the queue dead-letters the message.
 */
export function createHandler(
  config: RuntimeConfig,
  deps: JobConsumerDependencies = { logger: createLogger('job-consumer', config.LOG_LEVEL), jobs: portabilityJobsOf(config), meter: meterOf(config) },
) {
  const deliver = async (record: SQSRecord, work: TenantDelivery[]): Promise<JobOutcome> => {
    const message = queueMessageOf(jobMessageSchema, record.body);
    if (!message) return { kind: 'failed', reason: 'malformed job message' };
    const lastDelivery = Number(record.attributes.ApproximateReceiveCount) >= JOB_QUEUE_MAX_RECEIVES;
    if (isMigrationMessage(message)) {
      return (deps.migrations ?? migrationJobsOf(config, jobQueueOf(config), migrationsOf(config))).run(message, lastDelivery);
    }
    return timedDelivery(work, message.tenantId, () => deps.jobs.run(message, lastDelivery));
  };
  return writingMeter(config, async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    const started = performance.now();
    const work: TenantDelivery[] = [];
    const outcomes = await Promise.all(
      event.Records.map((record) =>
        deliver(record, work).catch((error: unknown): JobOutcome => {
          deps.logger.error('job delivery failed', { messageId: record.messageId, error: error as Error });
          return { kind: 'failed', reason: 'unexpected error' };
        }),
      ),
    );
    deps.meter?.addInvocation(memoryMbOf(context), performance.now() - started, work);
    for (const [i, record] of event.Records.entries()) {
      const outcome = outcomes[i];
      if (outcome.kind === 'failed') deps.logger.warn('job delivery handed back', { messageId: record.messageId, reason: outcome.reason });
    }
    return { batchItemFailures: event.Records.filter((_, i) => outcomes[i].kind === 'failed').map((record) => ({ itemIdentifier: record.messageId })) };
  });
}

export const handler = lazyHandler(createHandler);
