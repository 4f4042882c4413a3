import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from '../core/zod';
import { attributeIs, conditionOf, itemAbsent, itemExists, type Condition } from '../data/conditions';
import { fixedPartitions, writeBackAsIs, type DataKind } from '../data/data-kind';
import { jobKey, jobPartition, portabilityJobExpiry } from './portability-job.expiry';
import { updateOf, type ItemUpdate } from '../data/updates';

/**
 * Export and import jobs of a tenant: what was asked (an export, or the import of a bundle), where the job stands,
 * the items and bytes handled per kind, and the problems that stopped it. The job item lives in the tenant's own
 * partition (tenant data: exported, purged and restored like the rest); the work runs from the jobs queue.
 */

/** Job ids: time-ordered, letters and digits (they name the bundle's folder too). */
export const jobIdSchema = z.string().check(z.regex(/^[0-9A-Z]{26}$/, 'job id must be a 26-character time-ordered id'));

export const JOB_TYPES = ['export', 'import'] as const;
export type JobType = (typeof JOB_TYPES)[number];

export const JOB_STATES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const;

/**
 * What a finished import brought: `everything` (the bundle whole, its log included, into a tenant whose log was empty
 * or at the bundle's heads), `missing-content` (the content kinds' items the live tenant lacked: nothing it holds is
 * overwritten) or `content` (another tenant's content, copied by a platform admin).
 */
export const IMPORT_SCOPES = ['everything', 'missing-content', 'content'] as const;
export type ImportScope = (typeof IMPORT_SCOPES)[number];
export type JobState = (typeof JOB_STATES)[number];

/** Most kinds a job reports: the catalogue's kinds, with room to grow. */
export const MAX_JOB_KINDS = 64;

export const kindProgressSchema = z.strictObject({
  kind: z.string().check(z.maxLength(64)),
  items: z.int().check(z.nonnegative()),
  bytes: z.int().check(z.nonnegative()),
});

/** A problem that stopped a job: for a refused bundle, the file, line and hashes that show why. */
export const jobErrorSchema = z.strictObject({
  code: z.string().check(z.maxLength(64)),
  detail: z.string().check(z.maxLength(2048)),
  file: z.optional(z.string().check(z.maxLength(256))),
  line: z.optional(z.int().check(z.positive())),
  expectedSha256: z.optional(z.string().check(z.maxLength(64))),
  actualSha256: z.optional(z.string().check(z.maxLength(64))),
});
export type JobError = z.infer<typeof jobErrorSchema>;

/** The bundle a job writes (export) or reads (import): `tenants/<tenantId>/exports/<exportId>/` of the region's bucket. */
export const bundleReferenceSchema = z.strictObject({
  tenantId: z.string().check(z.maxLength(64)),
  exportId: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/)),
});

export const portabilityJobSchema = z.object({
  jobId: jobIdSchema,
  type: z.enum(JOB_TYPES),
  state: z.enum(JOB_STATES),
  bundle: bundleReferenceSchema,
  createdAt: z.iso.datetime(),
  createdBy: z.string().check(z.maxLength(256)),
  updatedAt: z.iso.datetime(),
  progress: z.array(kindProgressSchema).check(z.maxLength(MAX_JOB_KINDS)),
  errors: z.array(jobErrorSchema).check(z.maxLength(16)),
  /** Deliveries of the job's message that started work on it. */
  attempts: z.int().check(z.nonnegative()),
  /** What a succeeded import brought. */
  scope: z.optional(z.enum(IMPORT_SCOPES)),
});
export type PortabilityJob = z.infer<typeof portabilityJobSchema>;

export { jobKey };

/** Export and import jobs: one partition per tenant, by time-ordered id. */
export const portabilityJobKind: DataKind = {
  ...portabilityJobExpiry,
  schema: portabilityJobSchema,
  accessPatterns: [{ name: 'get by job id' }],
  partitions: fixedPartitions(jobPartition),
  writeBack: writeBackAsIs,
  crossTenant: 'omit',
};

/** Reads and moves a tenant's jobs (the audited start and finish go through the mutation executor). */
export class PortabilityJobRepository {
  constructor(
    private readonly db: (tenantId: string) => DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(tenantId: string, jobId: string): Promise<PortabilityJob | undefined> {
    const { Item } = await this.db(tenantId).send(new GetCommand({ TableName: this.tableName, Key: jobKey(tenantId, jobId), ConsistentRead: true }));
    return Item ? portabilityJobSchema.parse(Item) : undefined;
  }

  /** Records a new job without an audit entry (see PortabilityJobService.start: an import's log is audited by the import). */
  async create(tenantId: string, job: PortabilityJob): Promise<void> {
    await this.db(tenantId).send(new PutCommand({ TableName: this.tableName, Item: { ...jobKey(tenantId, job.jobId), ...job }, ...conditionOf(itemAbsent) }));
  }

  /** Claims the job for one more attempt while it is not finished; false when it is. */
  async claim(tenantId: string, jobId: string, now: string): Promise<boolean> {
    try {
      await this.update(tenantId, jobId, { set: { state: 'RUNNING', updatedAt: now }, add: { attempts: 1 } }, unfinished);
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /** Records the items and bytes handled so far (while the job runs). */
  async progress(tenantId: string, jobId: string, progress: readonly z.infer<typeof kindProgressSchema>[], now: string): Promise<void> {
    await this.update(tenantId, jobId, { set: { progress: [...progress], updatedAt: now } }, attributeIs('state', 'RUNNING'));
  }

  private async update(tenantId: string, jobId: string, change: ItemUpdate, condition: Condition) {
    await this.db(tenantId).send(new UpdateCommand({ TableName: this.tableName, Key: jobKey(tenantId, jobId), ...updateOf(change, itemExists, condition) }));
  }
}

/** A job that has not finished: queued, or running (an attempt that stopped is taken over). */
export const unfinished: Condition = {
  expression: '#jobState IN (:jobQueued, :jobRunning)',
  names: { '#jobState': 'state' },
  values: { ':jobQueued': 'QUEUED', ':jobRunning': 'RUNNING' },
};
