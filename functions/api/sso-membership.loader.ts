import type { SsoRoleMapping } from '../tenants/sso-role-mapping.schema';
import type { SsoMembershipService } from '../users/sso-membership.service';

/**
 * Module specifier of the pre-token trigger's SSO membership wiring (./sso-membership.ts). The Lambda bundles leave it
 * out of the trigger's `index.js` and carry it as a file of its own beside it (lib/function-bundling.ts), so this
 * require finds it there.
 */
export const SSO_MEMBERSHIP_MODULE = './sso-membership';

/** The trigger's SSO membership, its wiring and the AWS SDK's clients with it loaded at the first federated sign-in. */
export function loadSsoMembership(mapping: SsoRoleMapping): SsoMembershipService {
  // A literal require of SSO_MEMBERSHIP_MODULE: the Lambda bundles leave it as it is, and Lambda resolves it beside index.js.
  const wiring = require('./sso-membership') as typeof import('./sso-membership');
  return wiring.ssoMembershipOf(mapping);
}
