import fc from 'fast-check';
import { PLANS } from '../../../functions/billing/plan.catalogue';
import { daysIn, daysLeft, periodOf, prorationOf } from '../../../functions/billing/proration';
import { unfitLimits } from '../../../functions/billing/subscription.service';

describe('billing periods and proration', () => {
  it('bills by calendar month (UTC), February of a leap year included', () => {
    // Act
    const period = periodOf(new Date('2028-02-15T23:59:59Z'));
    // Assess
    expect(period).toEqual({ start: '2028-02-01T00:00:00.000Z', end: '2028-03-01T00:00:00.000Z' });
    expect(daysIn(period)).toBe(29);
  });

  it('charges the price difference for the days left, the day of the change included, rounded down to the cent', () => {
    // Prepare: 10 of 30 days left in November
    const at = new Date('2026-11-21T18:00:00Z');
    const period = periodOf(at);
    // Act, Assess
    expect(daysLeft(period, at)).toBe(10);
    expect(prorationOf(PLANS.free.monthlyPriceCents, PLANS.team.monthlyPriceCents, period, at)).toBe(Math.floor((4900 * 10) / 30));
    expect(prorationOf(4900, 99000, period, new Date('2026-11-01T00:00:00Z'))).toBe(99000 - 4900);
  });

  it('refuses prices that are not whole non-negative minor units', () => {
    const period = periodOf(new Date('2026-11-21T00:00:00Z'));
    for (const price of [-1, 49.5, Number.NaN]) expect(() => prorationOf(0, price, period, new Date('2026-11-21T00:00:00Z'))).toThrow(RangeError);
  });

  it('property: a proration is an integer between 0 and the whole price difference', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }),
        fc.nat(1_000_000),
        fc.nat(1_000_000),
        (at, a, b) => {
          const [from, to] = a <= b ? [a, b] : [b, a];
          const amount = prorationOf(from, to, periodOf(at), at);
          expect(Number.isInteger(amount)).toBe(true);
          expect(amount).toBeGreaterThanOrEqual(0);
          expect(amount).toBeLessThanOrEqual(to - from);
        },
      ),
    );
  });

  it('names every limit of the smaller plan that current usage exceeds', () => {
    // Act
    const unfit = unfitLimits({ agents: 4, workflows: 3, users: 6, runsPerMonth: 0 }, 'free');
    // Assess
    expect(unfit).toEqual([
      { limit: 'agents', current: 4, allowed: 3 },
      { limit: 'users', current: 6, allowed: 5 },
    ]);
  });
});
