import { ConflictError, NotFoundError } from '../core/errors';
import type { Page } from '../core/request-conventions';
import type { MutationContext, MutationResult, Presenter } from '../data/mutation.context';
import type { MutationExecutor } from '../data/mutation.executor';
import { timeOrderedId } from '../data/ids';
import type { ModelProviderName } from '../models/model-provider';
import { monthOf, quotaCounters } from '../quotas/quota.counters';
import type { RunQueue } from './run.queue';
import type { RunRepository } from './run.repository';
import { FINAL_RUN_STATUSES, runSchema, type Run, type StartRunBody } from './run.schema';
import type { WorkflowRepository } from './workflow.repository';
import { workflowTarget } from './workflow.service';

export interface RunServiceDeps {
  readonly tenantId: string;
  readonly workflows: Pick<WorkflowRepository, 'get' | 'exists'>;
  readonly runs: RunRepository;
  readonly mutations: Pick<MutationExecutor, 'execute'>;
  /** Where started runs go; a worker executes them (run.worker.ts). */
  readonly queue: RunQueue;
  /** The provider the workers call, recorded in every run. */
  readonly provider: ModelProviderName;
  /** @default Date.now */
  readonly clock?: () => number;
  /** @default time-ordered ids, so runs list newest first */
  readonly newId?: (nowMs: number) => string;
  /**
   * Refuses a start the tenant may not make now (its spend budget is exhausted and its policy blocks), by throwing
   * the domain error to answer. @default every start is admitted
   */
  readonly admission?: (tenantId: string) => Promise<void>;
}

/** The audit target of a run. */
export function runTarget(workflowId: string, runId: string): string {
  return `${workflowTarget(workflowId)}/run/${runId}`;
}

/**
 * Starts, cancels and reads one tenant's workflow runs. A start is two table calls before the answer: the workflow
 * read and one transaction (the QUEUED run, the month's runs counter checked against the plan, the idempotency
 * record, the audit entry); then the run's message goes to the queue and the caller gets 202 with the QUEUED run.
 * A worker (run.worker.ts) executes the steps.
 */
export class RunService {
  private readonly clock: () => number;
  private readonly newId: (nowMs: number) => string;

  constructor(private readonly deps: RunServiceDeps) {
    this.clock = deps.clock ?? Date.now;
    this.newId = deps.newId ?? timeOrderedId;
  }

  async get(workflowId: string, runId: string): Promise<Run> {
    const run = await this.deps.runs.get(workflowId, runId);
    if (!run) throw new NotFoundError(`run ${runId} of workflow ${workflowId} not found`);
    return run;
  }

  /** Runs of a workflow, newest first. Runs outlive their workflow: they are the history of what ran. */
  list(workflowId: string, query: { readonly limit: number; readonly cursor?: string }): Promise<Page<Run>> {
    return this.deps.runs.list(workflowId, query);
  }

  async start(workflowId: string, body: StartRunBody, context: MutationContext, present: Presenter<Run>): Promise<MutationResult> {
    // A tenant whose budget refuses model calls starts no run (checked beside the read, from a cached policy).
    const [workflow] = await Promise.all([this.deps.workflows.get(workflowId), this.deps.admission?.(this.deps.tenantId)]);
    if (!workflow) throw new NotFoundError(`workflow ${workflowId} not found`);
    const createdMs = this.clock();
    const queued = runSchema.parse({
      runId: this.newId(createdMs),
      workflowId,
      workflowVersion: workflow.version,
      status: 'QUEUED',
      provider: this.deps.provider,
      input: body.input,
      steps: [],
      usage: { inputTokens: 0, outputTokens: 0 },
      startedBy: context.actor,
      createdAt: new Date(createdMs).toISOString(),
    });
    // The idempotency record is part of the transaction: a retry of a start that happened gets that run back
    // (from the condition that failed) instead of a second run, without a read before the write.
    const started = await this.deps.mutations.execute({
      tenantId: this.deps.tenantId,
      event: { actor: context.actor, action: 'workflow-run.start', target: runTarget(workflowId, queued.runId), requestId: context.requestId, change: queued },
      writes: [this.deps.runs.create(queued), this.deps.workflows.exists(workflowId)],
      quotas: [{ counter: quotaCounters.runs(this.deps.tenantId, monthOf(new Date(createdMs))), delta: 1 }],
      ...(context.idempotency ? { idempotency: context.idempotency, response: present(queued) } : {}),
    });
    if (started.replayed) return this.replay(workflowId, started.response, present);
    await this.deps.queue.enqueue({ tenantId: this.deps.tenantId, workflowId, runId: queued.runId });
    return { response: present(queued), replayed: false };
  }

  /**
   * Cancels a run: a QUEUED one ends CANCELLED at once; a RUNNING one is asked to stop, and its worker ends it
   * CANCELLED before the next step (or the next worker does, if that one stopped). A finished run cannot be cancelled.
   */
  async cancel(workflowId: string, runId: string, context: MutationContext, present: Presenter<Run>): Promise<MutationResult> {
    const run = await this.get(workflowId, runId);
    if (FINAL_RUN_STATUSES.includes(run.status)) throw new ConflictError(`run ${runId} is already ${run.status}`, { runStatus: run.status });
    const after: Run =
      run.status === 'QUEUED' ? { ...run, status: 'CANCELLED', finishedAt: new Date(this.clock()).toISOString() } : { ...run, cancelRequested: true };
    const outcome = await this.deps.mutations.execute({
      tenantId: this.deps.tenantId,
      event: {
        actor: context.actor,
        action: 'workflow-run.cancel',
        target: runTarget(workflowId, runId),
        requestId: context.requestId,
        change: { status: run.status },
      },
      writes: [run.status === 'QUEUED' ? this.deps.runs.cancelQueued(run, after.finishedAt as string) : this.deps.runs.requestCancel(run)],
      ...(context.idempotency ? { idempotency: context.idempotency, response: present(after) } : {}),
    });
    return outcome.replayed ? { response: outcome.response, replayed: true } : { response: present(after), replayed: false };
  }

  /** The stored response of the first start, with the run as it is now. */
  private async replay(workflowId: string, stored: MutationResult['response'], present: Presenter<Run>): Promise<MutationResult> {
    const first = runSchema.safeParse(stored.body);
    const current = first.success ? await this.deps.runs.get(workflowId, first.data.runId) : undefined;
    // The first request may have stopped between its transaction and its message: sending it again is harmless
    // (the worker acts once per run), and without it the run would wait QUEUED forever.
    if (current?.status === 'QUEUED') await this.deps.queue.enqueue({ tenantId: this.deps.tenantId, workflowId, runId: current.runId });
    return { response: current ? { ...present(current), status: stored.status } : stored, replayed: true };
  }
}
