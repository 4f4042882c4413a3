import fc from 'fast-check';
import { PLANS } from '../../../functions/billing/plan.catalogue';
import { NotFoundError } from '../../../functions/core/errors';
import { UsagePlanThrottle } from '../../../local/usage-plans';

describe('local usage-plan throttling', () => {
  it('admits the burst at once, then the steady rate', async () => {
    // Prepare
    let now = Date.parse('2026-11-28T10:00:00Z');
    const throttle = new UsagePlanThrottle({ planOf: async () => PLANS.free, clock: () => now });
    const { burst, requestsPerSecond } = PLANS.free.rateLimit;
    // Act
    const first = await Promise.all(Array.from({ length: burst + 1 }, () => throttle.admit('key-a', 'acme')));
    now += 1000;
    const second = await Promise.all(Array.from({ length: requestsPerSecond + 1 }, () => throttle.admit('key-a', 'acme')));
    // Assess
    expect(first.filter((v) => v.admitted)).toHaveLength(burst);
    expect(first[burst]).toMatchObject({ admitted: false, reason: 'rate', retryAfterSeconds: 1 });
    expect(second.filter((v) => v.admitted)).toHaveLength(requestsPerSecond);
  });

  it("keeps each key's bucket to itself", async () => {
    const now = Date.parse('2026-11-28T10:00:00Z');
    const throttle = new UsagePlanThrottle({ planOf: async () => PLANS.free, clock: () => now });
    for (let i = 0; i < PLANS.free.rateLimit.burst; i++) await throttle.admit('key-a', 'acme');
    expect(await throttle.admit('key-a', 'acme')).toMatchObject({ admitted: false, reason: 'rate' });
    expect(await throttle.admit('key-b', 'globex')).toMatchObject({ admitted: true });
  });

  it('refuses past the daily quota until the next day', async () => {
    // Prepare: a plan with a tiny quota and a generous rate
    let now = Date.parse('2026-11-28T10:00:00Z');
    const plan = { ...PLANS.free, rateLimit: { requestsPerSecond: 1000, burst: 1000 }, limits: { ...PLANS.free.limits, apiRequestsPerDay: 3 } };
    const throttle = new UsagePlanThrottle({ planOf: async () => plan, clock: () => now });
    // Act
    const today = [];
    for (let i = 0; i < 4; i++) today.push(await throttle.admit('key', 'acme'));
    now += 24 * 3600 * 1000;
    // Assess
    expect(today.map((v) => v.admitted)).toEqual([true, true, true, false]);
    // 10:00 UTC: 14 hours until the daily quota is whole again
    expect(today[1]).toEqual({ admitted: true, quota: { policy: 'daily', quota: 3, windowSeconds: 86_400, remaining: 1, resetSeconds: 14 * 3600 } });
    expect(today[3]).toMatchObject({ admitted: false, reason: 'quota', retryAfterSeconds: 14 * 3600 });
    expect(await throttle.admit('key', 'acme')).toMatchObject({ admitted: true });
  });

  it('moves a key between usage plans as the API Gateway API does: one usage plan at a time', async () => {
    // Prepare
    const now = Date.parse('2026-11-28T10:00:00Z');
    const throttle = new UsagePlanThrottle({ planOf: async () => PLANS.free, clock: () => now });
    // Act, Assess
    expect(await throttle.addKey('key', 'acme', 'team')).toBe(false);
    expect(await throttle.removeKey('key', 'acme', 'team')).toBe(false);
    expect(await throttle.removeKey('key', 'acme', 'free')).toBe(true);
    expect(await throttle.admit('key', 'acme')).toEqual({ admitted: false, reason: 'no-usage-plan' });
    expect(await throttle.addKey('key', 'acme', 'team')).toBe(true);
    expect(await throttle.admit('key', 'acme')).toMatchObject({ admitted: true, quota: { quota: PLANS.team.limits.apiRequestsPerDay } });
  });

  it('meters the platform key by the platform throttle, without a daily quota', async () => {
    // Prepare
    const now = Date.parse('2026-11-28T10:00:00Z');
    const throttle = new UsagePlanThrottle({
      planOf: async () => PLANS.free,
      platform: { key: 'p', rateLimit: { requestsPerSecond: 1, burst: 2 } },
      clock: () => now,
    });
    // Act
    const verdicts = [await throttle.admit('p', 'acme'), await throttle.admit('p', undefined), await throttle.admit('p', 'acme')];
    // Assess
    expect(verdicts.map((v) => v.admitted)).toEqual([true, true, false]);
    expect(verdicts[0]).toEqual({ admitted: true });
  });

  it("refuses a tenant's key where the tenant has no record (its key exists only where its stack is), and admits the redirect key there", async () => {
    // Prepare: acme lives here; globex lives in another region
    const now = Date.parse('2026-11-28T10:00:00Z');
    const planOf = async (tenantId: string) => {
      if (tenantId !== 'acme') throw new NotFoundError(`tenant ${tenantId} not found`);
      return PLANS.free;
    };
    const throttle = new UsagePlanThrottle({ planOf, redirect: { key: 'r', rateLimit: { requestsPerSecond: 1, burst: 1 } }, clock: () => now });

    // Act
    const verdicts = [
      await throttle.admit('key-acme', 'acme'),
      await throttle.admit('key-globex', 'globex'),
      await throttle.admit('r', 'globex'),
      await throttle.admit('r', 'globex'),
    ];

    // Assess
    expect(verdicts).toEqual([
      expect.objectContaining({ admitted: true }),
      { admitted: false, reason: 'no-key' },
      { admitted: true },
      expect.objectContaining({ admitted: false, reason: 'rate' }),
    ]);
    expect([await throttle.keyExists('key-acme', 'acme'), await throttle.keyExists('key-globex', 'globex')]).toEqual([true, false]);
  });

  it('property: over any window, admitted requests never exceed burst + rate × elapsed seconds', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 200 }), async (gapsMs) => {
        let now = 0;
        const throttle = new UsagePlanThrottle({ planOf: async () => PLANS.free, clock: () => now });
        let admitted = 0;
        for (const gap of gapsMs) {
          now += gap;
          if ((await throttle.admit('key', 'acme')).admitted) admitted++;
        }
        const { burst, requestsPerSecond } = PLANS.free.rateLimit;
        expect(admitted).toBeLessThanOrEqual(burst + (now / 1000) * requestsPerSecond);
      }),
    );
  });
});
