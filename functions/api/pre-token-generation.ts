import type { Context, PreTokenGenerationTriggerEvent } from 'aws-lambda';
import { tenantIdSchema } from '../data/keys';
import { addTenantClaims } from '../identity/pre-token.service';
import { DEFAULT_SSO_ROLE_MAPPING, ssoRoleMappingSchema, type SsoRoleMapping } from '../tenants/sso-role-mapping.schema';
import { groupsOf, type SsoMembershipService } from '../users/sso-membership.service';
import { loadSsoMembership } from './sso-membership.loader';

type Trigger = (event: PreTokenGenerationTriggerEvent, context?: Pick<Context, 'awsRequestId'>) => Promise<PreTokenGenerationTriggerEvent>;

/** Users who sign in through an identity provider carry the `identities` attribute; invited users do not. */
function isFederated(event: PreTokenGenerationTriggerEvent): boolean {
  return event.request.userAttributes.identities !== undefined;
}

/**
 * Not a route group: the pre-token-generation trigger of one tenant's user pool. TENANT_ID and SSO_ROLE_MAPPING
 * are set by the tenant's stack. Every token carries the tenant's claims; a user of the tenant's identity providers
 * becomes a member on its first sign-in (SsoMembershipService), each of its IdP sign-ins is recorded, a refresh
 * needs a recent one, and its token names its member role.
 */
export function createHandler(tenantId: string, mapping: SsoRoleMapping, sso: () => Pick<SsoMembershipService, 'signIn' | 'refresh'>): Trigger {
  const tenant = tenantIdSchema.parse(tenantId);
  return async (event, context) => {
    if (!isFederated(event)) return addTenantClaims(event, tenant);
    const attributes = event.request.userAttributes;
    const member =
      event.triggerSource === 'TokenGeneration_RefreshTokens'
        ? await sso().refresh(tenant, attributes.sub)
        : await sso().signIn(
            tenant,
            { sub: attributes.sub, email: attributes.email, groups: groupsOf(mapping.attribute ? attributes[mapping.attribute] : undefined) },
            context?.awsRequestId ?? `sign-in:${attributes.sub}`,
          );
    return addTenantClaims(event, tenant, [member.role]);
  };
}

let handle: Trigger | undefined;

/**
 * Built on the first sign-in; the SSO membership, with the runtime config and the data clients, only on the first
 * federated one (a file beside `index.js`), so the trigger's import and the sign-ins of the pool's own users never
 * load the AWS SDK's clients.
 */
export const handler: Trigger = (event, context) => {
  if (!handle) {
    const mapping = process.env.SSO_ROLE_MAPPING ? ssoRoleMappingSchema.parse(JSON.parse(process.env.SSO_ROLE_MAPPING)) : DEFAULT_SSO_ROLE_MAPPING;
    let service: SsoMembershipService | undefined;
    handle = createHandler(process.env.TENANT_ID ?? '', mapping, () => {
      service ??= loadSsoMembership(mapping);
      return service;
    });
  }
  return handle(event, context);
};
