import type { AuditPort } from '../data/mutation.executor';
import { GuardrailBlockedError, ModelInvocationError, type ModelInvocation, type ModelProvider, type ModelResult } from '../models/model-provider';
import type { PlanSource } from '../quotas/plan.source';
import type { ActiveCredentialSource } from './model-credential.repository';
import { allowedModelsOf, type ModelPolicySource } from './model-policy.repository';

export interface GovernedModelProviderOptions {
  readonly inner: ModelProvider;
  readonly plans: PlanSource;
  readonly policies: ModelPolicySource;
  /** The tenant's own credential its calls use. @default calls use the platform's access */
  readonly credentials?: Pick<ActiveCredentialSource, 'activeOf'>;
  /** The tenant's audit log, where blocked content is recorded. */
  readonly audit: Pick<AuditPort, 'record'>;
  /** Told when a block could not be audited (the step fails with the block all the same). @default ignored */
  readonly onAuditError?: (error: unknown) => void;
}

/**
 * The model-provider port under the tenant's model governance, on every call of a run: the model must be one the
 * tenant may use (its plan's, narrowed by its own allow-list: otherwise the step fails `model-not-allowed`), its
 * guardrail goes with the call, its newest own credential is named, and what the guardrail blocked is recorded in the
 * tenant's audit log (the step records it too).
 */
export class GovernedModelProvider implements ModelProvider {
  readonly name: ModelProvider['name'];

  constructor(private readonly options: GovernedModelProviderOptions) {
    this.name = options.inner.name;
  }

  async invoke(invocation: ModelInvocation): Promise<ModelResult> {
    const tenantId = invocation.metadata?.tenantId;
    if (!tenantId) return this.options.inner.invoke(invocation);
    const [plan, policy, credential] = await Promise.all([
      this.options.plans.planOf(tenantId),
      this.options.policies.policyOf(tenantId),
      this.options.credentials?.activeOf(tenantId),
    ]);
    if (!allowedModelsOf(plan, policy).includes(invocation.modelId)) {
      throw new ModelInvocationError(`model-not-allowed: the tenant's model policy does not include ${invocation.modelId}`);
    }
    const governed: ModelInvocation = {
      ...invocation,
      ...(policy?.guardrail ? { guardrail: policy.guardrail } : {}),
      ...(credential ? { credential: { id: credential.credentialId } } : {}),
    };
    try {
      return await this.options.inner.invoke(governed);
    } catch (error) {
      if (error instanceof GuardrailBlockedError) await this.recordBlock(tenantId, governed, error);
      throw error;
    }
  }

  private async recordBlock(tenantId: string, invocation: ModelInvocation, error: GuardrailBlockedError): Promise<void> {
    const { runId, workflowId, agentId } = invocation.metadata ?? {};
    try {
      await this.options.audit.record(tenantId, {
        actor: 'system:guardrail',
        action: 'guardrail.blocked',
        target: workflowId && runId ? `workflow/${workflowId}/run/${runId}` : 'model-call',
        requestId: runId ?? 'model-call',
        change: { ...error.verdict, modelId: invocation.modelId, ...(agentId ? { agentId } : {}), ...(runId ? { runId } : {}) },
      });
    } catch (auditError) {
      this.options.onAuditError?.(auditError);
    }
  }
}
