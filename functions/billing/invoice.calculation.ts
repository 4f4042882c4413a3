import { METERED_QUANTITIES, PLANS, type MeteredQuantity, type OverageRate, type PlanId } from './plan.catalogue';
import type { LineItem } from './invoice.schema';
import type { Subscription } from './subscription.schema';

/** What a tenant used in a period, in the units the plan catalogue prices. */
export type PeriodUsage = Readonly<Record<MeteredQuantity, number>>;

const QUANTITY_TITLES: Readonly<Record<MeteredQuantity, string>> = {
  runs: 'workflow runs',
  tokens: 'model tokens',
  storageBytes: 'stored bytes',
  requests: 'API requests',
};

/** The plan the period began on: the first upgrade's starting plan, else the plan it still has. */
export function planAtPeriodStart(subscription: Pick<Subscription, 'plan' | 'prorations'>): PlanId {
  return subscription.prorations[0]?.fromPlan ?? subscription.plan;
}

/** Started blocks beyond what the plan includes (integers only). */
export function overageBlocks(used: number, rate: OverageRate): number {
  if (!Number.isSafeInteger(used) || used < 0) throw new RangeError(`a metered quantity must be a non-negative integer, got ${used}`);
  const beyond = Math.max(0, used - rate.included);
  return Math.ceil(beyond / rate.blockSize);
}

/**
 * The charges of a closing period: the monthly price of the plan it began on, each upgrade's proration (fixed when
 * it happened), and every metered quantity beyond what the plan at the close includes. Integer minor units only.
 */
export function lineItemsOf(subscription: Pick<Subscription, 'plan' | 'prorations'>, usage: PeriodUsage): LineItem[] {
  const start = PLANS[planAtPeriodStart(subscription)];
  const items: LineItem[] = [
    { kind: 'plan', description: `${start.title} plan`, units: 1, unitAmount: start.monthlyPriceCents, amount: start.monthlyPriceCents },
  ];
  for (const proration of subscription.prorations) {
    const description = `Upgrade ${PLANS[proration.fromPlan].title} to ${PLANS[proration.toPlan].title} on ${proration.at.slice(0, 10)}`;
    items.push({ kind: 'proration', description, units: 1, unitAmount: proration.amount, amount: proration.amount });
  }
  const rates = PLANS[subscription.plan].billing.overage;
  for (const quantity of METERED_QUANTITIES) {
    const rate = rates[quantity];
    const blocks = overageBlocks(usage[quantity], rate);
    if (blocks === 0 || rate.centsPerBlock === 0) continue;
    const description = `${QUANTITY_TITLES[quantity]} beyond ${rate.included} (${blocks} × ${rate.blockSize})`;
    items.push({ kind: 'overage', description, quantity, units: blocks, unitAmount: rate.centsPerBlock, amount: blocks * rate.centsPerBlock });
  }
  return items;
}

/** The sum of the line items; refuses an amount that is not a safe integer. */
export function totalOf(items: readonly LineItem[]): number {
  const total = items.reduce((sum, item) => sum + item.amount, 0);
  if (!Number.isSafeInteger(total)) throw new RangeError(`invoice total ${total} is not a safe integer`);
  return total;
}
