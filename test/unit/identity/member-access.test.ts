import * as fc from 'fast-check';
import { CachedMemberAccess, roleCovers, type MemberAccess } from '../../../functions/identity/member-access';
import { TENANT_ROLES, type TenantRole } from '../../../functions/core/roles';
import { FakeMembers } from './fixtures';

describe('CachedMemberAccess', () => {
  function subject(ttlMs: number) {
    let now = 0;
    const records = new FakeMembers().set('acme', 'sub-1', 'tenant-admin');
    const cache = new CachedMemberAccess(records, { ttlMs, now: () => now });
    return { cache, records, advance: (ms: number) => (now += ms) };
  }

  it('reuses an answer within the bound and reads the record again after it', async () => {
    // Prepare
    const { cache, records, advance } = subject(5_000);
    await cache.bySub('acme', 'sub-1');
    records.set('acme', 'sub-1', 'viewer');

    // Act
    advance(4_999);
    const within = await cache.bySub('acme', 'sub-1');
    advance(1);
    const after = await cache.bySub('acme', 'sub-1');

    // Assess
    expect(within?.role).toBe('tenant-admin');
    expect(after?.role).toBe('viewer');
    expect(records.lookups).toEqual(['acme/sub/sub-1', 'acme/sub/sub-1']);
  });

  it('holds a removal within the bound too: an absent record is cached as absent, never as the old record', async () => {
    // Prepare
    const { cache, records, advance } = subject(5_000);
    records.remove('acme', 'sub-1');
    const first = await cache.bySub('acme', 'sub-1');
    records.set('acme', 'sub-1', 'member');

    // Act
    const within = await cache.bySub('acme', 'sub-1');
    advance(5_000);
    const after = await cache.bySub('acme', 'sub-1');

    // Assess
    expect([first, within]).toEqual([undefined, undefined]);
    expect(after?.role).toBe('member');
  });

  it('reads on every request when the bound is 0', async () => {
    // Prepare
    const { cache, records } = subject(0);

    // Act
    await cache.bySub('acme', 'sub-1');
    await cache.bySub('acme', 'sub-1');

    // Assess
    expect(records.lookups).toHaveLength(2);
  });

  it("never answers one tenant with another tenant's record of the same sub", async () => {
    // Prepare
    const { cache, records } = subject(60_000);
    records.set('globex', 'sub-1', 'viewer');

    // Act
    const answers = [await cache.bySub('acme', 'sub-1'), await cache.bySub('globex', 'sub-1'), await cache.bySub('initech', 'sub-1')];

    // Assess
    expect(answers.map((answer: MemberAccess | undefined) => answer?.role)).toEqual(['tenant-admin', 'viewer', undefined]);
  });
});

describe('roleCovers', () => {
  it('is reflexive and transitive, and only a tenant-admin covers an auditor', () => {
    const role = fc.constantFrom<TenantRole>(...TENANT_ROLES);
    fc.assert(
      fc.property(role, role, role, (a, b, c) => {
        expect(roleCovers(a, a)).toBe(true);
        if (roleCovers(a, b) && roleCovers(b, c)) expect(roleCovers(a, c)).toBe(true);
        if (b === 'auditor' && a !== 'auditor') expect(roleCovers(a, b)).toBe(a === 'tenant-admin');
      }),
    );
  });
});
