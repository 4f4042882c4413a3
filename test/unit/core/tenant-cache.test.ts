import fc from 'fast-check';
import { TenantCache, type RemovalCause } from '../../../functions/core/tenant-cache';

const TENANTS = ['acme', 'acme2', 'globex'] as const;
const KEYS = ['config', 'jwks', 'a#b', 'acme'] as const;

/** What a test stores: the tenant it was stored for travels with the value, so a cross-tenant hit is visible. */
interface Tagged {
  readonly owner: string;
  readonly key: string;
  readonly n: number;
}

type Op =
  | { kind: 'set'; tenant: string; key: string; ttl?: number }
  | { kind: 'get'; tenant: string; key: string }
  | { kind: 'delete'; tenant: string; key: string }
  | { kind: 'invalidate'; tenant: string }
  | { kind: 'tick'; ms: number };

const tenantArb = fc.constantFrom(...TENANTS);
const keyArb = fc.constantFrom(...KEYS);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('set' as const),
      tenant: tenantArb,
      key: keyArb,
      ttl: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('get' as const), tenant: tenantArb, key: keyArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), tenant: tenantArb, key: keyArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('invalidate' as const), tenant: tenantArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 30 }) }) },
);

/** The model: a list of entries in least-recently-used-first order. */
interface ModelEntry {
  tenant: string;
  key: string;
  value: Tagged;
  expiresAt: number;
}

