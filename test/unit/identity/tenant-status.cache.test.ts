import { TenantStatusCache, type TenantStatusSource } from '../../../functions/identity/tenant-status.cache';
import type { TenantStatus } from '../../../functions/tenants/tenant.schema';

/** A directory in memory that records every read. */
function directory(statuses: Record<string, TenantStatus>) {
  const reads: string[] = [];
  const source: TenantStatusSource = {
    async get(tenantId) {
      reads.push(tenantId);
      const status = statuses[tenantId];
      return status ? { status } : undefined;
    },
  };
  return { source, reads, statuses };
}

describe('TenantStatusCache', () => {
  it('serves ACTIVE and SUSPENDED tenants, refuses unknown ones and every other status', async () => {
    // Prepare
    const { source } = directory({ a: 'ACTIVE', s: 'SUSPENDED', p: 'PROVISIONING', f: 'FAILED', o: 'OFFBOARDING', d: 'DELETED' });
    const cache = new TenantStatusCache(source);

    // Act
    const answers = await Promise.all(['a', 's', 'p', 'f', 'o', 'd', 'unknown'].map((id) => cache.servesUsers(id)));

    // Assess
    expect(answers).toEqual([true, true, false, false, false, false, false]);
  });

  it('remembers unknown tenants for the TTL, then reads again', async () => {
    // Prepare
    let now = 0;
    const { source, reads, statuses } = directory({});
    const cache = new TenantStatusCache(source, { ttlMs: 1_000, clock: () => now });

    // Act
    const first = await cache.servesUsers('later');
    statuses.later = 'ACTIVE';
    now = 999;
    const withinTtl = await cache.servesUsers('later');
    now = 1_000;
    const afterTtl = await cache.servesUsers('later');

    // Assess
    expect([first, withinTtl, afterTtl]).toEqual([false, false, true]);
    expect(reads).toEqual(['later', 'later']);
  });

  it('reads a tenant once however many requests ask at the same time', async () => {
    // Prepare
    const { source, reads } = directory({ acme: 'ACTIVE' });
    const cache = new TenantStatusCache(source);

    // Act
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => cache.servesUsers(i % 2 ? 'acme' : 'made-up')));

    // Assess
    expect(answers.filter(Boolean)).toHaveLength(10);
    expect(reads.sort()).toEqual(['acme', 'made-up']);
  });

  it('is bounded, and a flood of made-up tenants does not push known tenants out', async () => {
    // Prepare
    const { source, reads } = directory({ acme: 'ACTIVE', globex: 'SUSPENDED' });
    const cache = new TenantStatusCache(source, { capacity: 3 });
    await cache.servesUsers('acme');
    await cache.servesUsers('globex');

    // Act
    for (let i = 0; i < 50; i += 1) await cache.servesUsers(`made-up-${i}`);
    const again = [await cache.servesUsers('acme'), await cache.servesUsers('globex'), await cache.servesUsers('made-up-0')];

    // Assess
    expect(again).toEqual([true, true, false]);
    // acme and globex were read once each; made-up-0 was evicted by the later made-up ids and is read again.
    expect(reads.filter((id) => id === 'acme' || id === 'globex')).toEqual(['acme', 'globex']);
    expect(reads.filter((id) => id === 'made-up-0')).toHaveLength(2);
  });

  it('does not remember a failed read', async () => {
    // Prepare
    let fail = true;
    const cache = new TenantStatusCache({
      get: async () => {
        if (fail) throw new Error('throttled');
        return { status: 'ACTIVE' };
      },
    });

    // Act
    const failed = cache.servesUsers('acme');
    await expect(failed).rejects.toThrow('throttled');
    fail = false;

    // Assess
    await expect(cache.servesUsers('acme')).resolves.toBe(true);
  });
});
