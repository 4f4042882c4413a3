import { DomainError, NotFoundError, ValidationError } from '../core/errors';
import { attributeIs, conditionOf, itemAbsent, itemExists } from '../data/conditions';
import { timeOrderedId } from '../data/ids';
import type { MutationContext, MutationResult } from '../data/mutation.context';
import type { ItemWrite, MutationExecutor } from '../data/mutation.executor';
import { updateOf } from '../data/updates';
import { BundleRejectedError } from './bundle.errors';
import { fileNameOf, MANIFEST_FILE } from './bundle.schema';
import type { JobMessage, JobQueue, MigrationJobMessage } from './job.queue';
import type { RetentionSweep } from './retention-sweep';
import {
  jobKey,
  portabilityJobSchema,
  type ImportScope,
  type JobError,
  type JobType,
  type PortabilityJob,
  type PortabilityJobRepository,
} from './portability-job.kind';
import type { JobResource } from './portability.schema';
import type { ObjectStore } from './object-store';
import { bundlePrefix, type KindProgress, type TenantExporter } from './tenant-export';
import type { TenantCopier } from './tenant-copy';
import { TenantLogMovedError, type TenantImporter } from './tenant-import';
import { manifestReader } from './tenant-migration';

export interface PortabilityJobServiceProps {
  readonly jobs: PortabilityJobRepository;
  readonly executor: Pick<MutationExecutor, 'execute'>;
  readonly queue: JobQueue;
  readonly store: ObjectStore;
  readonly exporter: TenantExporter;
  readonly importer: TenantImporter;
  /** Imports another tenant's bundle: its content, under this tenant's keys. */
  readonly copier: Pick<TenantCopier, 'copy'>;
  /** How long a download link works. */
  readonly linkSeconds: number;
  /** Runs a tenant's retention sweep asked for through the queue. @default such messages are dropped */
  readonly sweep?: Pick<RetentionSweep, 'sweepTenant'>;
  /** @default Date.now */
  readonly clock?: () => number;
}

/** How one delivery of a job message ended for the queue: done (delete it) or failed (deliver it again). */
export type JobOutcome = { readonly kind: 'done' } | { readonly kind: 'failed'; readonly reason: string };

/**
 * Export and import jobs: started with an audited write of the job item (202), run from the jobs queue with their
 * progress per kind on the job item, and finished with an audited write of the outcome. A bundle the import refuses
 * fails the job with the problem (file, line, hashes); nothing of it is written. The job belongs to the tenant it
 * writes; an import of another tenant's bundle (a platform admin's, checked by the caller) names that tenant in its
 * `bundle` and copies its content (TenantCopier).
 */
export class PortabilityJobService {
  private readonly clock: () => number;

  constructor(private readonly props: PortabilityJobServiceProps) {
    this.clock = props.clock ?? Date.now;
  }

  /**
   * Starts an export of the tenant, or the import of a bundle (`exportId`): one of its own, or with `sourceTenantId`
   * one of that tenant's in this region.
   */
  async start(context: MutationContext, type: JobType, exportId?: string, sourceTenantId?: string): Promise<MutationResult> {
    const now = this.clock();
    const jobId = timeOrderedId(now);
    const bundle = { tenantId: sourceTenantId ?? context.tenantId, exportId: type === 'export' ? jobId : (exportId as string) };
    if (type === 'import' && !(await manifestReader(this.props.store)(bundlePrefix(bundle.tenantId, bundle.exportId)))) {
      const whose = bundle.tenantId === context.tenantId ? 'this tenant' : `tenant ${bundle.tenantId} in this region`;
      throw new ValidationError(`no finished export ${bundle.exportId} of ${whose}`, [{ pointer: '/exportId', message: 'no such bundle' }], 'body');
    }
    const time = new Date(now).toISOString();
    const job = portabilityJobSchema.parse({
      jobId,
      type,
      state: 'QUEUED',
      bundle,
      createdAt: time,
      createdBy: context.actor,
      updatedAt: time,
      progress: [],
      errors: [],
      attempts: 0,
    });
    const response = { status: 202, body: job, headers: { location: `/v1/tenants/${context.tenantId}/${type}s/${jobId}` } };
    if (type === 'import' && bundle.tenantId === context.tenantId) {
      // The tenant's own bundle is written whole when its log is empty or at the bundle's heads, so the start writes no
      // entry of its own that would move the log on: the import's entry (naming the bundle's chain head) and the job's
      // outcome audit it.
      await this.props.jobs.create(context.tenantId, job);
      await this.props.queue.enqueue({ tenantId: context.tenantId, jobId });
      return { response, replayed: false };
    }
    const outcome = await this.props.executor.execute({
      tenantId: context.tenantId,
      event: { actor: context.actor, action: `${type}.start`, target: `${type}/${jobId}`, requestId: context.requestId, change: { bundle } },
      writes: [{ put: { Item: { ...jobKey(context.tenantId, jobId), ...job }, ...conditionOf(itemAbsent) } }],
      ...(context.idempotency ? { idempotency: context.idempotency } : {}),
      response,
    });
    if (outcome.replayed) return { response: outcome.response, replayed: true };
    await this.props.queue.enqueue({ tenantId: context.tenantId, jobId });
    return { response, replayed: false };
  }