describe('TenantCache', () => {
  it('property: no lookup for one tenant ever returns a value stored for another, and the cache behaves as its LRU model', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), fc.integer({ min: 1, max: 6 }), (ops, capacity) => {
        // Prepare
        let now = 1_000;
        const cache = new TenantCache<Tagged>({ capacity, clock: () => now });
        let model: ModelEntry[] = [];
        let n = 0;

        for (const op of ops) {
          // Act
          switch (op.kind) {
            case 'set': {
              const value = { owner: op.tenant, key: op.key, n: n++ };
              cache.set(op.tenant, op.key, value, op.ttl === undefined ? {} : { ttlMs: op.ttl });
              model = model.filter((e) => !(e.tenant === op.tenant && e.key === op.key));
              model.push({ tenant: op.tenant, key: op.key, value, expiresAt: op.ttl === undefined ? Infinity : now + op.ttl });
              while (model.length > capacity) model.shift();
              break;
            }
            case 'get': {
              const got = cache.get(op.tenant, op.key);
              const index = model.findIndex((e) => e.tenant === op.tenant && e.key === op.key);
              let expected: Tagged | undefined;
              if (index >= 0) {
                const [entry] = model.splice(index, 1);
                if (entry.expiresAt > now) {
                  expected = entry.value;
                  model.push(entry);
                }
              }
              // Assess
              if (got !== undefined) expect(got.owner).toBe(op.tenant);
              expect(got).toEqual(expected);
              break;
            }
            case 'delete':
              cache.delete(op.tenant, op.key);
              model = model.filter((e) => !(e.tenant === op.tenant && e.key === op.key));
              break;
            case 'invalidate':
              cache.invalidate(op.tenant);
              model = model.filter((e) => e.tenant !== op.tenant);
              break;
            case 'tick':
              now += op.ms;
              break;
          }
          // Assess
          expect(cache.size).toBeLessThanOrEqual(capacity);
          expect(cache.size).toBe(model.length);
        }
      }),
    );
  });

  it('keeps the same key of two tenants apart, including tenant ids that are prefixes of each other', () => {
    // Prepare
    const cache = new TenantCache<string>({ capacity: 10 });

    // Act
    cache.set('acme', 'config', 'acme config');
    cache.set('acme2', 'config', 'acme2 config');
    cache.set('acme', '2#config', 'acme 2#config');

    // Assess
    expect(cache.get('acme', 'config')).toBe('acme config');
    expect(cache.get('acme2', 'config')).toBe('acme2 config');
    expect(cache.get('acme', '2#config')).toBe('acme 2#config');
    expect(cache.get('globex', 'config')).toBeUndefined();
  });

  it('invalidating a tenant drops its entries only and reports them as invalidated', () => {
    // Prepare
    const removed: [string, string, RemovalCause][] = [];
    const cache = new TenantCache<string>({ capacity: 10, onRemove: (_v, t, k, cause) => removed.push([t, k, cause]) });
    cache.set('acme', 'a', '1');
    cache.set('acme', 'b', '2');
    cache.set('globex', 'a', '3');

    // Act
    cache.invalidate('acme');

    // Assess
    expect(cache.get('acme', 'a')).toBeUndefined();
    expect(cache.get('acme', 'b')).toBeUndefined();
    expect(cache.get('globex', 'a')).toBe('3');
    expect(removed).toEqual([
      ['acme', 'a', 'invalidated'],
      ['acme', 'b', 'invalidated'],
    ]);
  });

  it('evicts the least recently used entry across tenants when full', () => {
    // Prepare
    const evicted: string[] = [];
    const cache = new TenantCache<string>({ capacity: 2, onRemove: (v, _t, _k, cause) => cause === 'evicted' && evicted.push(v) });
    cache.set('acme', 'k', 'acme');
    cache.set('globex', 'k', 'globex');
    cache.get('acme', 'k');

    // Act
    cache.set('initech', 'k', 'initech');

    // Assess
    expect(evicted).toEqual(['globex']);
    expect(cache.get('acme', 'k')).toBe('acme');
    expect(cache.get('initech', 'k')).toBe('initech');
  });

  it('expires entries after the default TTL or at their own expiry', () => {
    // Prepare
    let now = 0;
    const cache = new TenantCache<string>({ capacity: 10, ttlMs: 100, clock: () => now });
    cache.set('acme', 'ttl', 'x');
    cache.set('acme', 'abs', 'y', { expiresAt: 50 });

    // Act
    now = 50;
    const atFifty = [cache.get('acme', 'ttl'), cache.get('acme', 'abs')];
    now = 100;
    const atHundred = cache.get('acme', 'ttl');

    // Assess
    expect(atFifty).toEqual(['x', undefined]);
    expect(atHundred).toBeUndefined();
  });

  it('getOrLoad shares one load among concurrent misses of a tenant and key, and does not cache failures', async () => {
    // Prepare
    const cache = new TenantCache<string>({ capacity: 10 });
    let loads = 0;
    let fail = true;
    const load = async () => {
      loads += 1;
      await new Promise((done) => setTimeout(done, 5));
      if (fail) throw new Error('down');
      return 'value';
    };

    // Act
    const failed = await Promise.allSettled(Array.from({ length: 10 }, () => cache.getOrLoad('acme', 'k', load)));
    fail = false;
    const values = await Promise.all(Array.from({ length: 10 }, () => cache.getOrLoad('acme', 'k', load)));

    // Assess
    expect(failed.every((r) => r.status === 'rejected')).toBe(true);
    expect(values).toEqual(Array(10).fill('value'));
    expect(loads).toBe(2);
  });

  it('a load that was running when its tenant was invalidated does not store its stale result', async () => {
    // Prepare
    const cache = new TenantCache<string>({ capacity: 10 });
    let release!: (v: string) => void;
    const stale = cache.getOrLoad('acme', 'k', () => new Promise<string>((done) => (release = done)));

    // Act
    cache.invalidate('acme');
    const fresh = cache.getOrLoad('acme', 'k', async () => 'fresh');
    release('stale');

    // Assess
    expect(await stale).toBe('stale');
    expect(await fresh).toBe('fresh');
    expect(cache.get('acme', 'k')).toBe('fresh');
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new TenantCache({ capacity: 0 })).toThrow(RangeError);
    expect(() => new TenantCache({ capacity: 1.5 })).toThrow(RangeError);
  });
});
