import type { TenantStatus } from '../../functions/tenants/tenant.schema';

/** The tenant lifecycle as the design draws it, written out independently of the code: the tests' model. */
export const LIFECYCLE_ARROWS: ReadonlySet<string> = new Set([
  'PROVISIONING provisioned ACTIVE',
  'PROVISIONING provisioningFailed FAILED',
  'FAILED retry PROVISIONING',
  'FAILED offboard OFFBOARDING',
  'ACTIVE suspend SUSPENDED',
  'SUSPENDED reactivate ACTIVE',
  'ACTIVE offboard OFFBOARDING',
  'SUSPENDED offboard OFFBOARDING',
  'OFFBOARDING purged DELETED',
]);

/** The status after `event` in the model, or undefined when the design has no such arrow. */
export function modelStep(from: TenantStatus, event: string): TenantStatus | undefined {
  const arrow = [...LIFECYCLE_ARROWS].find((a) => a.startsWith(`${from} ${event} `));
  return arrow ? (arrow.split(' ')[2] as TenantStatus) : undefined;
}
