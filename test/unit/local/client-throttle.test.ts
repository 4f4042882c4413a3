import { CLIENT_LIMITS, checkClientLimits, type ClientLimits } from '../../../functions/billing/client-limits.catalogue';
import { ClientThrottle } from '../../../local/client-throttle';

const LIMITS: ClientLimits = {
  anyRequest: { requests: 100, windowSeconds: 60 },
  publicRoutes: { requests: 12, windowSeconds: 60 },
  rejected: { requests: 10, windowSeconds: 300 },
};

describe('local client throttle', () => {
  it("admits a window's requests at once, then one per window / requests seconds", () => {
    // Prepare
    let now = 0;
    const throttle = new ClientThrottle({ limits: LIMITS, clock: () => now });

    // Act
    const burst = Array.from({ length: 13 }, () => throttle.take('publicRoutes', '203.0.113.1'));
    now += 4_999;
    const early = throttle.take('publicRoutes', '203.0.113.1');
    now += 1;
    const refilled = throttle.take('publicRoutes', '203.0.113.1');

    // Assess
    expect(burst.filter((verdict) => verdict.admitted)).toHaveLength(12);
    // 12 per 60 s: one every 5 s.
    expect(burst[12]).toEqual({ admitted: false, limit: 'publicRoutes', retryAfterSeconds: 5 });
    expect(early).toEqual({ admitted: false, limit: 'publicRoutes', retryAfterSeconds: 1 });
    expect(refilled).toMatchObject({ admitted: true });
  });

  it('keeps clients and limits apart', () => {
    // Prepare
    const throttle = new ClientThrottle({ limits: LIMITS, clock: () => 0 });
    for (let i = 0; i < 10; i += 1) throttle.take('rejected', '203.0.113.1');

    // Act
    const verdicts = [throttle.check('rejected', '203.0.113.1'), throttle.check('rejected', '203.0.113.2'), throttle.take('publicRoutes', '203.0.113.1')];

    // Assess
    expect(verdicts).toEqual([
      { admitted: false, limit: 'rejected', retryAfterSeconds: 30 },
      { admitted: true, state: { policy: 'rejected', quota: 10, windowSeconds: 300, remaining: 10, resetSeconds: 0 } },
      // What is left after this request, and when the bucket is whole again: the RateLimit headers' numbers.
      { admitted: true, state: { policy: 'publicRoutes', quota: 12, windowSeconds: 60, remaining: 11, resetSeconds: 5 } },
    ]);
  });

  it('check counts nothing', () => {
    // Prepare
    const throttle = new ClientThrottle({ limits: LIMITS, clock: () => 0 });

    // Act
    for (let i = 0; i < 50; i += 1) throttle.check('rejected', '203.0.113.1');

    // Assess
    expect(throttle.take('rejected', '203.0.113.1')).toMatchObject({ admitted: true });
  });

  it('refuses limits that WAF could not enforce', () => {
    expect(() => checkClientLimits({ ...LIMITS, rejected: { requests: 5, windowSeconds: 60 } })).toThrow(
      /rejected: requests must be an integer of at least 10, not 5/,
    );
    expect(() => checkClientLimits({ ...LIMITS, anyRequest: { requests: 100, windowSeconds: 30 as 60 } })).toThrow(
      /anyRequest: windowSeconds must be one of 60, 120, 300, 600, not 30/,
    );
    expect(checkClientLimits(CLIENT_LIMITS)).toBe(CLIENT_LIMITS);
  });
});
