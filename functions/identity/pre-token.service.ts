import type { PreTokenGenerationTriggerEvent } from 'aws-lambda';
import { TENANT_ROLES, type TenantRole } from '../core/roles';
import { TENANT_ID_CLAIM } from './tenant-attribute';

/** The ID token claim listing the user's tenant roles, space-separated (as OAuth lists scopes). */
export const ROLES_CLAIM = 'roles';

export class TenantMismatchError extends Error {
  constructor(
    readonly attributeTenantId: string,
    readonly poolTenantId: string,
  ) {
    super(`user of tenant ${poolTenantId}'s pool carries ${TENANT_ID_CLAIM}=${attributeTenantId}`);
    this.name = 'TenantMismatchError';
  }
}

/**
 * The pre-token-generation trigger of a tenant pool (Cognito V1 event: ID token claims). Each tenant pool has its
 * own trigger, configured with its tenant id, so the claims name the pool's tenant whatever the user's attributes
 * say: federated users have no `custom:tenantId` attribute, and a user whose attribute names another tenant gets no
 * token at all (throwing refuses the sign-in). Groups other than the tenant roles are left out of `cognito:groups`.
 * `memberRoles`, when given (SSO users, from their member record), replace the pool groups. The claims inform
 * clients only: the API decides from the member record.
 */
export function addTenantClaims<E extends PreTokenGenerationTriggerEvent>(event: E, tenantId: string, memberRoles?: readonly TenantRole[]): E {
  const attribute = event.request.userAttributes[TENANT_ID_CLAIM];
  if (attribute !== undefined && attribute !== tenantId) throw new TenantMismatchError(attribute, tenantId);
  const groups = memberRoles ?? event.request.groupConfiguration.groupsToOverride ?? [];
  const roles = groups.filter((group): group is TenantRole => (TENANT_ROLES as readonly string[]).includes(group));
  event.response = {
    claimsOverrideDetails: {
      claimsToAddOrOverride: { [TENANT_ID_CLAIM]: tenantId, [ROLES_CLAIM]: roles.join(' ') },
      groupOverrideDetails: { groupsToOverride: roles },
    },
  };
  return event;
}
