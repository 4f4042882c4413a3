import { BUDGET_LIMITS, MICROS_PER_CENT } from '../billing/budget-limits.catalogue';
import { planAllowsModel, type Plan } from '../billing/plan.catalogue';
import { ModelNotAllowedError, NotFoundError, PreconditionFailedError, ValidationError, type ValidationIssue } from '../core/errors';
import { ifMatchAccepts } from '../core/request-conventions';
import type { MutationContext, MutationResult, Presenter } from '../data/mutation.context';
import { withReplay } from '../data/mutation.context';
import type { MutationExecutor } from '../data/mutation.executor';
import type { PlanSource } from '../quotas/plan.source';
import { monthOf } from '../quotas/quota.counters';
import { budgetTarget } from './budget.alerts';
import * as keys from '../data/table-keys';
import { scopeSegments, stateOf, type BudgetLedger, type BudgetScope, type LedgerState } from './budget.ledger';
import type { BudgetPolicySource, BudgetRepository } from './budget.repository';
import { DEFAULT_THRESHOLDS, type BudgetBody, type BudgetPolicy, type BudgetStatus, type Spend } from './budget.schema';
import { budgetExhausted } from './budgeted.model-provider';

export interface BudgetServiceDeps {
  readonly budgets: BudgetRepository;
  readonly ledger: Pick<BudgetLedger, 'read'>;
  readonly plans: PlanSource;
  readonly mutations: Pick<MutationExecutor, 'execute' | 'findReplay'>;
  /** The tenant's own allow-list of models (its model policy), which a fallback model must be on too. @default none */
  readonly tenantModels?: (tenantId: string) => Promise<readonly string[] | undefined>;
  /** @default Date.now */
  readonly clock?: () => number;
}

const stale = () => new PreconditionFailedError('the budget changed meanwhile: read it again');

/** A tenant's spend budgets: set within the plan's limits, read with where each stands this month. */
export class BudgetService {
  private readonly clock: () => number;

