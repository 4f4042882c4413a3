import { randomUUID } from 'node:crypto';
import { ConflictError, QuotaExceededError } from '../core/errors';
import type { MutationExecutor } from '../data/mutation.executor';
import { quotaCounters } from '../quotas/quota.counters';
import { usageCounters } from '../usage/usage.meter';
import { StepCrashedError, type RunExecutor, type StepAgent } from './run.executor';
import { DEFAULT_REDRIVE_AFTER_MS, RUN_MAX_ATTEMPTS, type RunMessage } from './run.queue';
import { LeaseLostError, type Lease, type LeasedRun, type RunRepository } from './run.repository';
import { FINAL_RUN_STATUSES, runSchema, type Run, type StepResult } from './run.schema';
import { runTarget } from './run.service';
import type { WorkflowRepository } from './workflow.repository';

/** What the queue should do with the message that was handled. */
export type DeliveryOutcome =
  /** Handled: delete the message. */
  | { readonly kind: 'done' }
  /** Not now (no concurrent-run slot, or another worker holds the run): send it again after the delay, delete this one. */
  | { readonly kind: 'later'; readonly delaySeconds: number; readonly reason: string }
  /** Failed: leave it on the queue, which delivers it again after its visibility timeout and dead-letters it at last. */
  | { readonly kind: 'failed'; readonly reason: string };

export interface RunWorkerDeps {
  readonly tenantId: string;
  readonly workflows: Pick<WorkflowRepository, 'get'>;
  readonly runs: RunRepository;
  /** The tenant's agents (their model and instructions). */
  readonly agents: { get(agentId: string): Promise<StepAgent | undefined> };
  readonly mutations: Pick<MutationExecutor, 'execute'>;
  readonly executor: RunExecutor;
  /**
   * How long a worker's claim on a run lasts without a step finishing; after it, another delivery takes the run over.
   * Must exceed the longest step (stepBudgetMs) and should equal the queue's visibility timeout.
   */
  readonly leaseMs: number;
  /** How long a run that found no free concurrent-run slot waits before it is delivered again. */
  readonly slotWaitSeconds: number;
  /** @default RUN_MAX_ATTEMPTS */
  readonly maxAttempts?: number;
  /**
   * After how long the sweeper sends a QUEUED run no message has reached again (run.sweeper.ts): a run waiting for a
   * slot is marked delivered at least twice as often, so the sweeper leaves it alone. @default DEFAULT_REDRIVE_AFTER_MS
   */
  readonly redriveAfterMs?: number;
  /** @default Date.now */
  readonly clock?: () => number;
  /** @default random UUIDs */
  readonly newLeaseOwner?: () => string;
}

const WORKER_ACTOR = 'system:run-worker';

/** The reason of a `later` outcome when the tenant's concurrent-run slots are all taken (a scaling event). */
export const NO_RUN_SLOT = 'no free concurrent-run slot';

/** A cancel was asked for while the step ran: the run ends CANCELLED with the steps recorded so far. */
class CancelRequested extends Error {
  override readonly name: string = 'CancelRequested';
}

/**
 * Executes the runs of one tenant from their queue messages. Every change of a run is conditional on its status and
 * on this worker's lease, so a message delivered twice, or a run resumed after its worker stopped, executes each step
 * once and is metered once:
 *
 * - QUEUED: take one of the tenant's concurrent-run slots (a quota counter checked against the plan) and the lease
 *   in one transaction, RUNNING; no slot → delivered again after `slotWaitSeconds` (runs wait, they are not refused).
 * - RUNNING with a live lease of another worker: delivered again when that lease ends.
 * - RUNNING with an expired lease (its worker stopped): taken over and resumed after its last recorded step; after
 *   `maxAttempts` workers it is FAILED with the last reason, and the message goes on to the dead-letter queue.
 * - Each finished step is appended to the run (with the lease renewed) before the next one starts.
 * - The end (SUCCEEDED, FAILED, CANCELLED) gives the slot back and meters the run's tokens in one transaction.
 */
