import * as z from './zod';

/**
 * Roles, one per Cognito group of the same name. `platform-admin` lives in the platform-admin pool; the others in
 * each tenant's pool.
 */
export const ROLES = ['platform-admin', 'tenant-admin', 'member', 'viewer', 'auditor'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

/** Roles a tenant user can hold (the groups of a tenant pool). */
export const TENANT_ROLES = ['tenant-admin', 'member', 'viewer', 'auditor'] as const satisfies readonly Role[];
export type TenantRole = (typeof TENANT_ROLES)[number];

/** Who may call a route: everyone, or any of the listed roles. */
export type Access = 'public' | readonly Role[];

/** Named access rules used by the route table, so each rule is written once. */
export const ACCESS = {
  public: 'public',
  platformAdmin: ['platform-admin'],
  tenantAdmin: ['tenant-admin', 'platform-admin'],
  tenantRead: ['tenant-admin', 'member', 'viewer', 'platform-admin'],
  tenantWrite: ['tenant-admin', 'member', 'platform-admin'],
  audit: ['tenant-admin', 'auditor', 'platform-admin'],
} as const satisfies Record<string, Access>;

/** Keeps the known roles among group names (unknown groups grant nothing). */
export function rolesFromGroups(groups: readonly string[]): Role[] {
  return groups.filter((group): group is Role => (ROLES as readonly string[]).includes(group));
}

/** True when one of the caller's roles is allowed by the access rule. */
export function isAllowed(access: Access, roles: readonly Role[]): boolean {
  return access === 'public' || roles.some((role) => access.includes(role));
}
