import type { MutationExecutor } from '../data/mutation.executor';
import type { TenantAuth } from '../tenants/tenant.schema';
import type { MemberRepository } from '../users/member.repository';
import type { PoolUser, PoolUsers } from '../users/pool-users';
import type { Member } from '../users/user.schema';

/** One end of a pool move: a tenant pool and the users API of its region. */
export interface PoolEnd {
  readonly pool: TenantAuth;
  readonly users: PoolUsers;
}

export interface PoolMoveRequest {
  readonly tenantId: string;
  readonly from: PoolEnd;
  readonly to: PoolEnd;
  /** The tenant's members in the target region's table (the import brought them, linked to the old pool's users). */
  readonly members: Pick<MemberRepository, 'findBySub' | 'relinkWrites'>;
  readonly executor: Pick<MutationExecutor, 'execute'>;
  readonly actor: string;
  readonly requestId: string;
}

/**
 * Moves a tenant's users from its pool in the source region to its pool in the target region, so no sign-in data of
 * the tenant stays behind: each member's pool user is copied (email, tenant, state, the group of the member's role;
 * its password to be reset, as Cognito never gives one out) and its member record linked to the copy's sub, audited;
 * a federated user is not copied (the target pool makes it at its next sign-in through the identity provider) and its
 * member is unlinked, to be linked again by email then. Each user leaves the old pool once its member is linked to the target's.
 * Repeatable: a member already moved is found by neither of the old pool's subs, and its old user is deleted again.
 */
export async function movePoolUsers(request: PoolMoveRequest): Promise<void> {
  const { from } = request;
  // Listed first: deleting users while paging through them could skip some.
  const users: PoolUser[] = [];
  for await (const user of from.users.list(from.pool)) users.push(user);
  // A few users at a time (each is several calls to the pools' API): a worker stops taking users once one failed,
  // and every worker ends before the failure is reported, so nothing of this run goes on behind a resumed one.
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < users.length) {
      const user = users[next++];
      try {
        await moveUser(request, user);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const outcomes = await Promise.allSettled(Array.from({ length: Math.min(MOVES_IN_FLIGHT, users.length) }, worker));
  const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure) throw failure.reason;
}

/** Users moved at once: within the pools' API rate quotas, several times faster than one at a time. */
const MOVES_IN_FLIGHT = 4;

/**
 * Moves one user of the old pool: a member's is copied (or unlinked, when federated) and relinked; one that is no
 * member (removed, left disabled) is not carried. Either way it leaves the old pool.
 */
async function moveUser(request: PoolMoveRequest, user: PoolUser): Promise<void> {
  const { tenantId, from, members } = request;
  const member = await members.findBySub(tenantId, user.sub);
  if (member) await relink(request, user, member);
  await from.users.remove(from.pool, user.sub);
}

/** The member's copy in the target pool (none for a federated user), and the member linked to it, audited. */
async function relink(request: PoolMoveRequest, user: PoolUser, member: Member): Promise<void> {
  const { tenantId, from, to, members } = request;
  const sub = user.federated ? undefined : (await to.users.copy(to.pool, user, tenantId, member.role)).sub;
  await request.executor.execute({
    tenantId,
    event: {
      actor: request.actor,
      action: 'user.pool-moved',
      target: `user/${member.userId}`,
      requestId: request.requestId,
      change: { from: from.pool.userPoolId, to: to.pool.userPoolId, ...(sub ? {} : { federated: true }) },
    },
    writes: members.relinkWrites(member, sub),
  });
}