export class RunWorker {
  private readonly clock: () => number;
  private readonly newLeaseOwner: () => string;
  private readonly maxAttempts: number;
  private readonly redriveAfterMs: number;

  constructor(private readonly deps: RunWorkerDeps) {
    this.clock = deps.clock ?? Date.now;
    this.newLeaseOwner = deps.newLeaseOwner ?? randomUUID;
    this.maxAttempts = deps.maxAttempts ?? RUN_MAX_ATTEMPTS;
    this.redriveAfterMs = deps.redriveAfterMs ?? DEFAULT_REDRIVE_AFTER_MS;
  }

  async handle(message: RunMessage): Promise<DeliveryOutcome> {
    const leased = await this.deps.runs.getLeased(message.workflowId, message.runId);
    if (!leased || FINAL_RUN_STATUSES.includes(leased.run.status)) return { kind: 'done' };
    const claim = leased.run.status === 'QUEUED' ? await this.begin(leased) : await this.takeOver(leased);
    if ('kind' in claim) return claim;
    try {
      return await this.execute(claim.run, claim.lease);
    } catch (error) {
      if (error instanceof LeaseLostError) return { kind: 'done' };
      if (error instanceof StepCrashedError) {
        await this.deps.runs.release(claim.run, claim.lease, error.message);
        return { kind: 'failed', reason: error.message };
      }
      throw error;
    }
  }

  private lease(): Lease {
    return { owner: this.newLeaseOwner(), expiresAtMs: this.clock() + this.deps.leaseMs };
  }

  private async begin({ run, deliveredAtMs }: LeasedRun): Promise<{ run: Run; lease: Lease } | DeliveryOutcome> {
    const lease = this.lease();
    const startedAt = new Date(this.clock()).toISOString();
    try {
      await this.deps.mutations.execute({
        tenantId: this.deps.tenantId,
        event: { actor: WORKER_ACTOR, action: 'workflow-run.begin', target: runTarget(run.workflowId, run.runId), requestId: run.runId, change: { startedAt } },
        writes: [this.deps.runs.begin(run, lease, startedAt)],
        quotas: [{ counter: quotaCounters.runsInFlight(this.deps.tenantId), delta: 1 }],
      });
    } catch (error) {
      if (error instanceof QuotaExceededError) return this.waitForSlot(run, deliveredAtMs);
      if (!(error instanceof ConflictError)) throw error;
      // Cancelled meanwhile or begun by a duplicate delivery (nothing left for this one), unless the transaction
      // committed and a retry of it then found the run RUNNING: under this very lease, the run is this worker's.
      const now = await this.deps.runs.getLeased(run.workflowId, run.runId);
      if (now?.run.status !== 'RUNNING' || now.lease?.owner !== lease.owner) return { kind: 'done' };
      return { run: now.run, lease };
    }
    return { run: { ...run, status: 'RUNNING', startedAt, attempts: (run.attempts ?? 0) + 1 }, lease };
  }

  /** No free slot: the message is sent again after the wait, and the run marked delivered when the sweeper would soon see it as stuck. */
  private async waitForSlot(run: Run, deliveredAtMs: number | undefined): Promise<DeliveryOutcome> {
    const now = this.clock();
    if (now - (deliveredAtMs ?? 0) >= this.redriveAfterMs / 2) await this.deps.runs.markDelivered(run, now);
    return { kind: 'later', delaySeconds: this.deps.slotWaitSeconds, reason: NO_RUN_SLOT };
  }

  private async takeOver({ run, lease: held, lastError }: LeasedRun): Promise<{ run: Run; lease: Lease } | DeliveryOutcome> {
    const now = this.clock();
    if (held && held.expiresAtMs >= now) {
      return { kind: 'later', delaySeconds: Math.ceil((held.expiresAtMs - now) / 1000) + 1, reason: 'another worker holds the run' };
    }
    const lease = this.lease();
    const exhausted = (run.attempts ?? 0) >= this.maxAttempts;
    if (!(await this.deps.runs.takeOver(run.workflowId, run.runId, lease, now, !exhausted)))
      return { kind: 'later', delaySeconds: 1, reason: 'another worker took the run over' };
    if (exhausted) {
      const reason = `run given up after ${run.attempts} attempts: ${lastError ?? 'its worker stopped before it finished'}`;
      await this.finish({ ...run, status: 'FAILED', error: reason }, lease);
      // The message goes on to the dead-letter queue, where the operators' alarm sees it.
      return { kind: 'failed', reason };
    }
    return { run: { ...run, attempts: (run.attempts ?? 0) + 1 }, lease };
  }

