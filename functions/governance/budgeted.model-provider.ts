import { MICROS_PER_CENT } from '../billing/budget-limits.catalogue';
import { BudgetExhaustedError } from '../core/errors';
import { GuardrailBlockedError, ModelInvocationError, type ModelInvocation, type ModelProvider, type ModelResult } from '../models/model-provider';
import { monthOf } from '../quotas/quota.counters';
import type { BudgetAlertSink } from './budget.alerts';
import { scopeLabel, type BudgetLedger, type BudgetScope, type LedgerState, type Reservation } from './budget.ledger';
import type { ModelPrice } from '../billing/pricing.catalogue';
import { costMicros, estimateMicros } from './budget.pricing';
import type { BudgetPolicySource } from './budget.repository';
import type { BudgetPolicy } from './budget.schema';

/** Invocation metadata the budgets read: who pays (tenant), and the agent and API key a call is for. */
export const BUDGET_METADATA = { tenantId: 'tenantId', agentId: 'agentId', apiKeyId: 'apiKeyId' } as const;

/** The alert of a budget refusing a call: the 100 % threshold, told once per period like the others. */
export const EXHAUSTED_THRESHOLD = 100;

export interface BudgetedModelProviderOptions {
  readonly inner: ModelProvider;
  readonly policies: BudgetPolicySource;
  readonly ledger: Pick<BudgetLedger, 'reserve' | 'settle' | 'release' | 'claimAlert'>;
  readonly alerts: BudgetAlertSink;
  /** The price of a model (the region's price table: `modelPriceOf`). */
  readonly priceOf: (modelId: string) => ModelPrice;
  /** The models the tenant may run now (its plan's, narrowed by the tenant's own list): a fallback must be one. */
  readonly allowedModels: (tenantId: string) => Promise<readonly string[]>;
  /**
   * The percentage of list price billed for a call made with the tenant's own credential (the plan's
   * `ownKeyBilledPercent`). @default 100
   */
  readonly ownKeyBilledPercent?: (tenantId: string) => Promise<number>;
  /** Told when an alert could not be sent (the call itself goes on). @default ignored */
  readonly onAlertError?: (error: unknown) => void;
  /** @default Date.now */
  readonly clock?: () => number;
}

/** The budgets a call counts against: the tenant's, and its agent's and API key's where the policy has them. */
export function scopesOf(policy: BudgetPolicy, metadata: Readonly<Record<string, string>> | undefined): BudgetScope[] {
  const scopes: BudgetScope[] = [{ kind: 'tenant', capMicros: policy.monthlyCents * MICROS_PER_CENT }];
  const agentId = metadata?.[BUDGET_METADATA.agentId];
  const apiKeyId = metadata?.[BUDGET_METADATA.apiKeyId];
  if (agentId && policy.agents[agentId] !== undefined) scopes.push({ kind: 'agent', id: agentId, capMicros: policy.agents[agentId] * MICROS_PER_CENT });
  if (apiKeyId && policy.apiKeys[apiKeyId] !== undefined) {
    scopes.push({ kind: 'api-key', id: apiKeyId, capMicros: policy.apiKeys[apiKeyId] * MICROS_PER_CENT });
  }
  return scopes;
}

/** The problem a refused call carries: the budget in its body. */
export function budgetExhausted(scope: BudgetScope, period: string, committedMicros?: number): BudgetExhaustedError {
  const budgetCents = scope.capMicros / MICROS_PER_CENT;
  return new BudgetExhaustedError(`the ${scopeLabel(scope)} budget of USD ${(budgetCents / 100).toFixed(2)} for ${period} cannot cover this`, {
    budget: {
      scope: scope.kind,
      ...(scope.id ? { id: scope.id } : {}),
      period,
      currency: 'USD',
      budgetCents,
      ...(committedMicros !== undefined ? { committedMicros } : {}),
    },
  });
}

/**
 * The model-provider port with the tenant's spend budgets enforced around every call: the call's cost bound is
 * reserved on each budget it counts against before the provider is asked (one conditional write), and replaced by
 * the real cost after (one update). A budget that cannot cover the call either refuses it (ModelInvocationError
 * whose cause is BudgetExhaustedError) or, if the policy says so, the call goes to the policy's cheaper fallback
 * model as long as that is allowed for the tenant and the budget covers it. Thresholds reached are told once per
 * period. Whatever executes run steps composes with it: it is just a provider.
 */
export class BudgetedModelProvider implements ModelProvider {
  readonly name: ModelProvider['name'];
  private readonly clock: () => number;

  constructor(private readonly options: BudgetedModelProviderOptions) {
    this.name = options.inner.name;
    this.clock = options.clock ?? Date.now;
  }

