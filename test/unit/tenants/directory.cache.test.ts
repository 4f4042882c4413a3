import { CachedDirectory } from '../../../functions/tenants/directory.cache';
import type { TenantDirectoryEntry, TenantStatus } from '../../../functions/tenants/tenant.schema';

function entry(tenantId: string, status: TenantStatus): TenantDirectoryEntry {
  return { tenantId, slug: tenantId, region: 'eu-central-1', status, emailDomains: [], branding: {} } as unknown as TenantDirectoryEntry;
}

describe('CachedDirectory', () => {
  function subject(ttlMs: number) {
    let now = 0;
    const entries = new Map<string, TenantDirectoryEntry>([['acme', entry('acme', 'ACTIVE')]]);
    const reads: string[] = [];
    const source = {
      get: async (tenantId: string) => {
        reads.push(tenantId);
        return entries.get(tenantId);
      },
    };
    return { cache: new CachedDirectory(source, { ttlMs, clock: () => now }), entries, reads, advance: (ms: number) => (now += ms) };
  }

  it('serves a status change within the bound: the old entry until it runs out, then the new one', async () => {
    // Prepare
    const { cache, entries, advance } = subject(5_000);
    await cache.get('acme');
    entries.set('acme', entry('acme', 'SUSPENDED'));

    // Act
    advance(4_999);
    const within = await cache.get('acme');
    advance(1);
    const after = await cache.get('acme');

    // Assess
    expect([within?.status, after?.status]).toEqual(['ACTIVE', 'SUSPENDED']);
  });

  it('keeps unknown tenants too, and shares one read among concurrent requests', async () => {
    // Prepare
    const { cache, reads } = subject(5_000);

    // Act
    const answers = await Promise.all([cache.get('nobody'), cache.get('nobody'), cache.get('acme'), cache.get('acme')]);
    await cache.get('nobody');

    // Assess
    expect(answers.map((answer) => answer?.tenantId)).toEqual([undefined, undefined, 'acme', 'acme']);
    expect(reads.sort()).toEqual(['acme', 'nobody']);
  });

  it('reads on every request when the bound is 0', async () => {
    // Prepare
    const { cache, reads } = subject(0);

    // Act
    await cache.get('acme');
    await cache.get('acme');

    // Assess
    expect(reads).toEqual(['acme', 'acme']);
  });

  it('is bounded, and a flood of made-up tenants does not push known tenants out', async () => {
    // Prepare
    const reads: string[] = [];
    const known = new Map([
      ['acme', entry('acme', 'ACTIVE')],
      ['globex', entry('globex', 'SUSPENDED')],
    ]);
    const get = async (tenantId: string) => {
      reads.push(tenantId);
      return known.get(tenantId);
    };
    const cache = new CachedDirectory({ get }, { ttlMs: 60_000, capacity: 3 });
    await cache.get('acme');
    await cache.get('globex');

    // Act
    for (let i = 0; i < 50; i += 1) await cache.get(`made-up-${i}`);
    const again = [await cache.get('acme'), await cache.get('globex'), await cache.get('made-up-0')];

    // Assess
    expect(again.map((answer) => answer?.status)).toEqual(['ACTIVE', 'SUSPENDED', undefined]);
    expect(reads.filter((id) => id === 'acme' || id === 'globex')).toEqual(['acme', 'globex']);
    expect(reads.filter((id) => id === 'made-up-0')).toHaveLength(2);
  });

  it('does not keep a failed read', async () => {
    // Prepare
    let fail = true;
    const cache = new CachedDirectory(
      {
        get: async (tenantId: string) => {
          if (fail) throw new Error('throttled');
          return entry(tenantId, 'ACTIVE');
        },
      },
      { ttlMs: 60_000 },
    );

    // Act
    await expect(cache.get('acme')).rejects.toThrow('throttled');
    fail = false;

    // Assess
    await expect(cache.get('acme')).resolves.toEqual(expect.objectContaining({ status: 'ACTIVE' }));
  });

  it("serves the container's own change at once: invalidate drops the entry and keeps no read that was in flight", async () => {
    // Prepare
    const { cache, entries, reads } = subject(5_000);
    await cache.get('acme');
    entries.set('acme', entry('acme', 'SUSPENDED'));
    const inFlight = (async () => {
      cache.invalidate('acme');
      return cache.get('acme');
    })();

    // Act
    const seen = await inFlight;
    entries.set('acme', entry('acme', 'ACTIVE'));
    cache.invalidate('acme');
    const afterSecondChange = await cache.get('acme');

    // Assess
    expect([seen?.status, afterSecondChange?.status]).toEqual(['SUSPENDED', 'ACTIVE']);
    expect(reads).toEqual(['acme', 'acme', 'acme']);
  });

  it('does not keep the answer of a read that was in flight when the tenant was invalidated', async () => {
    // Prepare
    let release: () => void = () => undefined;
    let reads = 0;
    const source = {
      get: async (tenantId: string) => {
        reads += 1;
        await new Promise<void>((done) => (release = done));
        return entry(tenantId, reads === 1 ? 'ACTIVE' : 'SUSPENDED');
      },
    };
    const cache = new CachedDirectory(source, { ttlMs: 5_000 });
    const stale = cache.get('acme');

    // Act
    cache.invalidate('acme');
    release();
    await stale;
    const next = cache.get('acme');
    release();

    // Assess
    await expect(stale).resolves.toEqual(expect.objectContaining({ status: 'ACTIVE' }));
    await expect(next).resolves.toEqual(expect.objectContaining({ status: 'SUSPENDED' }));
    expect(reads).toBe(2);
  });
});
