/**
 * Billing periods and proration in integer arithmetic: money in minor units (cents), time in whole UTC days. No
 * floating point touches an amount.
 */

const DAY_MS = 86_400_000;

/** A billing period: a calendar month (UTC), from its first instant to the first instant of the next month. */
export interface BillingPeriod {
  readonly start: string;
  readonly end: string;
}

/** The calendar month (UTC) that contains `time`. */
export function periodOf(time: Date): BillingPeriod {
  const start = Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), 1);
  const end = Date.UTC(time.getUTCFullYear(), time.getUTCMonth() + 1, 1);
  return { start: new Date(start).toISOString(), end: new Date(end).toISOString() };
}

/** Whole days of the period. */
export function daysIn(period: BillingPeriod): number {
  return Math.round((Date.parse(period.end) - Date.parse(period.start)) / DAY_MS);
}

/** Whole days left in the period from the start of the UTC day of `time` (the day of a change counts as left). */
export function daysLeft(period: BillingPeriod, time: Date): number {
  const today = Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), time.getUTCDate());
  return Math.max(0, Math.min(daysIn(period), Math.round((Date.parse(period.end) - today) / DAY_MS)));
}

/**
 * What an upgrade mid-period costs: the difference of the monthly prices for the days left, rounded down to the
 * cent (in the tenant's favour). Both prices in minor units; integers in, integer out.
 */
export function prorationOf(fromMonthlyMinor: number, toMonthlyMinor: number, period: BillingPeriod, at: Date): number {
  for (const price of [fromMonthlyMinor, toMonthlyMinor]) {
    if (!Number.isSafeInteger(price) || price < 0) throw new RangeError(`a monthly price must be a non-negative integer of minor units, got ${price}`);
  }
  return Math.floor(((toMonthlyMinor - fromMonthlyMinor) * daysLeft(period, at)) / daysIn(period));
}
