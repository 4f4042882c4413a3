import * as keys from '../data/table-keys';
import { conditionOf, itemAbsent, itemExists, versionIs } from '../data/conditions';
import { registerNestedPartition } from '../data/operational.kind';
import { planAllowsModel } from '../billing/plan.catalogue';
import { ConflictError, ModelNotAllowedError, NotFoundError, PreconditionFailedError, ValidationError } from '../core/errors';
import { ifMatchAccepts } from '../core/request-conventions';
import { timeOrderedId } from '../data/ids';
import { withReplay, type MutationContext, type MutationResult, type Presenter } from '../data/mutation.context';
import type { CurrentItem, ItemWrite, MutationExecutor } from '../data/mutation.executor';
import type { PlanSource } from '../quotas/plan.source';
import { COUNTER_ATTRIBUTES, quotaCounters } from '../quotas/quota.counters';
import { agentCollectionKeys, type AgentPage, type AgentRepository } from './agent.repository';
import { agentBytes, agentSchema, createAgentSchema, type Agent, type CreateAgent, type ListAgentsQuery, type UpdateAgent } from './agent.schema';

export interface AgentServiceDeps {
  readonly executor: Pick<MutationExecutor, 'execute' | 'findReplay'>;
  /** The agent repository of a tenant (reads; writes go through the executor). */
  readonly agents: (tenantId: string) => AgentRepository;
  /** The tenant's plan, whose model allow-list an agent's model must be on. */
  readonly plans: PlanSource;
  /**
   * Checks, in the agent's write, that the tenant has an item of another kind (`tool`) with an id: an agent naming
   * one that does not exist is refused. @default references are not checked
   */
  readonly references?: (kind: string, tenantId: string, id: string, onMissing: () => Error) => ItemWrite;
  /**
   * The tenant's own allow-list of models, narrower than its plan's (the model governance's): a model outside it is
   * refused like one outside the plan. @default the plan's models alone
   */
  readonly tenantModels?: (tenantId: string) => Promise<readonly string[] | undefined>;
  /** @default Date.now */
  readonly clock?: () => number;
}

class StaleAgentError extends Error {
  override readonly name: string = 'StaleAgentError';
}

const STALE_RETRIES = 3;
const target = (agentId: string) => `agent/${agentId}`;

/**
 * Rules of agents: creating one counts against the plan's agent limit in the same transaction; an agent with
 * memories cannot be deleted (the memory counter is checked in the delete transaction, so no memory is orphaned);
 * every change is audited in its transaction, in the agent's lane (shared with its memories).
 */
export class AgentService {
  private readonly clock: () => number;

