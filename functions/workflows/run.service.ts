import { ConflictError, NotFoundError } from '../core/errors';
import type { Page } from '../core/request-conventions';
import type { MutationContext, MutationResult, Presenter } from '../data/mutation.context';
import type { MutationExecutor } from '../data/mutation.executor';
import { timeOrderedId } from '../data/ids';
import type { ModelProviderName } from '../models/model-provider';
import { monthOf, quotaCounters } from '../quotas/quota.counters';
import { usageCounters } from '../usage/usage.meter';
import type { RunExecutor, StepAgent } from './run.executor';
import type { RunRepository } from './run.repository';
import { runSchema, type Run, type StartRunBody } from './run.schema';
import type { WorkflowRepository } from './workflow.repository';
import { workflowTarget } from './workflow.service';

export interface RunServiceDeps {
  readonly tenantId: string;
  readonly workflows: Pick<WorkflowRepository, 'get' | 'exists'>;
  readonly runs: RunRepository;
  /** The tenant's agents (their model and instructions). */
  readonly agents: { get(agentId: string): Promise<StepAgent | undefined> };
  readonly mutations: Pick<MutationExecutor, 'execute' | 'findReplay'>;
  readonly executor: RunExecutor;
  /** The provider the executor calls, recorded in every run. */
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

/** The API key a run was started with (`api-key:<keyId>`), for budgets and spend per key. */
function apiKeyOf(actor: string): { apiKeyId: string } | Record<string, never> {
  return actor.startsWith('api-key:') ? { apiKeyId: actor.slice('api-key:'.length) } : {};
}

/** The audit target of a run. */
export function runTarget(workflowId: string, runId: string): string {
  return `${workflowTarget(workflowId)}/run/${runId}`;
}

/**
 * Starts and reads one tenant's workflow runs. A start is one transaction (the QUEUED run, the month's runs counter
 * checked against the plan, the idempotency record, the audit entry); the steps then execute within the request
 * (RUNNING), and the end is a second transaction (SUCCEEDED or FAILED with the step results, the tokens metered
 * into the month's usage, the audit entry).
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
    // A retry of a start that happened must not run the workflow again: it gets the run it started, as it is now.
    if (context.idempotency) {
      const stored = await this.deps.mutations.findReplay(this.deps.tenantId, context.idempotency);
      if (stored) return this.replay(workflowId, stored, present);
    }
    const workflow = await this.deps.workflows.get(workflowId);
    if (!workflow) throw new NotFoundError(`workflow ${workflowId} not found`);
    const agents = await this.loadAgents(workflow.steps.map((step) => step.agentId));
    await this.deps.admission?.(this.deps.tenantId);

    const createdMs = this.clock();
    const period = monthOf(new Date(createdMs));
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
    const target = runTarget(workflowId, queued.runId);
    const started = await this.deps.mutations.execute({
      tenantId: this.deps.tenantId,
      event: { actor: context.actor, action: 'workflow-run.start', target, requestId: context.requestId, change: queued },
      writes: [this.deps.runs.create(queued), this.deps.workflows.exists(workflowId)],
      quotas: [{ counter: quotaCounters.runs(this.deps.tenantId, period), delta: 1 }],
      ...(context.idempotency ? { idempotency: context.idempotency, response: present(queued) } : {}),
    });
    if (started.replayed) return this.replay(workflowId, started.response, present);

    const startedAt = new Date(this.clock()).toISOString();
    await this.deps.runs.markRunning(workflowId, queued.runId, startedAt);
    const outcome = await this.deps.executor.execute({
      mode: workflow.mode,
      steps: workflow.steps,
      input: body.input,
      agents,
      metadata: { tenantId: this.deps.tenantId, workflowId, runId: queued.runId, ...apiKeyOf(context.actor) },
    });
    const finished = runSchema.parse({
      ...queued,
      status: outcome.status,
      steps: outcome.steps,
      usage: outcome.usage,
      ...(outcome.error ? { error: outcome.error } : {}),
      startedAt,
      finishedAt: new Date(this.clock()).toISOString(),
    });
    await this.deps.mutations.execute({
      tenantId: this.deps.tenantId,
      event: {
        actor: context.actor,
        action: 'workflow-run.finish',
        target,
        requestId: context.requestId,
        change: { status: finished.status, usage: finished.usage, error: finished.error },
      },
      writes: [this.deps.runs.finish(finished)],
      // Tokens count in the month the run started, like the run itself.
      counters: [usageCounters.tokens(this.deps.tenantId, new Date(createdMs), outcome.usage.inputTokens + outcome.usage.outputTokens)],
    });
    return { response: present(finished), replayed: false };
  }

  /** The agents of the steps; a step naming an agent that no longer exists makes the workflow unrunnable. */
  private async loadAgents(agentIds: readonly string[]): Promise<Map<string, StepAgent>> {
    const unique = [...new Set(agentIds)];
    const found = await Promise.all(unique.map((agentId) => this.deps.agents.get(agentId)));
    const missing = unique.filter((_, i) => !found[i]);
    if (missing.length > 0) {
      throw new ConflictError(`the workflow names agents that no longer exist: ${missing.join(', ')}`, { missingAgents: missing });
    }
    return new Map(found.map((agent) => [(agent as StepAgent).agentId, agent as StepAgent]));
  }

  /** The stored response of the first start, with the run as it is now. */
  private async replay(workflowId: string, stored: MutationResult['response'], present: Presenter<Run>): Promise<MutationResult> {
    const first = runSchema.safeParse(stored.body);
    const current = first.success ? await this.deps.runs.get(workflowId, first.data.runId) : undefined;
    return { response: current ? { ...present(current), status: stored.status } : stored, replayed: true };
  }
}
