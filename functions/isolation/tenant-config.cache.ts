import type { Tenant } from '../tenants/tenant.schema';
import { TenantCache, type Clock } from '../core/tenant-cache';

/**
 * The container's cache of tenant records (name, plan, status, branding, settings), keyed by tenant. Each tenant's
 * record is loaded with that tenant's own loader call (in practice through its scoped client), held frozen so no
 * caller can change what another caller reads, and dropped by `invalidate(tenantId)` after the tenant changes it
 * in this container; the TTL bounds how long other containers may serve the previous version.
 */
export interface TenantConfigCacheProps {
  /** Reads a tenant's record (e.g. `TenantRepository.get` over `forTenant(tenantId)`). */
  readonly load: (tenantId: string) => Promise<Tenant | undefined>;
  /**
   * Most tenants held.
   * @default 500
   */
  readonly capacity?: number;
  /**
   * How long a record (or its absence) is served before it is read again.
   * @default 60 s
   */
  readonly ttlMs?: number;
  /** @default Date.now */
  readonly clock?: Clock;
}

/** Cached lookups hold `{ tenant: undefined }` for an absent record, so a miss is cached too, and for as long. */
interface Slot {
  readonly tenant: Readonly<Tenant> | undefined;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

export class TenantConfigCache {
  private readonly cache: TenantCache<Slot>;

  constructor(private readonly props: TenantConfigCacheProps) {
    this.cache = new TenantCache({ capacity: props.capacity ?? 500, ttlMs: props.ttlMs ?? 60_000, clock: props.clock });
  }

  /** The tenant's record, frozen; undefined when it has none. Concurrent misses of one tenant share one read. */
  async get(tenantId: string): Promise<Readonly<Tenant> | undefined> {
    const slot = await this.cache.getOrLoad(tenantId, 'record', async () => {
      const tenant = await this.props.load(tenantId);
      return { tenant: tenant ? deepFreeze(structuredClone(tenant)) : undefined };
    });
    return slot.tenant;
  }

  /** Forgets the tenant's record, after it changed; other tenants' records stay cached. */
  invalidate(tenantId: string): void {
    this.cache.invalidate(tenantId);
  }
}