  constructor(private readonly deps: BudgetServiceDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  async status(tenantId: string): Promise<BudgetStatus> {
    const policy = await this.deps.budgets.get(tenantId);
    if (!policy) throw new NotFoundError('the tenant has no budget');
    const period = monthOf(new Date(this.clock()));
    const read = (scope: BudgetScope) => this.deps.ledger.read(tenantId, period, scope).then(spendOf);
    const byId = async (kind: 'agent' | 'api-key', amounts: Readonly<Record<string, number>>) =>
      Object.fromEntries(
        await Promise.all(Object.entries(amounts).map(async ([id, cents]) => [id, await read({ kind, id, capMicros: cents * MICROS_PER_CENT })] as const)),
      );
    const [tenantState, agents, apiKeys] = await Promise.all([
      this.deps.ledger.read(tenantId, period, { kind: 'tenant', capMicros: policy.monthlyCents * MICROS_PER_CENT }),
      byId('agent', policy.agents),
      byId('api-key', policy.apiKeys),
    ]);
    const { forecastMicros, byModel, byAgent, byWorkflow, byApiKey } = breakdownOf(tenantState, period, this.clock());
    const tenant = { ...spendOf(tenantState), forecastMicros, byModel, byAgent, byWorkflow, byApiKey };
    return { tenantId, period, policy, tenant, agents, apiKeys };
  }

  /** Sets (replaces) the tenant's budget policy; If-Match guards against overwriting a change not seen. */
  async set(body: BudgetBody, context: MutationContext, present: Presenter<BudgetPolicy>): Promise<MutationResult> {
    const { tenantId } = context;
    await this.check(tenantId, body);
    return withReplay(this.deps.mutations, context, async () => {
      const current = await this.deps.budgets.get(tenantId);
      if (current && !ifMatchAccepts(context.ifMatch, current.version)) throw new PreconditionFailedError(`the budget is at version ${current.version}`);
      const policy: BudgetPolicy = {
        currency: 'USD',
        monthlyCents: body.monthlyCents,
        thresholds: [...(body.thresholds ?? DEFAULT_THRESHOLDS)].sort((a, b) => a - b),
        onExhausted: body.onExhausted ?? { action: 'block' },
        agents: body.agents ?? {},
        apiKeys: body.apiKeys ?? {},
        version: (current?.version ?? 0) + 1,
        updatedAt: new Date(this.clock()).toISOString(),
        updatedBy: context.actor,
      };
      const outcome = await this.deps.mutations.execute({
        tenantId,
        event: { actor: context.actor, action: 'budget.set', target: budgetTarget({ kind: 'tenant' }), requestId: context.requestId, change: policy },
        writes: [this.deps.budgets.put(tenantId, policy, stale)],
        ...(context.idempotency ? { idempotency: context.idempotency, response: present(policy) } : {}),
      });
      return outcome.replayed ? { response: outcome.response, replayed: true } : { response: present(policy), replayed: false };
    });
  }

  /** Removes the budget policy: model calls are no longer capped (spend is still metered). */
  async remove(context: MutationContext): Promise<MutationResult> {
    const { tenantId } = context;
    return withReplay(this.deps.mutations, context, async () => {
      const current = await this.deps.budgets.get(tenantId);
      if (!current) throw new NotFoundError('the tenant has no budget');
      if (!ifMatchAccepts(context.ifMatch, current.version)) throw new PreconditionFailedError(`the budget is at version ${current.version}`);
      const outcome = await this.deps.mutations.execute({
        tenantId,
        event: {
          actor: context.actor,
          action: 'budget.delete',
          target: budgetTarget({ kind: 'tenant' }),
          requestId: context.requestId,
          change: { version: current.version },
        },
        writes: [this.deps.budgets.delete(tenantId, current.version, stale)],
        ...(context.idempotency ? { idempotency: context.idempotency, response: { status: 204 } } : {}),
      });
      return outcome.replayed ? { response: outcome.response, replayed: true } : { response: { status: 204 }, replayed: false };
    });
  }

  /** The plan's limits on budgets, and a fallback model the plan allows. */
  private async check(tenantId: string, body: BudgetBody): Promise<void> {
    const plan = await this.deps.plans.planOf(tenantId);
    const limits = BUDGET_LIMITS[plan.id];
    const issues: ValidationIssue[] = [];
    const over = (pointer: string, cents: number, max: number, what: string) => {
      if (cents > max) issues.push({ pointer, message: `${what} is ${cents} cents; at most ${max}` });
    };
    over('body.monthlyCents', body.monthlyCents, limits.maxMonthlyCents, `the ${plan.title} plan's largest monthly budget`);
    for (const [id, cents] of Object.entries(body.agents ?? {})) over(`body.agents.${id}`, cents, body.monthlyCents, "an agent's budget within the tenant's");
    for (const [id, cents] of Object.entries(body.apiKeys ?? {}))
      over(`body.apiKeys.${id}`, cents, body.monthlyCents, "an API key's budget within the tenant's");
    const scoped = Object.keys(body.agents ?? {}).length + Object.keys(body.apiKeys ?? {}).length;
    if (scoped > limits.maxScopedBudgets)
      issues.push({ pointer: 'body', message: `${scoped} agent and API key budgets; the ${plan.title} plan allows ${limits.maxScopedBudgets}` });
    if (issues.length > 0) throw new ValidationError(issues[0].message, issues, 'body');
    if (body.onExhausted?.action === 'fallback') checkFallback(plan, body.onExhausted.modelId, await this.deps.tenantModels?.(tenantId));
  }
}

function checkFallback(plan: Plan, modelId: string, own: readonly string[] | undefined): void {
  const allowedModels = own ? plan.models.filter((id) => own.includes(id)) : plan.models;
  if (planAllowsModel(plan, modelId) && allowedModels.includes(modelId)) return;
  const whose = planAllowsModel(plan, modelId) ? "tenant's model policy" : `${plan.title} plan`;
  throw new ModelNotAllowedError(`the ${whose} does not include the fallback model ${modelId}`, { modelId, plan: plan.id, allowedModels });
}

/** A month's settled spend of a tenant: the total, the forecast to the month's end, and its breakdown. */
export interface TenantSpend {
  readonly spentMicros: number;
  readonly steps: number;
  readonly forecastMicros: number;
  readonly byModel: Record<string, number>;
  readonly byAgent: Record<string, number>;
  readonly byWorkflow: Record<string, number>;
  readonly byApiKey: Record<string, number>;
}

/** The spend of a ledger state; a past month's forecast is what it spent. */
export function breakdownOf(state: LedgerState, period: string, nowMs: number): TenantSpend {
  const current = period === monthOf(new Date(nowMs));
  return {
    spentMicros: state.spentMicros,
    steps: state.steps,
    forecastMicros: current ? forecastOf(state.spentMicros, nowMs) : state.spentMicros,
    byModel: { ...state.by.model },
    byAgent: { ...state.by.agent },
    byWorkflow: { ...state.by.workflow },
    byApiKey: { ...state.by.apiKey },
  };
}

/**
 * The tenant's spend of a month from its own ledger item, which every model call settles whether or not a budget is
 * set: the usage report reads the item with its other counters and shows the same figures `GET /budget` shows.
 */
export const tenantSpend = {
  key: (tenantId: string, period: string) => keys.budgetLedger(tenantId, period, ...scopeSegments({ kind: 'tenant' })),
  of: (item: Record<string, unknown> | undefined, period: string, nowMs: number): TenantSpend =>
    breakdownOf(stateOf({ kind: 'tenant', capMicros: 0 }, item), period, nowMs),
};

/** Spend of the month so far, extended at the same pace to the month's end (UTC). */
export function forecastOf(spentMicros: number, nowMs: number): number {
  const now = new Date(nowMs);
  const start = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  const elapsed = Math.max(nowMs - start, 1);
  return Math.round((spentMicros * (end - start)) / elapsed);
}

function spendOf(state: LedgerState): Spend {
  return {
    budgetCents: state.scope.capMicros / MICROS_PER_CENT,
    spentMicros: state.spentMicros,
    committedMicros: state.committedMicros,
    steps: state.steps,
    alerted: [...state.alerted],
  };
}

export interface BudgetAdmissionOptions {
  readonly policies: BudgetPolicySource;
  readonly ledger: Pick<BudgetLedger, 'read'>;
  /** @default Date.now */
  readonly clock?: () => number;
}

/**
 * Refuses new runs of a tenant whose budget policy blocks and whose budget has refused a call this month since the
 * policy last changed (raising the budget lets runs start again at once). With a fallback policy runs start: their
 * steps fall back or are refused one by one.
 */
export function budgetAdmission(options: BudgetAdmissionOptions): (tenantId: string) => Promise<void> {
  const clock = options.clock ?? Date.now;
  return async (tenantId) => {
    const policy = await options.policies.policyOf(tenantId);
    if (policy?.onExhausted.action !== 'block') return;
    const period = monthOf(new Date(clock()));
    const scope: BudgetScope = { kind: 'tenant', capMicros: policy.monthlyCents * MICROS_PER_CENT };
    const state = await options.ledger.read(tenantId, period, scope);
    if (state.exhaustedAt && state.exhaustedAt >= policy.updatedAt) throw budgetExhausted(scope, period, state.committedMicros);
  };
}
