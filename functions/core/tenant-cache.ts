/**
 * A cache whose entries belong to a tenant. Values are stored and looked up by the pair (tenantId, key), so nothing
 * stored for one tenant can be served to another: there is no lookup by key alone, and the pair is never flattened
 * into one string that two different pairs could share.
 *
 * - Invalidation is per tenant: `invalidate(tenantId)` bumps the tenant's version, drops its entries, and makes any
 *   load that started before the bump unable to store its (now stale) result.
 * - Entries may expire (a default TTL, or an expiry per entry).
 * - The whole cache holds at most `capacity` entries across all tenants and evicts the least recently used first,
 *   so no request pattern (many tenants, many keys) can grow a container's memory.
 * - `getOrLoad` is single-flight: concurrent misses of one (tenant, key) share one load. A failed load is not cached.
 */

/** Milliseconds since the epoch; injected so tests control time. */
export type Clock = () => number;

/** Why an entry left the cache. */
export type RemovalCause = 'evicted' | 'expired' | 'invalidated' | 'deleted' | 'replaced';

export interface TenantCacheOptions<V> {
  /** Most entries held across all tenants; the least recently used entry is evicted beyond it. */
  readonly capacity: number;
  /**
   * Lifetime of an entry unless `set` gives its own expiry.
   * @default entries do not expire
   */
  readonly ttlMs?: number;
  /**
   * Source of the current time.
   * @default Date.now
   */
  readonly clock?: Clock;
  /**
   * Called once for every entry that leaves the cache (evicted, expired, invalidated, deleted or replaced), e.g. to
   * release a client it holds.
   * @default nothing is called
   */
  readonly onRemove?: (value: V, tenantId: string, key: string, cause: RemovalCause) => void;
}

export interface SetOptions {
  /** Absolute expiry (ms since the epoch); wins over `ttlMs`. */
  readonly expiresAt?: number;
  /** Lifetime from now; wins over the cache's default TTL. */
  readonly ttlMs?: number;
}

interface Entry<V> {
  readonly tenantId: string;
  readonly key: string;
  readonly value: V;
  readonly expiresAt: number;
}

/** What the cache knows of one tenant besides its entries: its version and how many loads for it are running. */
interface TenantState {
  version: number;
  loads: number;
}

export class TenantCache<V> {
  /** Entries in least-recently-used-first order, by tenant then key (two levels, never one joined string). */
  private readonly order = new Set<Entry<V>>();
  private readonly entries = new Map<string, Map<string, Entry<V>>>();
  private readonly tenants = new Map<string, TenantState>();
  private readonly inFlight = new Map<string, Map<string, { version: number; promise: Promise<V> }>>();
  private readonly clock: Clock;

