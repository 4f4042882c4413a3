import { ModelNotAllowedError, NotFoundError, PreconditionFailedError } from '../core/errors';
import { ifMatchAccepts } from '../core/request-conventions';
import { withReplay, type MutationContext, type MutationResult, type Presenter } from '../data/mutation.context';
import type { MutationExecutor } from '../data/mutation.executor';
import type { PlanSource } from '../quotas/plan.source';
import type { ModelPolicyRepository } from './model-policy.repository';
import type { ModelPolicy, ModelPolicyBody } from './model-policy.schema';

export interface ModelPolicyServiceDeps {
  readonly policies: ModelPolicyRepository;
  readonly plans: PlanSource;
  readonly mutations: Pick<MutationExecutor, 'execute' | 'findReplay'>;
  /** @default Date.now */
  readonly clock?: () => number;
}

const TARGET = 'model-policy';
const stale = () => new PreconditionFailedError('the model policy changed meanwhile: read it again');

/** A tenant's model policy: an allow-list within its plan's models, and its guardrail. Every change audited. */
export class ModelPolicyService {
  private readonly clock: () => number;

  constructor(private readonly deps: ModelPolicyServiceDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  async get(tenantId: string): Promise<ModelPolicy> {
    const policy = await this.deps.policies.get(tenantId);
    if (!policy) throw new NotFoundError('the tenant has no model policy');
    return policy;
  }

  /** Sets (replaces) the policy; a model outside the plan is refused like an agent's (422 `model-not-allowed`). */
  async set(body: ModelPolicyBody, context: MutationContext, present: Presenter<ModelPolicy>): Promise<MutationResult> {
    const { tenantId } = context;
    const plan = await this.deps.plans.planOf(tenantId);
    const outside = (body.allowedModels ?? []).find((modelId) => !plan.models.includes(modelId));
    if (outside) {
      throw new ModelNotAllowedError(`the ${plan.title} plan does not include model ${outside}`, {
        modelId: outside,
        plan: plan.id,
        allowedModels: plan.models,
      });
    }
    return withReplay(this.deps.mutations, context, async () => {
      const current = await this.deps.policies.get(tenantId);
      if (current && !ifMatchAccepts(context.ifMatch, current.version)) throw new PreconditionFailedError(`the model policy is at version ${current.version}`);
      const policy: ModelPolicy = {
        ...(body.allowedModels ? { allowedModels: body.allowedModels } : {}),
        ...(body.guardrail ? { guardrail: body.guardrail } : {}),
        version: (current?.version ?? 0) + 1,
        updatedAt: new Date(this.clock()).toISOString(),
        updatedBy: context.actor,
      };
      const outcome = await this.deps.mutations.execute({
        tenantId,
        event: { actor: context.actor, action: 'model-policy.set', target: TARGET, requestId: context.requestId, change: policy },
        writes: [this.deps.policies.put(tenantId, policy, stale)],
        ...(context.idempotency ? { idempotency: context.idempotency, response: present(policy) } : {}),
      });
      return outcome.replayed ? { response: outcome.response, replayed: true } : { response: present(policy), replayed: false };
    });
  }

  /** Removes the policy: the plan's models apply again, and no guardrail. */
  async remove(context: MutationContext): Promise<MutationResult> {
    const { tenantId } = context;
    return withReplay(this.deps.mutations, context, async () => {
      const current = await this.deps.policies.get(tenantId);
      if (!current) throw new NotFoundError('the tenant has no model policy');
      if (!ifMatchAccepts(context.ifMatch, current.version)) throw new PreconditionFailedError(`the model policy is at version ${current.version}`);
      const outcome = await this.deps.mutations.execute({
        tenantId,
        event: { actor: context.actor, action: 'model-policy.delete', target: TARGET, requestId: context.requestId, change: { version: current.version } },
        writes: [this.deps.policies.delete(tenantId, current.version, stale)],
        ...(context.idempotency ? { idempotency: context.idempotency, response: { status: 204 } } : {}),
      });
      return outcome.replayed ? { response: outcome.response, replayed: true } : { response: { status: 204 }, replayed: false };
    });
  }
}
