import { ApiKeyRepository } from '../api-keys/api-key.repository';
import { onFirstUse } from '../core/on-first-use';
import type { CursorCodec } from '../data/cursor';
import type { MutationExecutor } from '../data/mutation.executor';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DirectoryReader } from '../tenants/directory.reader';
import { InvitationRepository } from '../users/invitation.repository';
import type { Mailer } from '../users/mailer';
import { MemberRepository } from '../users/member.repository';
import type { UserDirectory } from '../users/user-directory';
import { UserService } from '../users/user.service';
import type { RuntimeConfig } from './runtime-config';

/**
 * Wiring of the users service, apart from the tenant lifecycle's: the users group is built from it and the tenant
 * data of its own region, so its bundle carries no lifecycle, purge or migration code.
 */

/** What the users service needs of a region: its tenant clients, table, writes and read-only directory copy. */
export interface UserRegion {
  readonly region: string;
  readonly tableName: string;
  readonly db: (tenantId: string) => DynamoDBDocumentClient;
  readonly mutations: MutationExecutor;
  readonly directory: DirectoryReader;
}

/** The external services of the users service, replaceable in tests. */
export interface UserAdapters {
  readonly users: UserDirectory;
  readonly mailer: Mailer;
}

/** Cognito (or cognito-local), built at first use. */
export function userDirectoryOf(config: RuntimeConfig): UserDirectory {
  return onFirstUse(() => {
    const { CognitoIdentityProviderClient } =
      require('@aws-sdk/client-cognito-identity-provider') as typeof import('@aws-sdk/client-cognito-identity-provider');
    const { CognitoUserDirectory } = require('../users/user-directory.cognito') as typeof import('../users/user-directory.cognito');
    const endpoint = config.COGNITO_ENDPOINT ? { endpoint: config.COGNITO_ENDPOINT } : {};
    return new CognitoUserDirectory(new CognitoIdentityProviderClient({ region: config.AWS_REGION, maxAttempts: 3, ...endpoint }));
  });
}

/** The users service of a region's data. */
export function userServiceOf(config: RuntimeConfig, data: UserRegion, adapters: UserAdapters, cursors: CursorCodec, clock?: () => Date): UserService {
  return new UserService({
    members: new MemberRepository(data.db, data.tableName),
    invitations: new InvitationRepository(data.db, data.tableName),
    apiKeys: new ApiKeyRepository(data.db, data.tableName),
    mutations: data.mutations,
    users: adapters.users,
    mailer: adapters.mailer,
    directory: data.directory,
    cursors,
    region: data.region,
    regionEndpoints: config.REGION_ENDPOINTS,
    invitationTtlHours: config.INVITATION_TTL_HOURS,
    ...(config.CONSOLE_URL ? { consoleUrl: config.CONSOLE_URL } : {}),
    ...(clock ? { clock } : {}),
  });
}
