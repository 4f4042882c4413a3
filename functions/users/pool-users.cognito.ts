import { randomBytes } from 'node:crypto';
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminGetUserCommand,
  AdminResetUserPasswordCommand,
  AdminSetUserPasswordCommand,
  ListUsersCommand,
  UsernameExistsException,
  UserNotFoundException,
  type AttributeType,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { IdentityProviderError } from '../core/errors';
import type { TenantRole } from '../core/roles';
import type { PoolUser, PoolUsers } from './pool-users';
import type { PoolRef } from './user-directory';
import { newPoolUser } from './pool-user.input';
import { CognitoUserDirectory } from './user-directory.cognito';

const attribute = (attributes: readonly AttributeType[] | undefined, name: string) => attributes?.find((candidate) => candidate.Name === name)?.Value;

/** A password nobody is told, meeting any policy a tenant pool has: the user replaces it through a reset. */
function unknownPassword(): string {
  return `${randomBytes(24).toString('base64url')}aA1!`;
}

/** Tenant pool users through the Cognito admin API (cognito-local locally, with the local platform's stand-ins). */
export class CognitoPoolUsers implements PoolUsers {
  /** The users' own adapter, for the groups of a role. */
  private readonly directory: CognitoUserDirectory;

  constructor(private readonly cognito: CognitoIdentityProviderClient) {
    this.directory = new CognitoUserDirectory(cognito);
  }

  async *list(pool: PoolRef): AsyncIterable<PoolUser> {
    let token: string | undefined;
    do {
      const page = await this.cognito.send(new ListUsersCommand({ UserPoolId: pool.userPoolId, Limit: 60, PaginationToken: token }));
      for (const user of page.Users ?? []) {
        const sub = attribute(user.Attributes, 'sub');
        const email = attribute(user.Attributes, 'email');
        if (!sub || !email) continue;
        yield { sub, email, enabled: user.Enabled !== false, federated: user.UserStatus === 'EXTERNAL_PROVIDER' };
      }
      token = page.PaginationToken;
    } while (token);
  }

  async copy(pool: PoolRef, user: PoolUser, tenantId: string, role: TenantRole): Promise<{ sub: string }> {
    const { userPoolId } = pool;
    const made = await this.createOrFind(userPoolId, user, tenantId);
    if (made.status === 'FORCE_CHANGE_PASSWORD') {
      // Made now: a confirmed user whose password must be reset (AWS mails it a code for the forgotten-password flow).
      await this.cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: userPoolId, Username: made.sub, Password: unknownPassword(), Permanent: true }));
      await this.cognito.send(new AdminResetUserPasswordCommand({ UserPoolId: userPoolId, Username: made.sub }));
    }
    await this.directory.setRole(pool, made.sub, role);
    if (!user.enabled) await this.cognito.send(new AdminDisableUserCommand({ UserPoolId: userPoolId, Username: made.sub }));
    return { sub: made.sub };
  }

  async remove(pool: PoolRef, sub: string): Promise<void> {
    try {
      await this.cognito.send(new AdminDeleteUserCommand({ UserPoolId: pool.userPoolId, Username: sub }));
    } catch (error) {
      if (!(error instanceof UserNotFoundException)) throw error;
    }
  }

  /** The user made now (status FORCE_CHANGE_PASSWORD), or the one an earlier run made (any status). */
  private async createOrFind(userPoolId: string, user: PoolUser, tenantId: string): Promise<{ sub: string; status: string }> {
    try {
      const { User } = await this.cognito.send(new AdminCreateUserCommand(newPoolUser(userPoolId, user.email, tenantId)));
      return { sub: subOf(User?.Attributes), status: 'FORCE_CHANGE_PASSWORD' };
    } catch (error) {
      if (!(error instanceof UsernameExistsException)) throw error;
    }
    const existing = await this.cognito.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: user.email }));
    return { sub: subOf(existing.UserAttributes), status: existing.UserStatus ?? 'UNKNOWN' };
  }
}

function subOf(attributes: readonly AttributeType[] | undefined): string {
  const sub = attribute(attributes, 'sub');
  if (!sub) throw new IdentityProviderError('the user pool answered a user without a sub');
  return sub;
}
