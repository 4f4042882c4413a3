import type { TenantAuth } from '../tenants/tenant.schema';

/** The name of a tenant's user pool in a region (the tenant stack's pool): the same in every region it is made in. */
export function tenantPoolName(stage: string, tenantId: string): string {
  return `agent-platform-${stage}-tenant-${tenantId}`;
}

/** The tenant pools of one region. */
export interface TenantPools {
  readonly region: string;
  /** The tenant's pool in the region, as its directory entry names it; undefined when the region has none. */
  poolOf(tenantId: string): Promise<TenantAuth | undefined>;
}
