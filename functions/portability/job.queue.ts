import * as z from '../core/zod';
import { tenantIdSchema } from '../data/keys';
import { jobIdSchema } from './portability-job.kind';

/**
 * The jobs queue: a message names a tenant's export, import or migration job (never its content), or asks for the
 * tenant's retention sweep at once (after its retention settings or legal hold changed). Delivered at least once; a
 * duplicate is harmless because the worker acts only on an unfinished job and its steps are idempotent (an export
 * writes the same objects again, an import of the same bundle runs once, a migration resumes at the step it reached),
 * and a sweep changes only what is out of line.
 */
const portabilityJobMessageSchema = z.strictObject({ tenantId: tenantIdSchema, jobId: jobIdSchema });
const sweepMessageSchema = z.strictObject({ tenantId: tenantIdSchema, sweep: z.literal('retention') });
const migrationJobMessageSchema = z.strictObject({ tenantId: tenantIdSchema, migrationId: jobIdSchema });
export const jobMessageSchema = z.union([portabilityJobMessageSchema, sweepMessageSchema, migrationJobMessageSchema]);
export type JobMessage = z.infer<typeof jobMessageSchema>;
export type PortabilityJobMessage = z.infer<typeof portabilityJobMessageSchema>;
export type MigrationJobMessage = z.infer<typeof migrationJobMessageSchema>;

/** True when the message names a migration (run by the migration jobs, not the export and import jobs). */
export function isMigrationMessage(message: JobMessage): message is MigrationJobMessage {
  return 'migrationId' in message;
}

/** Where started jobs are sent (SQS in AWS, the local SQS emulator on the local platform). */
export interface JobQueue {
  enqueue(message: JobMessage): Promise<void>;
}

/** Deliveries of one job message before the queue dead-letters it; the last one records the job FAILED. */
export const JOB_QUEUE_MAX_RECEIVES = 3;
