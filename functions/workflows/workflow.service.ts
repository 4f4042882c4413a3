import { randomUUID } from 'node:crypto';
import { NotFoundError, PreconditionFailedError, ValidationError } from '../core/errors';
import { ifMatchAccepts, type Page } from '../core/request-conventions';
import { withReplay, type MutationContext, type MutationResult, type Presenter } from '../data/mutation.context';
import type { ItemWrite, MutationExecutor } from '../data/mutation.executor';
import { registerNestedPartition } from '../data/operational.kind';
import { quotaCounters } from '../quotas/quota.counters';
import type { WorkflowRepository } from './workflow.repository';
import { workflowSchema, type CreateWorkflowBody, type UpdateWorkflowBody, type Workflow, type WorkflowStep } from './workflow.schema';

/** Checks, inside a mutation's transaction, that an agent exists in the tenant. */
export interface AgentReferences {
  /** A condition check on the agent's item that fails with `onMissing()` when it does not exist. */
  exists(agentId: string, onMissing: () => Error): ItemWrite;
}

export interface WorkflowServiceDeps {
  readonly tenantId: string;
  readonly workflows: WorkflowRepository;
  readonly agents: AgentReferences;
  readonly mutations: Pick<MutationExecutor, 'execute' | 'findReplay'>;
  /** @default Date.now */
  readonly clock?: () => number;
  /** @default random UUIDs */
  readonly newId?: () => string;
}

/** The audit target of a workflow. */
export function workflowTarget(workflowId: string): string {
  return `workflow/${workflowId}`;
}

/**
 * Rules of one tenant's workflows. The graph rules are the body schema's; what needs the table is checked here,
 * inside the transaction that writes: every agent a step names must exist in this tenant (an id of another tenant's
 * agent is looked up under this tenant's keys, where it does not exist), and the workflows counter stays within the
 * plan.
 */
export class WorkflowService {
  private readonly clock: () => number;
  private readonly newId: () => string;

  constructor(private readonly deps: WorkflowServiceDeps) {
    this.clock = deps.clock ?? Date.now;
    this.newId = deps.newId ?? randomUUID;
  }

  async get(workflowId: string): Promise<Workflow> {
    const workflow = await this.deps.workflows.get(workflowId);
    if (!workflow) throw new NotFoundError(`workflow ${workflowId} not found`);
    return workflow;
  }

  list(query: { readonly limit: number; readonly cursor?: string }): Promise<Page<Workflow>> {
    return this.deps.workflows.list(query);
  }

  async create(body: CreateWorkflowBody, context: MutationContext, present: Presenter<Workflow>): Promise<MutationResult> {
    const now = new Date(this.clock()).toISOString();
    const workflow = workflowSchema.parse({ ...body, workflowId: this.newId(), createdAt: now, updatedAt: now, version: 1 });
    const response = present(workflow);
    const outcome = await this.deps.mutations.execute({
      tenantId: this.deps.tenantId,
      event: { actor: context.actor, action: 'workflow.create', target: workflowTarget(workflow.workflowId), requestId: context.requestId, change: workflow },
      writes: [
        this.deps.workflows.create(workflow),
        registerNestedPartition(this.deps.tenantId, 'WORKFLOW', workflow.workflowId),
        ...this.agentChecks(workflow.steps),
      ],
      quotas: [{ counter: quotaCounters.workflows(this.deps.tenantId), delta: 1 }],
      ...(context.idempotency ? { idempotency: context.idempotency, response } : {}),
    });
    return outcome.replayed ? { response: outcome.response, replayed: true } : { response, replayed: false };
  }

  /**
   * Changes the workflow if `If-Match` (when given) names its current version. With an Idempotency-Key, a retry
   * of an update that happened gets the first response back instead of a 412.
   */
  update(workflowId: string, patch: UpdateWorkflowBody, context: MutationContext, present: Presenter<Workflow>): Promise<MutationResult> {
    return withReplay(this.deps.mutations, context, async () => {
      const current = await this.get(workflowId);
      if (!ifMatchAccepts(context.ifMatch, current.version)) {
        throw new PreconditionFailedError(`workflow ${workflowId} is at version ${current.version}`, { currentVersion: current.version });
      }
      const next = workflowSchema.parse({ ...current, ...patch, updatedAt: new Date(this.clock()).toISOString(), version: current.version + 1 });
      const response = present(next);
      const outcome = await this.deps.mutations.execute({
        tenantId: this.deps.tenantId,
        event: {
          actor: context.actor,
          action: 'workflow.update',
          target: workflowTarget(workflowId),
          requestId: context.requestId,
          change: { version: next.version, patch },
        },
        writes: [this.deps.workflows.replace(next, current.version), ...(patch.steps ? this.agentChecks(patch.steps) : [])],
        ...(context.idempotency ? { idempotency: context.idempotency, response } : {}),
      });
      return outcome.replayed ? { response: outcome.response, replayed: true } : { response, replayed: false };
    });
  }

  /** Deletes the workflow if `If-Match` (when given) names its current version. Its runs stay, as history. */
  delete(workflowId: string, context: MutationContext, present: Presenter<undefined>): Promise<MutationResult> {
    return withReplay(this.deps.mutations, context, async () => {
      const condition = context.ifMatch ?? { any: true as const };
      if (!condition.any && condition.versions.length === 0) throw new PreconditionFailedError('If-Match names no current version');
      const response = present(undefined);
      const outcome = await this.deps.mutations.execute({
        tenantId: this.deps.tenantId,
        event: { actor: context.actor, action: 'workflow.delete', target: workflowTarget(workflowId), requestId: context.requestId, change: { workflowId } },
        writes: [this.deps.workflows.delete(workflowId, condition)],
        quotas: [{ counter: quotaCounters.workflows(this.deps.tenantId), delta: -1 }],
        ...(context.idempotency ? { idempotency: context.idempotency, response } : {}),
      });
      return outcome.replayed ? { response: outcome.response, replayed: true } : { response, replayed: false };
    });
  }

  /** One existence check per distinct agent, reported at the first step that names it. */
  private agentChecks(steps: readonly WorkflowStep[]): ItemWrite[] {
    const firstStep = new Map<string, number>();
    steps.forEach((step, index) => {
      if (!firstStep.has(step.agentId)) firstStep.set(step.agentId, index);
    });
    return [...firstStep].map(([agentId, index]) =>
      this.deps.agents.exists(agentId, () => danglingAgentError(agentId, steps[index].id, `body.steps.${index}.agentId`)),
    );
  }
}

/** A step names an agent that this tenant does not have: a 422 pointing at the step. */
export function danglingAgentError(agentId: string, stepId: string, pointer: string): ValidationError {
  const message = `dangling reference: agent ${agentId} does not exist in this tenant`;
  return new ValidationError(`step ${stepId}: ${message}`, [{ pointer, message }], 'body');
}
