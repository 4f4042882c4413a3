import { ConflictError } from '../core/errors';
import type { MutationExecutor } from '../data/mutation.executor';
import { timeOrderedId } from '../data/ids';
import { TENANT_ROLES, type TenantRole } from '../core/roles';
import { quotaCounters } from '../quotas/quota.counters';
import type { SsoRoleMapping } from '../tenants/sso-role-mapping.schema';
import type { MemberRepository } from './member.repository';
import type { Member } from './member.schema';

const HOUR_MS = 3_600_000;

/** A session the pool must not extend: the pre-token trigger throws it and Cognito refuses the tokens. */
export class SsoSessionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SsoSessionError';
  }
}

/** A user signing in through one of the tenant's identity providers, as the pool knows it. */
export interface FederatedUser {
  readonly sub: string;
  readonly email: string;
  /** The IdP groups the pool mapped into the role mapping's attribute. */
  readonly groups: readonly string[];
}

/** The role of an SSO user: the first mapped role of its groups in the order of TENANT_ROLES, else the default. */
export function roleOf(mapping: SsoRoleMapping, groups: readonly string[]): TenantRole {
  const mapped = new Set(groups.map((group) => mapping.groups[group]).filter((role): role is TenantRole => role !== undefined));
  return TENANT_ROLES.find((role) => mapped.has(role)) ?? mapping.default;
}

/** Reads a multi-valued pool attribute as Cognito stores it from an IdP: `[a, b]`, or a comma-separated list. */
export function groupsOf(attribute: string | undefined): string[] {
  if (!attribute) return [];
  return attribute
    .replace(/^\[|\]$/g, '')
    .split(',')
    .map((group) => group.trim())
    .filter((group) => group.length > 0);
}

/** An SSO member's session may be refreshed for this long after its last sign-in at the identity provider. */
export const DEFAULT_SSO_SESSION_HOURS = 12;

export interface SsoMembershipOptions {
  readonly members: Pick<MemberRepository, 'findBySub' | 'findByEmail' | 'joinWrites' | 'linkWrites' | 'idpSignInWrite'>;
  readonly mutations: Pick<MutationExecutor, 'execute'>;
  readonly mapping: SsoRoleMapping;
  /** @default DEFAULT_SSO_SESSION_HOURS */
  readonly sessionHours?: number;
  /** @default the system clock */
  readonly clock?: () => Date;
  /** @default time-ordered ids */
  readonly newId?: (ms: number) => string;
}

/**
 * Just-in-time membership of SSO users: on a sign-in through the tenant's IdP, a user who is no member yet becomes
 * one, linked to its pool user by sub, with the role its IdP groups map to; the join is audited and counted against
 * the users quota in one transaction. From then on the member record decides, as for invited users: a tenant admin
 * changes or removes it through the API. A join the rules refuse (users quota, the email is already an invited
 * member) throws, and the pool refuses the sign-in.
 *
 * The identity provider stays the judge of who may sign in: each sign-in through it is recorded on the member,
 * and refreshing a session needs one within the last `sessionHours`. A user the IdP disables or deletes therefore
 * loses access within that bound plus a token's hour, without any call from the IdP; a member removed through the
 * API loses it at once, as every member does.
 */
export class SsoMembershipService {
  private readonly clock: () => Date;
  private readonly newId: (ms: number) => string;

  constructor(private readonly options: SsoMembershipOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.newId = options.newId ?? timeOrderedId;
  }

  /** A sign-in through the identity provider: the member (made on the first one), with the sign-in recorded. */
  async signIn(tenantId: string, user: FederatedUser, requestId: string): Promise<Member> {
    const member = await this.join(tenantId, user, requestId);
    const at = this.clock().toISOString();
    await this.options.mutations.execute({
      tenantId,
      event: { actor: `user:${user.sub}`, action: 'user.sign-in-sso', target: `user/${member.userId}`, requestId, change: { userId: member.userId } },
      writes: [this.options.members.idpSignInWrite(member, at)],
    });
    return { ...member, idpSignInAt: at };
  }

  /** A session refresh: allowed to a member who signed in through the identity provider recently enough. */
  async refresh(tenantId: string, sub: string): Promise<Member> {
    const member = await this.options.members.findBySub(tenantId, sub);
    if (!member) throw new SsoSessionError('the user is no member of the tenant');
    const hours = this.options.sessionHours ?? DEFAULT_SSO_SESSION_HOURS;
    const last = member.idpSignInAt ? Date.parse(member.idpSignInAt) : Number.NEGATIVE_INFINITY;
    if (this.clock().getTime() - last > hours * HOUR_MS) throw new SsoSessionError(`sign in through the identity provider again (sessions last ${hours} h)`);
    return member;
  }

  /** The user's member record, made on its first sign-in. */
  async join(tenantId: string, user: FederatedUser, requestId: string): Promise<Member> {
    const existing = await this.options.members.findBySub(tenantId, user.sub);
    if (existing) return existing;
    const moved = await this.relink(tenantId, user, requestId);
    if (moved) return moved;
    const now = this.clock();
    const at = now.toISOString();
    const member: Member = {
      tenantId,
      userId: this.newId(now.getTime()),
      email: user.email.toLowerCase(),
      role: roleOf(this.options.mapping, user.groups),
      sub: user.sub,
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
    try {
      await this.options.mutations.execute({
        tenantId,
        event: {
          actor: `user:${user.sub}`,
          action: 'user.join-sso',
          target: `user/${member.userId}`,
          requestId,
          change: { userId: member.userId, email: member.email, role: member.role },
        },
        writes: this.options.members.joinWrites(member),
        quotas: [{ counter: quotaCounters.users(tenantId), delta: 1 }],
      });
      return member;
    } catch (error) {
      // A concurrent first sign-in of the same user joined (or linked) it first.
      const joined = error instanceof ConflictError ? await this.options.members.findBySub(tenantId, user.sub) : undefined;
      if (joined) return joined;
      throw error;
    }
  }

  /**
   * An SSO member whose tenant moved to another region: the move could not copy its federated pool user (the target's
   * pool makes its own at the first sign-in through the identity provider) and unlinked the member, which keeps its
   * role and its last IdP sign-in. That sign-in links it again, by its email: only a member that signed in through an
   * identity provider before (an invited member never has) and is linked to no pool user now.
   */
  private async relink(tenantId: string, user: FederatedUser, requestId: string): Promise<Member | undefined> {
    const member = await this.options.members.findByEmail(tenantId, user.email.toLowerCase());
    if (!member || member.sub !== undefined || member.idpSignInAt === undefined) return undefined;
    try {
      await this.options.mutations.execute({
        tenantId,
        event: { actor: `user:${user.sub}`, action: 'user.link', target: `user/${member.userId}`, requestId, change: { userId: member.userId, sub: user.sub } },
        writes: this.options.members.linkWrites(member, user.sub),
      });
    } catch (error) {
      const linked = await this.options.members.findBySub(tenantId, user.sub);
      if (linked) return linked;
      throw error;
    }
    return { ...member, sub: user.sub, version: member.version + 1 };
  }
}
