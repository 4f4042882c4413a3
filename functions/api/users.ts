import type { RuntimeConfig } from './runtime-config';
import { createGroupHandler, type TenantGate } from '../core/http';
import type { Logger } from '../core/logger';
import { etagOf } from '../core/request-conventions';
import { mutationContextOf, toOperationResult } from '../data/mutation.context';
import { USER_ROUTES } from '../users/user.routes';
import type { RequestFor } from '../routes';
import type { UserService } from '../users/user.service';
import { createResourceDependencies, isolationOf, lazyHandler, tenantSignalsOf } from './dependencies';
import { mailerOf } from './mailer.dependencies';
import { userDirectoryOf, userServiceOf } from './users.dependencies';
import { DirectoryReader } from '../tenants/directory.reader';
import type { RequestTelemetryPorts } from '../core/request-telemetry.middleware';

export interface UsersDependencies {
  readonly logger: Logger;
  /** Tier lookup and cost attribution of the request metrics. @default tier unknown, no cost attribution */
  readonly telemetry?: RequestTelemetryPorts;
  readonly tenantGate: TenantGate;
  readonly users: Pick<UserService, 'listMembers' | 'getMember' | 'changeRole' | 'removeMember' | 'listInvitations' | 'invite' | 'revokeInvitation' | 'accept'>;
}

function defaultDependencies(config: RuntimeConfig): UsersDependencies {
  const { logger, telemetry, tenantGate, tableName, db, executor, cursors } = createResourceDependencies(config, 'users');
  // Invitations name the tenant's slug and home region: read from this region's directory copy, read-only.
  const directory = new DirectoryReader(isolationOf(config).directoryDb(), tableName);
  const region = { region: config.AWS_REGION, tableName, db, mutations: executor, directory };
  const users = userServiceOf(config, region, { users: userDirectoryOf(config), mailer: mailerOf(config) }, cursors);
  return { logger, ...(telemetry ? { telemetry } : {}), tenantGate, users };
}

/** Users and invitations of a tenant (tenant-admins), and accepting an invitation (public, by its code). */
export function createHandler(config: RuntimeConfig, deps: UsersDependencies = defaultDependencies(config)) {
  const { users } = deps;
  return createGroupHandler({
    tenantSignals: tenantSignalsOf(config),
    logger: deps.logger,
    ...(deps.telemetry ? { telemetry: deps.telemetry } : {}),
    routes: USER_ROUTES,
    tenantGate: deps.tenantGate,
    operations: {
      listUsers: async ({ path, query }: RequestFor<'listUsers'>) => ({ body: await users.listMembers(path.tenantId, query) }),
      getUser: async ({ path }: RequestFor<'getUser'>) => {
        const member = await users.getMember(path.tenantId, path.userId);
        return { body: member, headers: { etag: etagOf(member.version) } };
      },
      changeUserRole: async (request: RequestFor<'changeUserRole'>) =>
        toOperationResult(await users.changeRole(mutationContextOf(request), request.path.userId, request.body.role)),
      removeUser: async (request: RequestFor<'removeUser'>) => toOperationResult(await users.removeMember(mutationContextOf(request), request.path.userId)),
      listInvitations: async ({ path, query }: RequestFor<'listInvitations'>) => ({ body: await users.listInvitations(path.tenantId, query) }),
      createInvitation: async (request: RequestFor<'createInvitation'>) => toOperationResult(await users.invite(mutationContextOf(request), request.body)),
      revokeInvitation: async (request: RequestFor<'revokeInvitation'>) =>
        toOperationResult(await users.revokeInvitation(mutationContextOf(request), request.path.invitationId)),
      acceptInvitation: async ({ body, requestId }: RequestFor<'acceptInvitation'>) => {
        const accepted = await users.accept(body, requestId);
        return { status: 201, body: accepted, headers: { location: `/v1/tenants/${accepted.tenantId}/users/${accepted.userId}` } };
      },
    },
  });
}

export const handler = lazyHandler(createHandler);
