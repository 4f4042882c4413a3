import { AuthenticationError } from '../core/errors';
import type { Principal } from './authorizer.service';
import { TenantCache } from '../core/tenant-cache';
import type { TenantRole } from '../core/roles';

/** What the authorizer needs of a member record: who it is and the one role it holds now. */
export interface MemberAccess {
  readonly memberId: string;
  readonly role: TenantRole;
}

/** Reads a tenant's member records, consistently: the record, not the token, decides what a user may do. */
export interface MemberAccessLookup {
  /** The member linked to a pool user (by its immutable sub). */
  bySub(tenantId: string, sub: string): Promise<MemberAccess | undefined>;
  /** A member by its id (the owner of an API key). */
  byId(tenantId: string, memberId: string): Promise<MemberAccess | undefined>;
}

export interface CachedMemberAccessOptions {
  /** How long an answer (found or not found) may be reused in this container; 0 reads on every request. */
  readonly ttlMs: number;
  /** @default 10_000 entries */
  readonly capacity?: number;
  /** @default the system clock */
  readonly now?: () => number;
}

/**
 * Member records cached per container for at most `ttlMs`, by tenant and member (the tenant cache: nothing read for
 * one tenant is served to another), absent ones too: a role change or removal holds for every token of the member
 * within that bound. Concurrent requests of one member share one read; requests of made-up subs cannot grow the
 * container's memory (bounded, least recently used first out).
 */
export class CachedMemberAccess implements MemberAccessLookup {
  // Wrapped, so that an absent member is an answer worth keeping too; none at all when the bound is 0.
  private readonly cache?: TenantCache<{ readonly access: MemberAccess | undefined }>;

  constructor(
    private readonly source: MemberAccessLookup,
    options: CachedMemberAccessOptions,
  ) {
    if (options.ttlMs > 0) {
      this.cache = new TenantCache({ capacity: options.capacity ?? 10_000, ttlMs: options.ttlMs, ...(options.now ? { clock: options.now } : {}) });
    }
  }

  bySub(tenantId: string, sub: string): Promise<MemberAccess | undefined> {
    return this.cached(tenantId, `sub/${sub}`, () => this.source.bySub(tenantId, sub));
  }

  byId(tenantId: string, memberId: string): Promise<MemberAccess | undefined> {
    return this.cached(tenantId, `id/${memberId}`, () => this.source.byId(tenantId, memberId));
  }

  private async cached(tenantId: string, key: string, read: () => Promise<MemberAccess | undefined>): Promise<MemberAccess | undefined> {
    if (!this.cache) return read();
    return (await this.cache.getOrLoad(tenantId, key, async () => ({ access: await read() }))).access;
  }
}

/** Ranks of the roles that contain one another; the auditor's rights are contained in the tenant-admin's only. */
const CONTAINS: Readonly<Record<TenantRole, readonly TenantRole[]>> = {
  'tenant-admin': ['tenant-admin', 'member', 'viewer', 'auditor'],
  member: ['member', 'viewer'],
  viewer: ['viewer'],
  auditor: ['auditor'],
};

/** True when a holder of `holder` may do everything `role` may do. */
export function roleCovers(holder: TenantRole, role: TenantRole): boolean {
  return CONTAINS[holder].includes(role);
}

const REVOKED = 'the credential no longer grants access to this tenant';

/**
 * Decides a tenant principal's roles from the member records, whatever the credential says:
 * - a tenant user holds exactly its member record's role; no record (removed, never joined) is a 401;
 * - an API key made by a member acts with the key's role only while its owner is a member whose role covers it
 *   (a key never does more than its owner may do now); keys made by platform admins have no owner.
 * Platform admins are not tenant members: their pool's group decides.
 */
export async function withMemberAccess(principal: Principal, members: MemberAccessLookup): Promise<Principal> {
  const { tenantId } = principal;
  if (principal.principalType === 'platform-admin' || tenantId === undefined) return principal;
  if (principal.principalType === 'user') {
    const access = await members.bySub(tenantId, principal.principalId);
    if (!access) throw new AuthenticationError(REVOKED);
    return { ...principal, memberId: access.memberId, roles: [access.role] };
  }
  if (principal.memberId === undefined) return principal;
  const owner = await members.byId(tenantId, principal.memberId);
  const keyRoles = principal.roles as readonly TenantRole[];
  if (!owner || !keyRoles.every((role) => roleCovers(owner.role, role))) throw new AuthenticationError(REVOKED);
  return principal;
}
