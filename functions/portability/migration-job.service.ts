import { createHash } from 'node:crypto';
import { ConflictError, DomainError, NotFoundError, ValidationError } from '../core/errors';
import type { IdempotencyRequest } from '../core/request-conventions';
import { timeOrderedId } from '../data/ids';
import type { MutationResult } from '../data/mutation.context';
import type { DirectoryReader } from '../tenants/directory.reader';
import type { JobQueue, MigrationJobMessage } from './job.queue';
import { migrationJobSchema, type MigrationIdempotency, type MigrationJob, type MigrationJobRepository } from './migration-job.kind';
import type { JobOutcome } from './portability-job.service';
import type { KindProgress } from './tenant-export';
import type { MigrationStep, TenantMigration } from './tenant-migration';

export interface MigrationJobServiceProps {
  /** The region this function serves: migrations start in the tenant's home region and their job runs there. */
  readonly region: string;
  /** The regions tenants can be homed in. */
  readonly regions: readonly string[];
  /** This region's copy of the tenant directory (read). */
  readonly directory: Pick<DirectoryReader, 'get'>;
  /** Each region's copy of the migration records (written through that region's platform data role). */
  readonly records: (region: string) => MigrationJobRepository;
  readonly queue: JobQueue;
  /** The migration to a region the jobs run: the one the operators' CLI runs too. Made at first use (it reaches every region). */
  readonly migration: (to: string) => Pick<TenantMigration, 'migrate' | 'abandon'>;
  /** @default Date.now */
  readonly clock?: () => number;
}

/** A migration start as the API asks for it. */
export interface MigrationStart {
  readonly tenantId: string;
  readonly to: string;
  readonly actor: string;
  readonly idempotency?: IdempotencyRequest;
}

/**
 * Migrations of tenants between regions as jobs: started in the tenant's home region (202 with the record, one
 * unfinished migration per tenant), run from the jobs queue by the same TenantMigration as the operators' CLI, with
 * the step reached and the items per kind on the record, copied to the target region so the record stays readable
 * where the tenant then lives. A re-delivered message resumes the migration at the step it reached.
 */
export class MigrationJobService {
  private readonly clock: () => number;

  constructor(private readonly props: MigrationJobServiceProps) {
    this.clock = props.clock ?? Date.now;
  }

  /**
   * Records the migration as QUEUED and sends its message; a start refused or not sent leaves nothing behind. A start
   * towards the region that serves the tenant since a migration there stopped FAILED after its cut-over resumes that
   * migration instead.
   */
  async start(request: MigrationStart): Promise<MutationResult> {
    const { tenantId, to } = request;
    const stopped = await this.checkStart(tenantId, to);
    if (stopped) return this.resume(stopped, request);
    const now = this.clock();
    const time = new Date(now).toISOString();
    const job = migrationJobSchema.parse({
      migrationId: timeOrderedId(now),
      tenantId,
      from: this.props.region,
      to,
      state: 'QUEUED',
      exported: [],
      imported: [],
      errors: [],
      createdAt: time,
      createdBy: request.actor,
      updatedAt: time,
      attempts: 0,
    });
    const idempotency = request.idempotency && idempotencyOf(request.idempotency);
    const records = this.props.records(this.props.region);
    const refusal = await records.create(job, idempotency);
    if (refusal === 'idempotency-key' && idempotency) return this.replay(tenantId, idempotency);
    if (refusal === 'running') throw new ConflictError(`a migration of tenant ${tenantId} is already running`);
    try {
      await this.props.queue.enqueue({ tenantId, migrationId: job.migrationId });
    } catch (error) {
      await records.discard(job, idempotency);
      throw error;
    }
    return { response: responseOf(job), replayed: false };
  }

  /**
   * Queues a migration that stopped after its cut-over again, under its id (so its run finds the same bundle and
   * resumes at the purge of the source): refused like a start, and put back as it stopped when its message is not sent.
   */
  private async resume(stopped: MigrationJob, request: MigrationStart): Promise<MutationResult> {
    const idempotency = request.idempotency && idempotencyOf(request.idempotency);
    const records = this.props.records(this.props.region);
    const queued: MigrationJob = { ...stopped, state: 'QUEUED', errors: [], updatedAt: this.now() };
    const refusal = await records.requeue(queued, idempotency);
    if (refusal === 'idempotency-key' && idempotency) return this.replay(stopped.tenantId, idempotency);
    if (refusal === 'running') throw new ConflictError(`a migration of tenant ${stopped.tenantId} is already running`);
    try {
      await this.props.queue.enqueue({ tenantId: stopped.tenantId, migrationId: stopped.migrationId });
    } catch (error) {
      await records.restore(stopped, idempotency);
      throw error;
    }
    return { response: responseOf(queued), replayed: false };
  }

  /** The migration's record in this region's copy. */
  async get(tenantId: string, migrationId: string): Promise<MigrationJob> {
    const job = await this.props.records(this.props.region).get(tenantId, migrationId);
    if (!job) throw new NotFoundError(`migration ${migrationId} not found`);
    return job;
  }

