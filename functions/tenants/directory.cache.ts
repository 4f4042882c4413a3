import { BoundedMap } from '../identity/bounded-map';
import type { DirectoryReader } from './directory.reader';
import type { TenantDirectoryEntry } from './tenant.schema';

interface Cached {
  readonly entry: TenantDirectoryEntry | undefined;
  readonly until: number;
}

export interface CachedDirectoryOptions {
  /** How long an entry, or its absence, is reused; 0 reads on every request. */
  readonly ttlMs: number;
  /** Most tenants remembered of each kind (found, and absent). @default 10_000 */
  readonly capacity?: number;
  /** @default Date.now */
  readonly clock?: () => number;
}

/** A read of one tenant's entry in flight; `stale` once the tenant was invalidated while it ran. */
interface Flight {
  promise: Promise<TenantDirectoryEntry | undefined>;
  stale: boolean;
}

/**
 * Directory entries (status, home region) kept per container for at most `ttlMs`, so the tenant gate and the
 * authorizer cost no read per request: a suspension, an offboarding or a move to another region holds within that
 * bound. Absent tenants are kept too, in a map of their own, so a flood of made-up tenant ids costs one read per id
 * and bound and cannot push real tenants out. Concurrent requests of one tenant share one read; a failed read is not
 * kept. Bounded, least recently used first out, so no request pattern grows a container's memory. A container that
 * changes an entry itself invalidates it: its next request reads the new one, and a read that was already in flight
 * (which may return the old entry) is not kept.
 */
export class CachedDirectory implements Pick<DirectoryReader, 'get'> {
  private readonly found: BoundedMap<string, Cached>;
  private readonly absent: BoundedMap<string, Cached>;
  private readonly inFlight = new Map<string, Flight>();
  private readonly clock: () => number;

  constructor(
    private readonly source: Pick<DirectoryReader, 'get'>,
    private readonly options: CachedDirectoryOptions,
  ) {
    this.found = new BoundedMap(options.capacity ?? 10_000);
    this.absent = new BoundedMap(options.capacity ?? 10_000);
    this.clock = options.clock ?? Date.now;
  }

  async get(tenantId: string): Promise<TenantDirectoryEntry | undefined> {
    const hit = this.found.get(tenantId) ?? this.absent.get(tenantId);
    if (hit && hit.until > this.clock()) return hit.entry;
    const pending = this.inFlight.get(tenantId);
    if (pending) return pending.promise;
    const flight: Flight = { promise: Promise.resolve(undefined), stale: false };
    flight.promise = this.read(tenantId, flight).finally(() => {
      if (this.inFlight.get(tenantId) === flight) this.inFlight.delete(tenantId);
    });
    this.inFlight.set(tenantId, flight);
    return flight.promise;
  }

  /** Forgets what is known of the tenant (found or absent), and what a read in flight will return. */
  invalidate(tenantId: string): void {
    this.found.delete(tenantId);
    this.absent.delete(tenantId);
    const pending = this.inFlight.get(tenantId);
    if (pending) pending.stale = true;
    this.inFlight.delete(tenantId);
  }

  private async read(tenantId: string, flight: Flight): Promise<TenantDirectoryEntry | undefined> {
    const entry = await this.source.get(tenantId);
    if (this.options.ttlMs > 0 && !flight.stale) {
      // A tenant is in one map at a time, so a stale answer of the other kind never shadows a fresh one.
      const [keep, drop] = entry ? [this.found, this.absent] : [this.absent, this.found];
      drop.delete(tenantId);
      keep.set(tenantId, { entry, until: this.clock() + this.options.ttlMs });
    }
    return entry;
  }
}
