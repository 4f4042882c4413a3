import fc from 'fast-check';
import { PLAN_IDS, PLANS, type PlanId } from '../../../functions/billing/plan.catalogue';
import { UsagePlanThrottle } from '../../../local/usage-plans';

/**
 * Property 9, dynamic resource scaling: under random mixed load from several tenants against the local gateway's
 * usage-plan buckets, each tenant gets its tier's share, and one tenant's throttling never throttles another.
 */

interface Burst {
  readonly tenant: number;
  readonly gapMs: number;
  readonly requests: number;
}

const tenantsArb = fc.array(fc.constantFrom(...PLAN_IDS), { minLength: 2, maxLength: 5 });

function loadArb(tenants: number) {
  return fc.array(fc.record({ tenant: fc.nat(tenants - 1), gapMs: fc.nat(1_500), requests: fc.integer({ min: 1, max: 1_200 }) }), {
    minLength: 1,
    maxLength: 60,
  });
}

/** Replays the load on one throttle; returns per tenant what it sent and what was admitted at each burst. */
async function replay(plans: readonly PlanId[], load: readonly Burst[], only?: number) {
  let now = Date.parse('2026-11-28T10:00:00Z');
  const throttle = new UsagePlanThrottle({ planOf: async (tenantId) => PLANS[plans[Number(tenantId.slice(1))]], clock: () => now });
  const admittedPerBurst: number[] = [];
  for (const burst of load) {
    now += burst.gapMs;
    if (only !== undefined && burst.tenant !== only) {
      admittedPerBurst.push(-1);
      continue;
    }
    let admitted = 0;
    for (let i = 0; i < burst.requests; i++) if ((await throttle.admit(`key-${burst.tenant}`, `t${burst.tenant}`)).admitted) admitted++;
    admittedPerBurst.push(admitted);
  }
  return admittedPerBurst;
}

describe('property 9: dynamic resource scaling (fair share per tenant)', () => {
  it("gives every tenant exactly what its own plan's bucket admits, whatever the others send", async () => {
    await fc.assert(
      fc.asyncProperty(
        tenantsArb.chain((plans) => fc.tuple(fc.constant(plans), loadArb(plans.length))),
        async ([plans, load]) => {
          // Act: all tenants together, then each tenant alone on a fresh throttle
          const together = await replay(plans, load);
          for (const tenant of plans.keys()) {
            const alone = await replay(plans, load, tenant);
            // Assess: a tenant's admissions never depend on the other tenants' load
            load.forEach((burst, i) => {
              if (burst.tenant === tenant) expect(together[i]).toBe(alone[i]);
            });
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("admits at least the tier's share: a burst after a quiet second gets min(sent, the plan's steady rate)", async () => {
    await fc.assert(
      fc.asyncProperty(
        tenantsArb.chain((plans) => fc.tuple(fc.constant(plans), loadArb(plans.length))),
        async ([plans, load]) => {
          // Act
          const admitted = await replay(plans, load);
          // Assess: each second of quiet refills at least the plan's rate, which no other tenant can take
          load.forEach((burst, i) => {
            const { requestsPerSecond } = PLANS[plans[burst.tenant]].rateLimit;
            const quietSeconds = Math.floor(burst.gapMs / 1000);
            if (quietSeconds >= 1) expect(admitted[i]).toBeGreaterThanOrEqual(Math.min(burst.requests, requestsPerSecond));
          });
        },
      ),
      { numRuns: 60 },
    );
  });
});
