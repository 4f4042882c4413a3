import * as z from '../core/zod';
import { tenantIdSchema } from '../data/keys';
import { jobIdSchema, MAX_JOB_KINDS, portabilityJobSchema } from './portability-job.kind';

/**
 * The bundle to import: an export kept in the region's export bucket (its job id), of this tenant, or with
 * `sourceTenantId` (platform admins only) of another tenant, whose content is then copied into this one.
 */
export const importBodySchema = z.strictObject({ exportId: jobIdSchema, sourceTenantId: z.optional(tenantIdSchema) });

/** Where a finished export can be downloaded without credentials until `expiresAt`: its manifest and one file per kind. */
const downloadSchema = z.strictObject({
  expiresAt: z.iso.datetime(),
  manifest: z.url().check(z.maxLength(4096)),
  files: z.array(z.strictObject({ kind: z.string().check(z.maxLength(64)), url: z.url().check(z.maxLength(4096)) })).check(z.maxLength(MAX_JOB_KINDS)),
});

/** A job as the API shows it: what the job item holds, and the download links once an export has finished. */
export const jobResourceSchema = z.extend(portabilityJobSchema, { download: z.optional(downloadSchema) });
export type JobResource = z.infer<typeof jobResourceSchema>;
