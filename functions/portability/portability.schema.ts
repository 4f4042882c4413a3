import * as z from 'zod';
import { jobIdSchema, MAX_JOB_KINDS, portabilityJobSchema } from './portability-job.kind';

/** The bundle to import: an export of this tenant kept in the region's export bucket (its job id). */
export const importBodySchema = z.object({ exportId: jobIdSchema }).strict();

/** Where a finished export can be downloaded without credentials until `expiresAt`: its manifest and one file per kind. */
const downloadSchema = z
  .object({
    expiresAt: z.iso.datetime(),
    manifest: z.url().max(4096),
    files: z.array(z.object({ kind: z.string().max(64), url: z.url().max(4096) }).strict()).max(MAX_JOB_KINDS),
  })
  .strict();

/** A job as the API shows it: what the job item holds, and the download links once an export has finished. */
export const jobResourceSchema = portabilityJobSchema.extend({ download: downloadSchema.optional() });
export type JobResource = z.infer<typeof jobResourceSchema>;
