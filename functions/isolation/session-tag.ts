/**
 * The session tag that names the tenant of a tenant-data session. The token vending machine sets it when it assumes
 * the tenant data role; the role's policy (lib/constructs/data-access-roles.ts) reads it back as
 * `aws:PrincipalTag/TenantId`. One constant for both sides, so they cannot drift apart.
 */
export const TENANT_SESSION_TAG = 'TenantId';