  /**
   * Works on a migration for one delivery of its message: a finished one only has its outcome copied again; a domain error (the bundle
   * refused, counts that do not add up) fails it at once; an unexpected error hands the message back (the next
   * delivery resumes at the step reached, the tenant's changes still held), and fails the migration on the last
   * delivery. A migration that fails before its cut-over is given up: the tenant takes changes again.
   */
  async run(message: MigrationJobMessage, lastDelivery: boolean): Promise<JobOutcome> {
    const source = this.props.records(this.props.region);
    const found = await source.get(message.tenantId, message.migrationId);
    if (!found) return { kind: 'done' };
    if (!(await source.claim(found.tenantId, found.migrationId, this.now()))) {
      await this.copyOutcome(source, found);
      return { kind: 'done' };
    }
    let job: MigrationJob = { ...found, state: 'RUNNING', attempts: found.attempts + 1, updatedAt: this.now() };
    await this.save(job);
    try {
      await this.props
        .migration(job.to)
        .migrate(
          { tenantId: job.tenantId, to: job.to, actor: job.createdBy, requestId: `migration-${job.migrationId}`, exportId: migrationExportId(job.migrationId) },
          async (step, items) => {
            job = { ...job, ...stepChange(step, items), updatedAt: this.now() };
            await this.save(job);
          },
        );
      await this.save({ ...job, state: 'SUCCEEDED', errors: [], updatedAt: this.now() });
      return { kind: 'done' };
    } catch (error) {
      if (!(error instanceof DomainError) && !lastDelivery) return { kind: 'failed', reason: (error as Error).message };
      const problem = error instanceof DomainError ? { code: error.code, detail: error.message.slice(0, 2048) } : failedEveryAttempt;
      // A move that stopped before its cut-over gives the tenant back its changes; one past it is resumed instead.
      await this.props.migration(job.to).abandon(job.tenantId, migrationExportId(job.migrationId));
      await this.save({ ...job, state: 'FAILED', errors: [problem], updatedAt: this.now() });
      return error instanceof DomainError ? { kind: 'done' } : { kind: 'failed', reason: (error as Error).message };
    }
  }

  /**
   * Copies a finished migration's outcome to both regions again (which frees the tenant's lock in each): a delivery
   * may have stopped between the two copies, and the next one finds the source finished.
   */
  private async copyOutcome(source: MigrationJobRepository, found: MigrationJob): Promise<void> {
    const finished = await source.get(found.tenantId, found.migrationId);
    if (finished && (finished.state === 'SUCCEEDED' || finished.state === 'FAILED')) await this.save(finished);
  }

  /**
   * 422 for a region the platform does not serve, 409 when the tenant already lives there, unless its latest migration
   * moved it there and stopped FAILED after the cut-over (the source is not purged yet): that migration is returned,
   * to be resumed.
   */
  private async checkStart(tenantId: string, to: string): Promise<MigrationJob | undefined> {
    const { regions, directory } = this.props;
    if (!regions.includes(to)) {
      throw new ValidationError(
        `region ${to} is not served (served: ${regions.join(', ')})`,
        [{ pointer: 'body.to', message: `must be one of ${regions.join(', ')}` }],
        'body',
      );
    }
    const entry = await directory.get(tenantId);
    if (!entry || entry.status === 'DELETED') throw new NotFoundError(`tenant ${tenantId} not found`);
    if (entry.region !== to) return undefined;
    const latest = await this.props.records(this.props.region).latest(tenantId);
    if (latest && stoppedAfterCutOver(latest, to)) return latest;
    throw new ConflictError(`tenant ${tenantId} is already homed in ${to}`);
  }

  /** The answer to a retried start: the migration its key started, as it is now; 409 when the key came with another request. */
  private async replay(tenantId: string, idempotency: MigrationIdempotency): Promise<MutationResult> {
    const records = this.props.records(this.props.region);
    const started = await records.findStart(tenantId, idempotency.keyHash);
    if (!started || started.fingerprint !== idempotency.fingerprint) throw new ConflictError('the Idempotency-Key was used with another request');
    return { response: responseOf(await this.get(tenantId, started.migrationId)), replayed: true };
  }

  /** The record in the source region and the target region. */
  private async save(job: MigrationJob): Promise<void> {
    await Promise.all([job.from, job.to].map((region) => this.props.records(region).save(job)));
  }

  private now(): string {
    return new Date(this.clock()).toISOString();
  }
}

/** The bundle of a migration job (`tenants/<tenantId>/exports/migration-<migrationId>/`): a resumed run finds it again. */
export function migrationExportId(migrationId: string): string {
  return `migration-${migrationId}`;
}

/** The migration moved the tenant to `to` and failed after its cut-over: the source still holds the tenant's data. */
export function stoppedAfterCutOver(job: MigrationJob, to: string): boolean {
  return job.to === to && job.from !== to && job.state === 'FAILED' && job.step === 'cut-over';
}

const failedEveryAttempt = { code: 'internal-error', detail: 'the migration failed on every attempt' };

/** What a step changes of the record: the step reached, and the items per kind it handled. */
function stepChange(step: MigrationStep, items: readonly KindProgress[]): Partial<MigrationJob> {
  if (step === 'exported') return { step, exported: [...items] };
  if (step === 'imported') return { step, imported: [...items] };
  return { step };
}

function idempotencyOf(request: IdempotencyRequest): MigrationIdempotency {
  return { keyHash: createHash('sha256').update(request.key).digest('hex'), fingerprint: request.fingerprint };
}

function responseOf(job: MigrationJob) {
  return { status: 202, body: job, headers: { location: `/v1/tenants/${job.tenantId}/migrations/${job.migrationId}` } };
}
