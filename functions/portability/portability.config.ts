import * as z from '../core/zod';

/** Settings of the functions that export and import tenant bundles (the portability group and the job consumer). */
export const portabilityEnvShape = {
  /** The region's export bucket; required by the functions that write or read bundles. */
  EXPORT_BUCKET: z.optional(z.string().check(z.minLength(3), z.maxLength(63))),
  /**
   * JSON map of region → that region's export bucket: where a migration to the region keeps its bundle. Required by
   * the functions that run migrations (the job consumer).
   */
  EXPORT_BUCKETS: z.pipe(
    z.optional(z.string()),
    z.transform((text, ctx) => {
      if (text === undefined || text === '') return {};
      try {
        return z.record(z.string(), z.string().check(z.minLength(3), z.maxLength(63))).parse(JSON.parse(text));
      } catch {
        ctx.issues.push({ code: 'custom', message: 'EXPORT_BUCKETS must be a JSON object of region to bucket name', input: text });
        return z.NEVER;
      }
    }),
  ),
  /** The S3 endpoint when it is not AWS's (the local S3-compatible server). */
  S3_ENDPOINT: z.optional(z.url()),
  /** The platform key manifests are signed with (at least 32 characters); given by reference in AWS (`BUNDLE_SECRET_ARN`). */
  BUNDLE_SECRET: z.optional(z.string().check(z.minLength(32))),
  /** The jobs queue; required by the functions that start jobs. */
  JOBS_QUEUE_URL: z.optional(z.url()),
  /** The jobs queue's SQS endpoint when it is not AWS's (locally each queue has its own emulator). */
  JOBS_SQS_ENDPOINT: z.optional(z.url()),
  /**
   * How a migration finds the tenant's user pool in the target region, to move the tenant's users into it: `stack`
   * (the pool of the tenant stack deployed there, found by its name: AWS) or `make` (made there on first need, as the
   * local platform's provisioner makes pools). Set on the functions that run migrations; absent, a migration moves
   * no pool (it stays where it was made, trusted in the target).
   */
  TENANT_POOLS: z.optional(z.enum(['stack', 'make'])),
  /** How long a download link of a finished export works. @default 900 */
  DOWNLOAD_LINK_SECONDS: z._default(z.coerce.number().check(z.int(), z.gte(60), z.lte(43_200)), 900),
  /**
   * The role the recovery drill reads a tenant's keys of its scratch tables with (assumed with the tenant's session
   * tag, like the tenant data role of the live table); set (by CDK) on the recovery drill function only.
   */
  DRILL_SCRATCH_ROLE_ARN: z.optional(z.string().check(z.regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/\S+$/, 'must be an IAM role ARN'))),
  /**
   * Where the compliance report reads the table's backups from: `point-in-time-recovery` (DescribeContinuousBackups,
   * in AWS) or `none` (locally: DynamoDB Local keeps no backups, so the report says null).
   * @default none
   */
  BACKUP_STATUS: z._default(z.enum(['point-in-time-recovery', 'none']), 'none'),
} as const;