  private async execute(run: Run, lease: Lease): Promise<DeliveryOutcome> {
    if (run.cancelRequested) return this.finishCancelled(run, lease);
    const workflow = await this.deps.workflows.get(run.workflowId);
    if (!workflow || workflow.version !== run.workflowVersion) {
      const error = workflow
        ? `the workflow changed after the run was started (version ${run.workflowVersion}, now ${workflow.version})`
        : 'the workflow was deleted before the run could execute';
      return this.finish({ ...run, status: 'FAILED', error }, lease);
    }
    const agentIds = [...new Set(workflow.steps.map((step) => step.agentId))];
    const found = await Promise.all(agentIds.map((agentId) => this.deps.agents.get(agentId)));
    const agents = new Map(found.filter((agent): agent is StepAgent => agent !== undefined).map((agent) => [agent.agentId, agent]));

    const recorded: StepResult[] = [...run.steps];
    const usage = { ...run.usage };
    try {
      const outcome = await this.deps.executor.resume(
        {
          mode: workflow.mode,
          steps: workflow.steps,
          input: run.input,
          agents,
          metadata: { tenantId: this.deps.tenantId, workflowId: run.workflowId, runId: run.runId, ...apiKeyOf(run.startedBy) },
        },
        run.steps,
        async (step) => {
          usage.inputTokens += step.usage?.inputTokens ?? 0;
          usage.outputTokens += step.usage?.outputTokens ?? 0;
          const renewed = { ...lease, expiresAtMs: this.clock() + this.deps.leaseMs };
          const { cancelRequested } = await this.deps.runs.recordStep(run, renewed, recorded.length, step, usage);
          recorded.push(step);
          if (cancelRequested) throw new CancelRequested();
        },
      );
      return this.finish(
        { ...run, status: outcome.status, steps: outcome.steps, usage: outcome.usage, ...(outcome.error ? { error: outcome.error } : {}) },
        lease,
      );
    } catch (error) {
      if (error instanceof CancelRequested) return this.finishCancelled({ ...run, steps: recorded, usage }, lease);
      throw error;
    }
  }

  private finishCancelled(run: Run, lease: Lease): Promise<DeliveryOutcome> {
    return this.finish({ ...run, status: 'CANCELLED', error: 'cancelled on request' }, lease);
  }

  /** The end of a run: its record, the slot given back and its tokens metered, in one transaction. */
  private async finish(run: Run, lease: Lease): Promise<DeliveryOutcome> {
    const finished = runSchema.parse({ ...run, finishedAt: new Date(this.clock()).toISOString() });
    const tokens = finished.usage.inputTokens + finished.usage.outputTokens;
    await this.deps.mutations.execute({
      tenantId: this.deps.tenantId,
      event: {
        actor: WORKER_ACTOR,
        action: 'workflow-run.finish',
        target: runTarget(run.workflowId, run.runId),
        requestId: run.runId,
        change: { status: finished.status, usage: finished.usage, error: finished.error },
      },
      writes: [this.deps.runs.finish(finished, lease)],
      quotas: [{ counter: quotaCounters.runsInFlight(this.deps.tenantId), delta: -1 }],
      // Tokens count in the month the run started, like the run itself.
      counters: tokens > 0 ? [usageCounters.tokens(this.deps.tenantId, new Date(run.createdAt), tokens)] : [],
    });
    return { kind: 'done' };
  }
}

/** The API key a run was started with (`api-key:<keyId>`), for budgets and spend per key. */
function apiKeyOf(actor: string): { apiKeyId: string } | Record<string, never> {
  return actor.startsWith('api-key:') ? { apiKeyId: actor.slice('api-key:'.length) } : {};
}
