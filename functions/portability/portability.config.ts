import * as z from 'zod';

/** Settings of the functions that export and import tenant bundles (the portability group and the job consumer). */
export const portabilityEnvShape = {
  /** The region's export bucket; required by the functions that write or read bundles. */
  EXPORT_BUCKET: z.string().min(3).max(63).optional(),
  /**
   * JSON map of region → that region's export bucket: where a migration to the region keeps its bundle. Required by
   * the functions that run migrations (the job consumer).
   */
  EXPORT_BUCKETS: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text === '') return {};
      try {
        return z.record(z.string(), z.string().min(3).max(63)).parse(JSON.parse(text));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'EXPORT_BUCKETS must be a JSON object of region to bucket name' });
        return z.NEVER;
      }
    }),
  /** The S3 endpoint when it is not AWS's (the local S3-compatible server). */
  S3_ENDPOINT: z.url().optional(),
  /** The platform key manifests are signed with (at least 32 characters); given by reference in AWS (`BUNDLE_SECRET_ARN`). */
  BUNDLE_SECRET: z.string().min(32).optional(),
  /** The jobs queue; required by the functions that start jobs. */
  JOBS_QUEUE_URL: z.url().optional(),
  /** The jobs queue's SQS endpoint when it is not AWS's (locally each queue has its own emulator). */
  JOBS_SQS_ENDPOINT: z.url().optional(),
  /** How long a download link of a finished export works. @default 900 */
  DOWNLOAD_LINK_SECONDS: z.coerce.number().int().min(60).max(43_200).default(900),
  /**
   * The role the recovery drill reads a tenant's keys of its scratch tables with (assumed with the tenant's session
   * tag, like the tenant data role of the live table); set (by CDK) on the recovery drill function only.
   */
  DRILL_SCRATCH_ROLE_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/\S+$/, 'must be an IAM role ARN')
    .optional(),
  /**
   * Where the compliance report reads the table's backups from: `point-in-time-recovery` (DescribeContinuousBackups,
   * in AWS) or `none` (locally: DynamoDB Local keeps no backups, so the report says null).
   * @default none
   */
  BACKUP_STATUS: z.enum(['point-in-time-recovery', 'none']).default('none'),
} as const;
