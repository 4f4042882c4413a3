import { BoundedMap } from '../identity/bounded-map';
import type { DirectoryRepository } from './directory.repository';
import type { TenantDirectoryEntry } from './tenant.schema';

export interface CachedDirectoryOptions {
  /** How long an entry, or its absence, is reused; 0 reads on every request. */
  readonly ttlMs: number;
  /** @default 10_000 tenants */
  readonly capacity?: number;
  /** @default Date.now */
  readonly clock?: () => number;
}

/**
 * Directory entries (status, home region) kept per container for at most `ttlMs`, so the tenant gate costs no read
 * per request: a suspension, an offboarding or a move to another region holds within that bound. Absent tenants are
 * kept too, and concurrent requests of one tenant share one read. Bounded, least recently used first out, so no
 * request pattern grows a container's memory.
 */
export class CachedDirectory implements Pick<DirectoryRepository, 'get'> {
  private readonly entries: BoundedMap<string, { readonly entry: TenantDirectoryEntry | undefined; readonly until: number }>;
  private readonly inFlight = new Map<string, Promise<TenantDirectoryEntry | undefined>>();
  private readonly clock: () => number;

  constructor(
    private readonly source: Pick<DirectoryRepository, 'get'>,
    private readonly options: CachedDirectoryOptions,
  ) {
    this.entries = new BoundedMap(options.capacity ?? 10_000);
    this.clock = options.clock ?? Date.now;
  }

  async get(tenantId: string): Promise<TenantDirectoryEntry | undefined> {
    const hit = this.entries.get(tenantId);
    if (hit && hit.until > this.clock()) return hit.entry;
    let pending = this.inFlight.get(tenantId);
    if (!pending) {
      pending = this.read(tenantId).finally(() => this.inFlight.delete(tenantId));
      this.inFlight.set(tenantId, pending);
    }
    return pending;
  }

  private async read(tenantId: string): Promise<TenantDirectoryEntry | undefined> {
    const entry = await this.source.get(tenantId);
    if (this.options.ttlMs > 0) this.entries.set(tenantId, { entry, until: this.clock() + this.options.ttlMs });
    return entry;
  }
}
