import { AuthenticationError } from '../core/errors';
import type { Principal } from './authorizer.service';
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
 * The principal's member record (the user's own, or the API key's owner) is not in this region's table: removed, or
 * never there, or gone with its tenant to another region. A 401 like any revocation; the authorizer tells a tenant
 * that moved away apart from the directory.
 */
export class MemberNotFoundError extends AuthenticationError {
  override readonly name: string = 'MemberNotFoundError';
  constructor(readonly tenantId: string) {
    super(REVOKED);
  }
}

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
    if (!access) throw new MemberNotFoundError(tenantId);
    return { ...principal, memberId: access.memberId, roles: [access.role] };
  }
  if (principal.memberId === undefined) return principal;
  const owner = await members.byId(tenantId, principal.memberId);
  const keyRoles = principal.roles as readonly TenantRole[];
  if (!owner) throw new MemberNotFoundError(tenantId);
  if (!keyRoles.every((role) => roleCovers(owner.role, role))) throw new AuthenticationError(REVOKED);
  return principal;
}