  /** The job as the API shows it; a finished export carries download links that expire. */
  async get(tenantId: string, type: JobType, jobId: string): Promise<JobResource> {
    const job = await this.props.jobs.get(tenantId, jobId);
    if (!job || job.type !== type) throw new NotFoundError(`${type} ${jobId} not found`);
    if (type !== 'export' || job.state !== 'SUCCEEDED') return job;
    const { linkSeconds, store } = this.props;
    const prefix = bundlePrefix(job.bundle.tenantId, job.bundle.exportId);
    const files = await Promise.all(job.progress.map(async ({ kind }) => ({ kind, url: await store.presignGet(prefix + fileNameOf(kind), linkSeconds) })));
    const expiresAt = new Date(this.clock() + linkSeconds * 1000).toISOString();
    return { ...job, download: { expiresAt, manifest: await store.presignGet(prefix + MANIFEST_FILE, linkSeconds), files } };
  }

  /**
   * Asks for the tenant's retention sweep at once (its settings or legal hold just changed): a hold then takes every
   * retention TTL off within the queue's delay instead of at the next scheduled sweep.
   */
  async requestSweep(tenantId: string): Promise<void> {
    await this.props.queue.enqueue({ tenantId, sweep: 'retention' });
  }

  /**
   * Works on a job for one delivery of its message. A job already finished is left alone (a duplicate message); a
   * refused bundle or another domain error fails it at once; an unexpected error hands the message back, and fails
   * the job on the last delivery.
   */
  async run(message: Exclude<JobMessage, MigrationJobMessage>, lastDelivery: boolean): Promise<JobOutcome> {
    if ('sweep' in message) {
      await this.props.sweep?.sweepTenant(message.tenantId, `sweep-${timeOrderedId(this.clock())}`);
      return { kind: 'done' };
    }
    const { tenantId, jobId } = message;
    const job = await this.props.jobs.get(tenantId, jobId);
    if (!job || !(await this.props.jobs.claim(tenantId, jobId, new Date(this.clock()).toISOString()))) return { kind: 'done' };
    try {
      const done = await this.work(tenantId, job);
      await this.finish(tenantId, job, 'SUCCEEDED', done, []);
      return { kind: 'done' };
    } catch (error) {
      if (error instanceof DomainError) {
        await this.finish(tenantId, job, 'FAILED', undefined, [jobErrorOf(error)]);
        return { kind: 'done' };
      }
      if (lastDelivery) await this.finish(tenantId, job, 'FAILED', undefined, [{ code: 'internal-error', detail: 'the job failed on every attempt' }]);
      return { kind: 'failed', reason: (error as Error).message };
    }
  }

  /** What a job did: its items and bytes per kind, and for an import what it brought. */
  private async work(tenantId: string, job: PortabilityJob): Promise<WorkDone> {
    const onProgress = (progress: readonly KindProgress[]) => this.props.jobs.progress(tenantId, job.jobId, progress, new Date(this.clock()).toISOString());
    if (job.type === 'export') {
      const manifest = await this.props.exporter.export({ tenantId, exportId: job.jobId, createdBy: job.createdBy }, onProgress);
      return { progress: manifest.files.map(({ kind, items, bytes }) => ({ kind, items, bytes })) };
    }
    const request = {
      tenantId,
      bundlePrefix: bundlePrefix(job.bundle.tenantId, job.bundle.exportId),
      actor: job.createdBy,
      requestId: `job-${job.jobId}`,
    };
    const copy = () => this.props.copier.copy({ ...request, sourceTenantId: job.bundle.tenantId, jobId: job.jobId }, onProgress);
    if (job.bundle.tenantId !== tenantId) return { progress: (await copy()).items, scope: 'content' };
    try {
      return { progress: (await this.props.importer.import({ ...request, jobTarget: `${job.type}/${job.jobId}` }, onProgress)).items, scope: 'everything' };
    } catch (error) {
      // A live tenant: its log went on since the bundle, so only the content it lacks comes back.
      if (!(error instanceof TenantLogMovedError)) throw error;
      return { progress: (await copy()).items, scope: 'missing-content' };
    }
  }

  /** The job's outcome, audited in the same transaction. */
  private async finish(tenantId: string, job: PortabilityJob, state: 'SUCCEEDED' | 'FAILED', done: WorkDone | undefined, errors: JobError[]) {
    const set = {
      state,
      errors,
      updatedAt: new Date(this.clock()).toISOString(),
      ...(done ? { progress: [...done.progress] } : {}),
      ...(done?.scope ? { scope: done.scope } : {}),
    };
    const write: ItemWrite = { update: { Key: jobKey(tenantId, job.jobId), ...updateOf({ set }, itemExists, attributeIs('state', 'RUNNING')) } };
    await this.props.executor.execute({
      tenantId,
      event: {
        actor: job.createdBy,
        action: `${job.type}.${state === 'SUCCEEDED' ? 'succeed' : 'fail'}`,
        target: `${job.type}/${job.jobId}`,
        requestId: `job-${job.jobId}`,
        change: { state, errors: errors.map((error) => error.code), ...(done?.scope ? { scope: done.scope } : {}) },
      },
      writes: [write],
    });
  }
}

interface WorkDone {
  readonly progress: readonly KindProgress[];
  readonly scope?: ImportScope;
}

/** The problem of a domain error as the job shows it; a refused bundle names its file, line and hashes. */
function jobErrorOf(error: DomainError): JobError {
  const where = error instanceof BundleRejectedError ? error.where : undefined;
  return {
    code: error.code,
    detail: error.message.slice(0, 2048),
    ...(where ? { file: where.file } : {}),
    ...(where?.line !== undefined ? { line: where.line } : {}),
    ...(where?.expectedSha256 ? { expectedSha256: where.expectedSha256 } : {}),
    ...(where?.actualSha256 ? { actualSha256: where.actualSha256 } : {}),
  };
}
