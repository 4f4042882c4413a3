import type { AdminCreateUserCommandInput } from '@aws-sdk/client-cognito-identity-provider';
import { TENANT_ID_CLAIM } from '../identity/tenant-attribute';

/**
 * A pool user made by the platform, signing in by its verified email, with no mail from the pool (the platform mails
 * its own invitations); a tenant user carries its tenant, which its tokens' claims are built from.
 */
export function newPoolUser(userPoolId: string, email: string, tenantId?: string): AdminCreateUserCommandInput {
  return {
    UserPoolId: userPoolId,
    Username: email,
    MessageAction: 'SUPPRESS',
    UserAttributes: [
      { Name: 'email', Value: email },
      { Name: 'email_verified', Value: 'true' },
      ...(tenantId ? [{ Name: TENANT_ID_CLAIM, Value: tenantId }] : []),
    ],
  };
}