  constructor(private readonly options: TenantCacheOptions<V>) {
    if (!Number.isInteger(options.capacity) || options.capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, not ${options.capacity}`);
    }
    if (options.ttlMs !== undefined && !(options.ttlMs > 0)) throw new RangeError(`ttlMs must be positive, not ${options.ttlMs}`);
    this.clock = options.clock ?? Date.now;
  }

  /** Number of entries held (expired ones included until they are looked up or evicted). */
  get size(): number {
    return this.order.size;
  }

  /** The value stored for (tenantId, key) if present and fresh; it becomes the most recently used entry. */
  get(tenantId: string, key: string): V | undefined {
    const entry = this.entries.get(tenantId)?.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock()) {
      this.remove(entry, 'expired');
      return undefined;
    }
    this.order.delete(entry);
    this.order.add(entry);
    return entry.value;
  }

  /** Stores a value for (tenantId, key), replacing any previous one, and evicts beyond capacity. */
  set(tenantId: string, key: string, value: V, options: SetOptions = {}): void {
    const ttlMs = options.ttlMs ?? this.options.ttlMs;
    const expiresAt = options.expiresAt ?? (ttlMs === undefined ? Number.POSITIVE_INFINITY : this.clock() + ttlMs);
    const previous = this.entries.get(tenantId)?.get(key);
    if (previous) this.remove(previous, 'replaced');

    const entry: Entry<V> = { tenantId, key, value, expiresAt };
    let byKey = this.entries.get(tenantId);
    if (!byKey) {
      byKey = new Map();
      this.entries.set(tenantId, byKey);
    }
    byKey.set(key, entry);
    this.order.add(entry);

    while (this.order.size > this.options.capacity) {
      const oldest = this.order.values().next().value as Entry<V>;
      this.remove(oldest, 'evicted');
    }
  }

  /** Removes the value of (tenantId, key), if any. */
  delete(tenantId: string, key: string): void {
    const entry = this.entries.get(tenantId)?.get(key);
    if (entry) this.remove(entry, 'deleted');
  }

  /**
   * Makes everything cached for the tenant stale: its entries are dropped and loads that started before this call
   * will not store their results. Other tenants' entries are untouched.
   */
  invalidate(tenantId: string): void {
    const state = this.state(tenantId);
    state.version += 1;
    const byKey = this.entries.get(tenantId);
    if (byKey) for (const entry of [...byKey.values()]) this.remove(entry, 'invalidated');
    this.pruneTenant(tenantId);
  }

  /**
   * The cached value of (tenantId, key), or the result of `load`, stored unless the tenant was invalidated while it
   * ran. Concurrent calls for the same (tenantId, key) and version share one load; a load that throws stores nothing
   * and the next call loads again. `expiresAt` gives each loaded value its own expiry (e.g. from a credential).
   */
  getOrLoad(tenantId: string, key: string, load: () => Promise<V>, expiresAt?: (value: V) => number): Promise<V> {
    const cached = this.get(tenantId, key);
    if (cached !== undefined) return Promise.resolve(cached);

    const state = this.state(tenantId);
    const version = state.version;
    let loads = this.inFlight.get(tenantId);
    const running = loads?.get(key);
    if (running && running.version === version) return running.promise;

    if (!loads) {
      loads = new Map();
      this.inFlight.set(tenantId, loads);
    }
    state.loads += 1;
    const run = async (): Promise<V> => {
      try {
        const value = await load();
        if (state.version === version) {
          this.set(tenantId, key, value, expiresAt ? { expiresAt: expiresAt(value) } : {});
        }
        return value;
      } finally {
        // A load started after an invalidation may have taken this key's slot: leave that one in place.
        const mine = this.inFlight.get(tenantId);
        if (mine?.get(key)?.version === version) {
          mine.delete(key);
          if (mine.size === 0) this.inFlight.delete(tenantId);
        }
        state.loads -= 1;
        this.pruneTenant(tenantId);
      }
    };
    const promise = run();
    loads.set(key, { version, promise });
    return promise;
  }

  /** Removes every entry of every tenant. */
  clear(): void {
    for (const entry of [...this.order]) this.remove(entry, 'deleted');
  }

  private state(tenantId: string): TenantState {
    let state = this.tenants.get(tenantId);
    if (!state) {
      state = { version: 0, loads: 0 };
      this.tenants.set(tenantId, state);
    }
    return state;
  }

  private remove(entry: Entry<V>, cause: RemovalCause): void {
    this.order.delete(entry);
    const byKey = this.entries.get(entry.tenantId);
    byKey?.delete(entry.key);
    if (byKey?.size === 0) this.entries.delete(entry.tenantId);
    this.pruneTenant(entry.tenantId);
    this.options.onRemove?.(entry.value, entry.tenantId, entry.key, cause);
  }

  /**
   * Forgets a tenant that has no entries and no running loads, so the per-tenant bookkeeping stays bounded by the
   * entries and loads. Its version may restart at 0: nothing holds an older version any more.
   */
  private pruneTenant(tenantId: string): void {
    const state = this.tenants.get(tenantId);
    if (state && state.loads === 0 && !this.entries.has(tenantId)) this.tenants.delete(tenantId);
  }
}
