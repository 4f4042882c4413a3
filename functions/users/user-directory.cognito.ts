import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  AdminSetUserPasswordCommand,
  InvalidPasswordException,
  UsernameExistsException,
  UserNotFoundException,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { ValidationError } from '../core/errors';
import { TENANT_ROLES, type TenantRole } from '../identity/roles';
import type { Enrolment, PoolRef, UserDirectory } from './user-directory';
import { TENANT_ID_CLAIM } from '../identity/tenant-attribute';

/** The custom attribute of tenant pools that names the tenant (read into the token by the pre-token trigger). */

/** Tenant pool users through the Cognito admin API; cognito-local speaks the same API. */
export class CognitoUserDirectory implements UserDirectory {
  constructor(private readonly cognito: CognitoIdentityProviderClient) {}

  async enrol(pool: PoolRef, user: Enrolment): Promise<void> {
    const { userPoolId } = pool;
    try {
      await this.cognito.send(
        new AdminCreateUserCommand({
          UserPoolId: userPoolId,
          Username: user.email,
          MessageAction: 'SUPPRESS',
          UserAttributes: [
            { Name: 'email', Value: user.email },
            { Name: 'email_verified', Value: 'true' },
            { Name: TENANT_ID_CLAIM, Value: user.tenantId },
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof UsernameExistsException)) throw error;
      await this.cognito.send(new AdminEnableUserCommand({ UserPoolId: userPoolId, Username: user.email }));
    }
    try {
      await this.cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: userPoolId, Username: user.email, Password: user.password, Permanent: true }));
    } catch (error) {
      if (error instanceof InvalidPasswordException) {
        throw new ValidationError('the password does not meet the policy', [{ pointer: 'body.password', message: error.message }], 'body');
      }
      throw error;
    }
    await this.setRole(pool, user.email, user.role);
  }

  async setRole(pool: PoolRef, email: string, role: TenantRole): Promise<void> {
    const { Groups = [] } = await this.cognito.send(new AdminListGroupsForUserCommand({ UserPoolId: pool.userPoolId, Username: email, Limit: 60 }));
    const held = Groups.map((group) => group.GroupName).filter((name): name is string => name !== undefined);
    if (!held.includes(role)) {
      await this.cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: pool.userPoolId, Username: email, GroupName: role }));
    }
    for (const other of held.filter((name) => name !== role && (TENANT_ROLES as readonly string[]).includes(name))) {
      await this.cognito.send(new AdminRemoveUserFromGroupCommand({ UserPoolId: pool.userPoolId, Username: email, GroupName: other }));
    }
  }

  async disable(pool: PoolRef, email: string): Promise<void> {
    try {
      await this.cognito.send(new AdminDisableUserCommand({ UserPoolId: pool.userPoolId, Username: email }));
    } catch (error) {
      if (!(error instanceof UserNotFoundException)) throw error;
    }
  }
}
