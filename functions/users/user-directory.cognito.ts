import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  AdminSetUserPasswordCommand,
  AdminUserGlobalSignOutCommand,
  InvalidPasswordException,
  UsernameExistsException,
  UserNotFoundException,
  type AttributeType,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { IdentityProviderError, ValidationError } from '../core/errors';
import { TENANT_ROLES, type TenantRole } from '../core/roles';
import type { Enrolment, PoolRef, UserDirectory } from './user-directory';
import { newPoolUser } from './pool-user.input';

function subOf(attributes: readonly AttributeType[] | undefined): string {
  const sub = attributes?.find((attribute) => attribute.Name === 'sub')?.Value;
  if (!sub) throw new IdentityProviderError('the user pool answered a user without a sub');
  return sub;
}

/**
 * Tenant pool users through the Cognito admin API; cognito-local speaks the same API. A failure of the pool
 * becomes an IdentityProviderError (503, retry-safe): the caller's change is undone, never reported as done.
 */
export class CognitoUserDirectory implements UserDirectory {
  constructor(private readonly cognito: CognitoIdentityProviderClient) {}

  async enrol(pool: PoolRef, user: Enrolment): Promise<{ sub: string }> {
    const sub = await this.createOrEnable(pool.userPoolId, user);
    try {
      await this.cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: pool.userPoolId, Username: sub, Password: user.password, Permanent: true }));
    } catch (error) {
      if (error instanceof InvalidPasswordException) {
        throw new ValidationError('the password does not meet the policy', [{ pointer: 'body.password', message: error.message }], 'body');
      }
      throw failed('set the password', error);
    }
    await this.setRole(pool, sub, user.role);
    return { sub };
  }

  async setRole(pool: PoolRef, sub: string, role: TenantRole): Promise<void> {
    try {
      const held = await this.tenantGroupsOf(pool.userPoolId, sub);
      if (!held.includes(role)) {
        await this.cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: pool.userPoolId, Username: sub, GroupName: role }));
      }
      for (const other of held.filter((name) => name !== role)) {
        await this.cognito.send(new AdminRemoveUserFromGroupCommand({ UserPoolId: pool.userPoolId, Username: sub, GroupName: other }));
      }
    } catch (error) {
      throw failed('change the role', error);
    }
  }

  async revoke(pool: PoolRef, sub: string): Promise<void> {
    const { userPoolId } = pool;
    try {
      await this.cognito.send(new AdminDisableUserCommand({ UserPoolId: userPoolId, Username: sub }));
      for (const group of await this.tenantGroupsOf(userPoolId, sub)) {
        await this.cognito.send(new AdminRemoveUserFromGroupCommand({ UserPoolId: userPoolId, Username: sub, GroupName: group }));
      }
      await this.cognito.send(new AdminUserGlobalSignOutCommand({ UserPoolId: userPoolId, Username: sub }));
    } catch (error) {
      // The pool has no such user (any more): nobody can sign in as it.
      if (error instanceof UserNotFoundException) return;
      throw failed('revoke the user', error);
    }
  }

  /** Creates the user, or enables the one a past membership left disabled; answers its sub. */
  private async createOrEnable(userPoolId: string, user: Enrolment): Promise<string> {
    try {
      const { User } = await this.cognito.send(new AdminCreateUserCommand(newPoolUser(userPoolId, user.email, user.tenantId)));
      return subOf(User?.Attributes);
    } catch (error) {
      if (!(error instanceof UsernameExistsException)) throw failed('create the user', error);
    }
    try {
      const existing = await this.cognito.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: user.email }));
      const sub = subOf(existing.UserAttributes);
      await this.cognito.send(new AdminEnableUserCommand({ UserPoolId: userPoolId, Username: sub }));
      return sub;
    } catch (error) {
      throw failed('enable the user', error);
    }
  }

  private async tenantGroupsOf(userPoolId: string, sub: string): Promise<string[]> {
    const { Groups = [] } = await this.cognito.send(new AdminListGroupsForUserCommand({ UserPoolId: userPoolId, Username: sub, Limit: 60 }));
    return Groups.map((group) => group.GroupName).filter((name): name is TenantRole => (TENANT_ROLES as readonly (string | undefined)[]).includes(name));
  }
}

function failed(what: string, error: unknown): Error {
  if (error instanceof IdentityProviderError || error instanceof ValidationError) return error;
  return new IdentityProviderError(`the user pool could not ${what}; nothing was changed, try again`, {}, { cause: error });
}