  constructor(private readonly deps: AgentServiceDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  async create(context: MutationContext, body: CreateAgent, present: Presenter<Agent>): Promise<MutationResult> {
    const { tenantId } = context;
    await this.checkModel(tenantId, body.modelId);
    const now = this.clock();
    const time = new Date(now).toISOString();
    const agent = agentSchema.parse({ ...createAgentSchema.parse(body), agentId: timeOrderedId(now), createdAt: time, updatedAt: time, version: 1 });
    const response = present(agent);
    const outcome = await this.deps.executor.execute({
      tenantId,
      event: { actor: context.actor, action: 'agent.create', target: target(agent.agentId), requestId: context.requestId, change: agent },
      writes: [
        {
          put: {
            Item: { ...keys.agent(tenantId, agent.agentId), ...agentCollectionKeys(tenantId, agent.createdAt, agent.agentId), ...agent },
            ...conditionOf(itemAbsent),
          },
          onConditionFailed: () => new ConflictError(`agent ${agent.agentId} exists`),
        },
        registerNestedPartition(tenantId, 'AGENT', agent.agentId),
        ...this.toolChecks(tenantId, agent.toolIds),
      ],
      quotas: [{ counter: quotaCounters.agents(tenantId), delta: 1, bytes: agentBytes(agent) }],
      ...(context.idempotency ? { idempotency: context.idempotency } : {}),
      response,
    });
    return outcome.replayed ? { response: outcome.response, replayed: true } : { response, replayed: false };
  }

  async get(tenantId: string, agentId: string): Promise<Agent> {
    const agent = await this.deps.agents(tenantId).get(agentId);
    if (!agent) throw new NotFoundError(`agent ${agentId} not found`);
    return agent;
  }

  list(tenantId: string, query: ListAgentsQuery): Promise<AgentPage> {
    return this.deps.agents(tenantId).list(query);
  }

  async update(context: MutationContext, agentId: string, patch: UpdateAgent, present: Presenter<Agent>): Promise<MutationResult> {
    if (patch.modelId !== undefined) await this.checkModel(context.tenantId, patch.modelId);
    return this.readThenWrite(context, agentId, async (current) => {
      const next = agentSchema.parse({ ...current, ...patch, updatedAt: new Date(this.clock()).toISOString(), version: current.version + 1 });
      const response = present(next);
      const { tenantId } = context;
      const outcome = await this.deps.executor.execute({
        tenantId,
        event: {
          actor: context.actor,
          action: 'agent.update',
          target: target(agentId),
          requestId: context.requestId,
          change: { patch, version: next.version },
        },
        writes: [
          {
            put: {
              Item: { ...keys.agent(tenantId, agentId), ...agentCollectionKeys(tenantId, next.createdAt, agentId), ...next },
              ...versionCondition(current.version),
            },
            onConditionFailed: (item) => versionError(item, agentId, current.version, context),
          },
          ...this.toolChecks(tenantId, patch.toolIds ?? []),
        ],
        quotas: [{ counter: quotaCounters.agents(tenantId), delta: 0, bytes: agentBytes(next) - agentBytes(current) }],
        ...(context.idempotency ? { idempotency: context.idempotency } : {}),
        response,
      });
      return outcome.replayed ? { response: outcome.response, replayed: true } : { response, replayed: false };
    });
  }

  delete(context: MutationContext, agentId: string): Promise<MutationResult> {
    return this.readThenWrite(context, agentId, async (current) => {
      const { tenantId } = context;
      const response = { status: 204 };
      const memoryCounter = quotaCounters.memories(tenantId, agentId);
      const writes: ItemWrite[] = [
        {
          delete: { Key: keys.agent(tenantId, agentId), ...versionCondition(current.version) },
          onConditionFailed: (item) => versionError(item, agentId, current.version, context),
        },
        {
          // The agent's memory counter goes with it, and only when it counts nothing: no memory is left behind.
          delete: {
            Key: memoryCounter.key,
            ConditionExpression: 'attribute_not_exists(#count) OR #count = :zero',
            ExpressionAttributeNames: { '#count': COUNTER_ATTRIBUTES.count },
            ExpressionAttributeValues: { ':zero': 0 },
          },
          onConditionFailed: (item) =>
            new ConflictError(`agent ${agentId} still has ${Number(item?.[COUNTER_ATTRIBUTES.count] ?? 0)} memories; delete them first`),
        },
      ];
      const outcome = await this.deps.executor.execute({
        tenantId,
        event: { actor: context.actor, action: 'agent.delete', target: target(agentId), requestId: context.requestId, change: { version: current.version } },
        writes,
        quotas: [{ counter: quotaCounters.agents(tenantId), delta: -1, bytes: -agentBytes(current) }],
        ...(context.idempotency ? { idempotency: context.idempotency } : {}),
        response,
      });
      return outcome.replayed ? { response: outcome.response, replayed: true } : { response, replayed: false };
    });
  }

  /**
   * The model must be on the tenant's plan and its own allow-list. Checked when a model is named (create, or an update that sets one), so
   * a plan downgrade does not lock existing agents against other changes.
   */
  private async checkModel(tenantId: string, modelId: string): Promise<void> {
    const [plan, own] = await Promise.all([this.deps.plans.planOf(tenantId), this.deps.tenantModels?.(tenantId)]);
    if (!planAllowsModel(plan, modelId)) {
      throw new ModelNotAllowedError(`the ${plan.title} plan does not include model ${modelId}`, { modelId, plan: plan.id, allowedModels: plan.models });
    }
    if (own && !own.includes(modelId)) {
      const allowedModels = plan.models.filter((id) => own.includes(id));
      throw new ModelNotAllowedError(`the tenant's model policy does not include model ${modelId}`, { modelId, plan: plan.id, allowedModels });
    }
  }

  /** One existence check per tool the agent names, in the agent's transaction: an unknown tool is a 422. */
  private toolChecks(tenantId: string, toolIds: readonly string[]): ItemWrite[] {
    const { references } = this.deps;
    if (!references) return [];
    return toolIds.map((toolId, index) => references('tool', tenantId, toolId, () => danglingToolError(toolId, `body.toolIds.${index}`)));
  }

  private readThenWrite(context: MutationContext, agentId: string, write: (current: Agent) => Promise<MutationResult>): Promise<MutationResult> {
    return withReplay(this.deps.executor, context, async () => {
      for (let attempt = 1; ; attempt++) {
        const current = await this.deps.agents(context.tenantId).get(agentId);
        if (!current) throw new NotFoundError(`agent ${agentId} not found`);
        if (!ifMatchAccepts(context.ifMatch, current.version)) throw new PreconditionFailedError(`agent ${agentId} is at version ${current.version}`);
        try {
          return await write(current);
        } catch (error) {
          if (!(error instanceof StaleAgentError)) throw error;
          if (attempt >= STALE_RETRIES) throw new PreconditionFailedError(`agent ${agentId} keeps changing; retry`);
        }
      }
    });
  }
}

function versionCondition(version: number) {
  return {
    ...conditionOf(itemExists, versionIs(version)),
  };
}

function versionError(item: CurrentItem, agentId: string, expected: number, context: MutationContext): Error {
  if (!item) return new NotFoundError(`agent ${agentId} not found`);
  if (context.ifMatch) return new PreconditionFailedError(`agent ${agentId} is no longer at version ${expected}`);
  return new StaleAgentError();
}

/** The agent names a tool this tenant does not have (another tenant's tool id is looked up under this tenant's keys). */
function danglingToolError(toolId: string, pointer: string): ValidationError {
  const message = `dangling reference: tool ${toolId} does not exist in this tenant`;
  return new ValidationError(message, [{ pointer, message }], 'body');
}
