import type { PlanId } from './plan.catalogue';

/**
 * What each plan allows of spend budgets, beside the plan catalogue's limits: the largest monthly budget a tenant
 * admin may set (a hard cap above what the plan is priced for would make the platform carry the risk), and how many
 * per-agent and per-API-key budgets it may add. Amounts are in US cents, the currency of the price table that
 * spend is measured with.
 */
export interface BudgetLimits {
  /** Largest monthly budget, in US cents. */
  readonly maxMonthlyCents: number;
  /** Most per-agent plus per-API-key budgets beside the tenant's own. */
  readonly maxScopedBudgets: number;
}

export const BUDGET_LIMITS: Readonly<Record<PlanId, BudgetLimits>> = {
  free: { maxMonthlyCents: 100_00, maxScopedBudgets: 5 },
  team: { maxMonthlyCents: 10_000_00, maxScopedBudgets: 50 },
  enterprise: { maxMonthlyCents: 1_000_000_00, maxScopedBudgets: 500 },
};

/** Spend is counted in micro-dollars (millionths of a US dollar): one cent is this many. */
export const MICROS_PER_CENT = 10_000;
