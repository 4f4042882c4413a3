import { NotFoundError } from '../core/errors';
import type { DirectoryRepository } from './directory.repository';
import { nextStatus, type LifecycleEvent } from './tenant-lifecycle';
import type { TenantAuth, TenantDirectoryEntry, TenantStatus } from './tenant.schema';

type Repository = Pick<DirectoryRepository, 'get' | 'list' | 'create' | 'update' | 'replicate' | 'release' | 'remove'>;

/**
 * The tenant directory as the control plane changes it: the control-plane region's copy decides (slug
 * reservations and lifecycle transitions are conditional writes there), and every change is then copied whole to
 * the other regions' copies, so copying again repairs a copy that missed one.
 */
export class ReplicatedDirectory {
  constructor(
    private readonly primary: Repository,
    private readonly replicas: readonly Repository[],
    /** Told after every change of a tenant's entry, e.g. to invalidate the container's cached copy. @default nothing */
    private readonly changed: (tenantId: string) => void = () => undefined,
  ) {}

  get(tenantId: string): Promise<TenantDirectoryEntry | undefined> {
    return this.primary.get(tenantId);
  }

  list(limit: number, exclusiveStartKey?: Record<string, unknown>) {
    return this.primary.list(limit, exclusiveStartKey);
  }

  /** Reserves the id and slug (409 when taken), then copies the entry. */
  async reserve(entry: TenantDirectoryEntry): Promise<void> {
    await this.primary.create(entry);
    await this.copy(entry);
  }

  /** Takes back a reservation whose onboarding could not even start: the entry goes, id and slug are free again. */
  async unreserve(entry: TenantDirectoryEntry): Promise<void> {
    await Promise.all([this.primary, ...this.replicas].map((copy) => copy.remove(entry)));
    this.changed(entry.tenantId);
  }

  /**
   * Applies a lifecycle event to the tenant's status: legal from the current status only (409 otherwise, and 409
   * when another change got there first). Returns the status before and the entry after.
   */
  async transition(
    tenantId: string,
    event: LifecycleEvent,
    changes: { readonly auth?: TenantAuth } = {},
  ): Promise<{ from: TenantStatus; entry: TenantDirectoryEntry }> {
    const current = await this.primary.get(tenantId);
    if (!current) throw new NotFoundError(`tenant ${tenantId} not found`);
    const to = nextStatus(current.status, event);
    const entry = await this.primary.update(tenantId, { status: { from: current.status, to, event }, ...changes });
    await this.copy(entry);
    return { from: current.status, entry };
  }

  async updateBranding(tenantId: string, branding: TenantDirectoryEntry['branding']): Promise<TenantDirectoryEntry> {
    const entry = await this.primary.update(tenantId, { branding });
    await this.copy(entry);
    return entry;
  }

  /** Frees the slug and email domains in every copy; the entries stay as tombstones. */
  async release(entry: TenantDirectoryEntry): Promise<void> {
    await Promise.all([this.primary, ...this.replicas].map((copy) => copy.release(entry)));
    this.changed(entry.tenantId);
  }

  private async copy(entry: TenantDirectoryEntry): Promise<void> {
    try {
      await Promise.all(this.replicas.map((replica) => replica.replicate(entry)));
    } finally {
      this.changed(entry.tenantId);
    }
  }
}
