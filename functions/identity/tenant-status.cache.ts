import type { TenantStatus } from '../tenants/tenant.schema';
import { servesTenantUsers } from '../tenants/tenant-lifecycle';
import { BoundedMap } from './bounded-map';

/** Reads a tenant's directory entry (the tenant directory's `get`). */
export interface TenantStatusSource {
  get(tenantId: string): Promise<{ readonly status: TenantStatus } | undefined>;
}

export interface TenantStatusCacheOptions {
  /** How long an answer, found or not, is reused. @default 30 s */
  readonly ttlMs?: number;
  /** Most tenants remembered of each kind (serving, and unknown or not serving). @default 1,000 */
  readonly capacity?: number;
  /** @default Date.now */
  readonly clock?: () => number;
}

interface Answer {
  readonly serving: boolean;
  readonly until: number;
}

/**
 * Whether a tenant named by a credential serves its users (ACTIVE or SUSPENDED), from the tenant directory, kept for
 * a short while per container. Negative answers are kept too, so a flood of made-up tenant ids costs one directory
 * read per id and TTL; they live in a map of their own, so such a flood cannot push real tenants out. Concurrent
 * questions about one tenant share one read. A status change is seen within the TTL.
 */
export class TenantStatusCache {
  private readonly serving: BoundedMap<string, Answer>;
  private readonly refused: BoundedMap<string, Answer>;
  private readonly inFlight = new Map<string, Promise<boolean>>();
  private readonly ttlMs: number;
  private readonly clock: () => number;

  constructor(
    private readonly source: TenantStatusSource,
    options: TenantStatusCacheOptions = {},
  ) {
    const capacity = options.capacity ?? 1_000;
    this.serving = new BoundedMap(capacity);
    this.refused = new BoundedMap(capacity);
    this.ttlMs = options.ttlMs ?? 30_000;
    this.clock = options.clock ?? Date.now;
  }

  /** True when the tenant exists and its users may call the API (a suspended tenant's too: the gate answers 403). */
  async servesUsers(tenantId: string): Promise<boolean> {
    const now = this.clock();
    const cached = this.serving.get(tenantId) ?? this.refused.get(tenantId);
    if (cached && cached.until > now) return cached.serving;
    let pending = this.inFlight.get(tenantId);
    if (!pending) {
      pending = this.read(tenantId).finally(() => this.inFlight.delete(tenantId));
      this.inFlight.set(tenantId, pending);
    }
    return pending;
  }

  private async read(tenantId: string): Promise<boolean> {
    const entry = await this.source.get(tenantId);
    const serving = entry !== undefined && servesTenantUsers(entry.status);
    const answer = { serving, until: this.clock() + this.ttlMs };
    // A tenant is in one map at a time, so a stale answer of the other kind never shadows a fresh one.
    if (serving) {
      this.refused.delete(tenantId);
      this.serving.set(tenantId, answer);
    } else {
      this.serving.delete(tenantId);
      this.refused.set(tenantId, answer);
    }
    return serving;
  }
}
