import fc from 'fast-check';
import { IllegalTransitionError } from '../../../functions/core/errors';
import { toProblem } from '../../../functions/core/problem';
import { LIFECYCLE_EVENTS, legalTransitions, nextStatus } from '../../../functions/tenants/tenant-lifecycle';
import { TENANT_STATUSES, type TenantStatus } from '../../../functions/tenants/tenant.schema';
import { LIFECYCLE_ARROWS as ARROWS, modelStep } from '../../support/lifecycle-model';

describe('tenant lifecycle state machine', () => {
  it('has exactly the transitions of the design', () => {
    // Act
    const table = legalTransitions().map(({ from, event, to }) => `${from} ${event} ${to}`);

    // Assess
    expect(new Set(table)).toEqual(ARROWS);
  });

  it('property: no sequence of lifecycle events reaches an illegal state, and every refusal is a 409', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...LIFECYCLE_EVENTS), { maxLength: 40 }), (events) => {
        let status: TenantStatus = 'PROVISIONING';
        const visited: TenantStatus[] = [status];
        for (const event of events) {
          const expected = modelStep(status, event);
          let actual: TenantStatus | undefined;
          try {
            actual = nextStatus(status, event);
          } catch (error) {
            expect(error).toBeInstanceOf(IllegalTransitionError);
            expect(toProblem(error).status).toBe(409);
          }
          expect(actual).toBe(expected);
          if (actual) {
            status = actual;
            visited.push(status);
          }
        }
        // DELETED is reached only through OFFBOARDING and is final.
        const deletedAt = visited.indexOf('DELETED');
        if (deletedAt >= 0) {
          expect(visited[deletedAt - 1]).toBe('OFFBOARDING');
          expect(visited.slice(deletedAt)).toEqual(['DELETED']);
        }
        // ACTIVE is never reached from FAILED without provisioning again.
        visited.forEach((s, i) => {
          if (s === 'ACTIVE' && i > 0) expect(['PROVISIONING', 'SUSPENDED']).toContain(visited[i - 1]);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('reaches every status from PROVISIONING', () => {
    // Prepare
    const reached = new Set<TenantStatus>(['PROVISIONING']);
    let grew = true;

    // Act
    while (grew) {
      grew = false;
      for (const { from, to } of legalTransitions()) {
        if (reached.has(from) && !reached.has(to)) {
          reached.add(to);
          grew = true;
        }
      }
    }

    // Assess
    expect([...reached].sort()).toEqual([...TENANT_STATUSES].sort());
  });
});