  async invoke(invocation: ModelInvocation): Promise<ModelResult> {
    const tenantId = invocation.metadata?.[BUDGET_METADATA.tenantId];
    if (!tenantId) return this.options.inner.invoke(invocation);
    const [policy, billedPercent] = await Promise.all([
      this.options.policies.policyOf(tenantId),
      invocation.credential ? (this.options.ownKeyBilledPercent?.(tenantId) ?? 100) : 100,
    ]);
    const billed = (micros: number) => (billedPercent === 100 ? micros : Math.ceil((micros * billedPercent) / 100));
    const period = monthOf(new Date(this.clock()));
    // Without a budget nothing is reserved, but the spend is still settled on the tenant's ledger (spend visibility).
    const { modelId, reservation } = policy
      ? await this.reserve(tenantId, period, policy, scopesOf(policy, invocation.metadata), invocation, billed)
      : { modelId: invocation.modelId, reservation: { tenantId, period, scopes: [{ kind: 'tenant' as const, capMicros: 0 }], estimateMicros: 0 } };
    let result: ModelResult;
    try {
      result = await this.options.inner.invoke({ ...invocation, modelId });
    } catch (error) {
      // A guardrail's block may still have been charged (the input it read): that is spend like any other.
      if (error instanceof GuardrailBlockedError)
        await this.settle(reservation, billed(costMicros(this.options.priceOf(modelId), error.usage)), invocation, modelId);
      else await this.options.ledger.release(reservation);
      throw error;
    }
    const states = await this.settle(reservation, billed(costMicros(this.options.priceOf(modelId), result.usage)), invocation, modelId);
    if (policy) await this.alertThresholds(tenantId, period, policy, states);
    return modelId === invocation.modelId ? result : { ...result, modelId };
  }

  private settle(reservation: Reservation, micros: number, invocation: ModelInvocation, modelId: string): Promise<LedgerState[]> {
    const metadata = invocation.metadata;
    return this.options.ledger.settle(reservation, micros, {
      model: modelId,
      ...(metadata?.agentId ? { agent: metadata.agentId } : {}),
      ...(metadata?.workflowId ? { workflow: metadata.workflowId } : {}),
      ...(metadata?.[BUDGET_METADATA.apiKeyId] ? { apiKey: metadata[BUDGET_METADATA.apiKeyId] } : {}),
    });
  }

  /** Reserves the call on its model, else (policy permitting) on the fallback model; throws when neither fits. */
  private async reserve(
    tenantId: string,
    period: string,
    policy: BudgetPolicy,
    scopes: readonly BudgetScope[],
    invocation: ModelInvocation,
    billed: (micros: number) => number,
  ): Promise<{ modelId: string; reservation: Reservation }> {
    const estimateOf = (modelId: string) => billed(estimateMicros(this.options.priceOf(modelId), invocation));
    const first = await this.options.ledger.reserve(tenantId, period, scopes, estimateOf(invocation.modelId));
    if ('reserved' in first) return { modelId: invocation.modelId, reservation: first.reserved };
    await this.alertExhausted(tenantId, period, first.refused);
    const fallback = policy.onExhausted.action === 'fallback' ? policy.onExhausted.modelId : undefined;
    if (fallback && fallback !== invocation.modelId && (await this.options.allowedModels(tenantId)).includes(fallback)) {
      const second = await this.options.ledger.reserve(tenantId, period, scopes, estimateOf(fallback));
      if ('reserved' in second) return { modelId: fallback, reservation: second.reserved };
      await this.alertExhausted(tenantId, period, second.refused);
      throw refusal(second.refused, period);
    }
    throw refusal(first.refused, period);
  }

  private async alertThresholds(tenantId: string, period: string, policy: BudgetPolicy, states: readonly LedgerState[]): Promise<void> {
    for (const state of states) {
      const reached = policy.thresholds.filter(
        (threshold) => state.spentMicros * 100 >= state.scope.capMicros * threshold && !state.alerted.includes(threshold),
      );
      for (const threshold of reached) await this.alert(tenantId, period, state.scope, threshold, state.spentMicros, false);
    }
  }

  private alertExhausted(tenantId: string, period: string, scope: BudgetScope): Promise<void> {
    return this.alert(tenantId, period, scope, EXHAUSTED_THRESHOLD, undefined, true);
  }

  private async alert(
    tenantId: string,
    period: string,
    scope: BudgetScope,
    threshold: number,
    spentMicros: number | undefined,
    exhausted: boolean,
  ): Promise<void> {
    try {
      const at = new Date(this.clock()).toISOString();
      if (!(await this.options.ledger.claimAlert(tenantId, period, scope, threshold, at))) return;
      await this.options.alerts.notify({
        tenantId,
        period,
        scope: { kind: scope.kind, ...(scope.id ? { id: scope.id } : {}) },
        threshold,
        budgetCents: scope.capMicros / MICROS_PER_CENT,
        spentMicros: spentMicros ?? 0,
        exhausted,
        at,
      });
    } catch (error) {
      // The alert is the tenant's news, not the call's: a mail or audit failure must not fail a model call.
      this.options.onAlertError?.(error);
    }
  }
}

function refusal(scope: BudgetScope, period: string): ModelInvocationError {
  const cause = budgetExhausted(scope, period);
  return new ModelInvocationError(`budget exhausted: ${cause.message}`, { cause });
}
