import type { SsoRoleMapping } from '../tenants/sso-role-mapping.schema';
import { MemberRepository } from '../users/member.repository';
import { SsoMembershipService } from '../users/sso-membership.service';
import { createTenantWrites } from './dependencies';
import { parseRuntimeConfig } from './runtime-config';

/**
 * Wiring of the pre-token trigger's SSO membership: the runtime config, the tenant's data clients and the mutation
 * executor. The trigger loads it at its first federated sign-in (sso-membership.loader.ts), and the Lambda bundle
 * carries it as a file of its own beside `index.js` (lib/function-bundling.ts), so a container that only issues tokens
 * to the pool's own users never loads the AWS SDK's clients or parses the runtime config.
 */
export function ssoMembershipOf(mapping: SsoRoleMapping, env: NodeJS.ProcessEnv = process.env): SsoMembershipService {
  const config = parseRuntimeConfig(env);
  const { db, executor } = createTenantWrites(config);
  const sessionHours = env.SSO_SESSION_HOURS ? Number(env.SSO_SESSION_HOURS) : undefined;
  return new SsoMembershipService({
    members: new MemberRepository(db, config.TABLE_NAME),
    mutations: executor,
    mapping,
    ...(sessionHours ? { sessionHours } : {}),
  });
}
