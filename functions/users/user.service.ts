import { timeOrderedId } from '../data/ids';
import {
  ConflictError,
  GoneError,
  MailNotSentError,
  NotFoundError,
  PreconditionFailedError,
  TenantMovingError,
  TenantSuspendedError,
  TenantUnavailableError,
  WrongRegionError,
} from '../core/errors';
import { DEFAULT_PAGE_SIZE, etagOf, ifMatchAccepts, type Page } from '../core/request-conventions';
import type { CursorCodec } from '../data/cursor';
import type { MutationContext, MutationResult } from '../data/mutation.context';
import type { ItemWrite, MutationExecutor, StoredResponse } from '../data/mutation.executor';
import type { AuditEvent } from '../audit/audit-chain';
import type { TenantRole } from '../core/roles';
import { quotaCounters } from '../quotas/quota.counters';
import type { DirectoryReader } from '../tenants/directory.reader';
import type { TenantAuth, TenantDirectoryEntry } from '../tenants/tenant.schema';
import { heldMove } from '../tenants/tenant-move';
import { invitationCodeMatches, newInvitationCode, parseInvitationCode } from './invitation-code';
import type { InvitationRepository } from './invitation.repository';
import type { Mailer } from './mailer';
import type { MemberRepository } from './member.repository';
import type { UserDirectory } from './user-directory';
import type { ApiKeyRepository } from '../api-keys/api-key.repository';
import type { AcceptInvitationBody, Invitation, InvitationRecord, InviteBody, Member } from './user.schema';

export interface UserServiceOptions {
  readonly members: Pick<
    MemberRepository,
    'get' | 'findByEmail' | 'list' | 'countOf' | 'joinWrites' | 'linkWrites' | 'changeRoleWrites' | 'leaveWrites' | 'heldNow'
  >;
  /** The API keys a member owns, revoked with the membership. */
  readonly apiKeys: Pick<ApiKeyRepository, 'activeOwnedBy' | 'revokeWrite'>;
  readonly invitations: Pick<InvitationRepository, 'get' | 'list' | 'createWrite' | 'acceptWrite' | 'reopenWrite' | 'revokeWrite'>;
  readonly mutations: Pick<MutationExecutor, 'execute'>;
  /** The tenant pools. */
  readonly users: UserDirectory;
  readonly mailer: Mailer;
  /** The tenant directory of this region: pool, status and home region of a tenant. */
  readonly directory: Pick<DirectoryReader, 'get'>;
  readonly cursors: CursorCodec;
  /** The region this API serves; invitations are accepted in the tenant's home region only. */
  readonly region: string;
  /** Regional API base URLs, for 421 answers and for telling a new user where to call. */
  readonly regionEndpoints: Readonly<Record<string, string>>;
  /** @default 72 */
  readonly invitationTtlHours?: number;
  /** Console URL for links in invitation mail. @default none */
  readonly consoleUrl?: string;
  /** @default the system clock */
  readonly clock?: () => Date;
  /** @default time-ordered ids */
  readonly newId?: (ms: number) => string;
}

const HOUR_MS = 3_600_000;

/**
 * API keys revoked in the removal's own transaction (DynamoDB takes 100 items; the removal needs about ten). Keys
 * beyond it are refused all the same, because a key works only while its owner is a member.
 */
const MAX_KEYS_REVOKED_WITH_MEMBER = 80;

/** An invitation as the API shows it: without the code hash, EXPIRED once a pending one has run out. */
export function presentInvitation({ codeHash: _hash, ...invitation }: InvitationRecord, now: Date): Invitation {
  const expired = invitation.status === 'PENDING' && Date.parse(invitation.expiresOn) <= now.getTime();
  return { ...invitation, status: expired ? 'EXPIRED' : invitation.status };
}

/**
 * Users and invitations of a tenant. The platform's member records (and their per-role counters) are changed
 * first, in one audited transaction that enforces the rules (one membership per email, the users quota, at least
 * one tenant-admin); the tenant's pool follows, and when the pool refuses, the records are changed back.
 */
export class UserService {
  private readonly clock: () => Date;
  private readonly newId: (ms: number) => string;

  constructor(private readonly options: UserServiceOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.newId = options.newId ?? timeOrderedId;
  }

  // -- members

  async listMembers(tenantId: string, query: { readonly limit?: number; readonly cursor?: string }): Promise<Page<Member>> {
    const binding = { tenantId, list: 'users' };
    const start = query.cursor ? this.options.cursors.decode(binding, query.cursor) : undefined;
    const page = await this.options.members.list(tenantId, query.limit ?? DEFAULT_PAGE_SIZE, start);
    const nextCursor = this.options.cursors.encode(binding, page.lastEvaluatedKey);
    return { items: page.items, ...(nextCursor ? { nextCursor } : {}) };
  }

  async getMember(tenantId: string, userId: string): Promise<Member> {
    const member = await this.options.members.get(tenantId, userId);
    if (!member) throw new NotFoundError(`user ${userId} not found`);
    return member;
  }

  /** Gives a member another role; the last tenant-admin cannot be demoted (409). */
  async changeRole(context: MutationContext, userId: string, role: TenantRole): Promise<MutationResult> {
    const { tenantId } = context;
    const member = await this.currentMember(context, userId);
    if (member.role === role) return { response: memberResponse(member), replayed: false };
    const pool = await this.poolOf(tenantId);
    const now = this.clock().toISOString();
    const changed: Member = { ...member, role, updatedAt: now, version: member.version + 1 };
    const response = memberResponse(changed);
    const outcome = await this.options.mutations.execute({
      tenantId,
      event: this.event(context, 'user.change-role', `user/${userId}`, { userId, from: member.role, to: role }),
      writes: this.options.members.changeRoleWrites(member, role, now),
      ...(context.idempotency ? { idempotency: context.idempotency, response } : {}),
    });
    if (outcome.replayed) return { response: outcome.response, replayed: true };
    const { sub } = member;
    // A member not linked to a pool user yet has no group to move; the member record alone decides its access.
    if (!sub) return { response, replayed: false };
    await this.orUndo(() => this.options.users.setRole(pool, sub, role), {
      tenantId,
      event: this.event(context, 'user.change-role.undo', `user/${userId}`, { userId, from: role, to: member.role }),
      writes: this.options.members.changeRoleWrites(changed, member.role, this.clock().toISOString()),
    });
    return { response, replayed: false };
  }

  /**
   * Ends a membership: the member record goes together with the revocation of the API keys the member owns, then
   * the pool user is revoked by its sub (disabled, out of its groups, signed out globally). When the pool fails,
   * the membership is restored and the failure answered (503): a removal is never reported done while the user
   * can still sign in. The keys stay revoked then: a revocation is final, a new key is one request away. The last
   * tenant-admin cannot be removed (409).
   */
  async removeMember(context: MutationContext, userId: string): Promise<MutationResult> {
    const { tenantId } = context;
    const member = await this.currentMember(context, userId);
    const pool = await this.poolOf(tenantId);
    const keys = await this.options.apiKeys.activeOwnedBy(tenantId, userId, MAX_KEYS_REVOKED_WITH_MEMBER);
    const at = this.clock().toISOString();
    // Under a legal hold the membership ends all the same, but the member's record is kept (as a former member's).
    const removal = { held: await this.options.members.heldNow(tenantId), at, by: context.actor };
    const response: StoredResponse = { status: 204 };
    const outcome = await this.options.mutations.execute({
      tenantId,
      event: this.event(context, 'user.remove', `user/${userId}`, {
        userId,
        email: member.email,
        role: member.role,
        revokedKeys: keys.map((key) => key.keyId),
      }),
      writes: [
        ...this.options.members.leaveWrites(member, removal),
        ...keys.map((key) => this.options.apiKeys.revokeWrite(tenantId, key.keyId, at, context.actor)),
      ],
      quotas: [{ counter: quotaCounters.users(tenantId), delta: -1 }],
      ...(context.idempotency ? { idempotency: context.idempotency, response } : {}),
    });
    if (outcome.replayed) return { response: outcome.response, replayed: true };
    const { sub } = member;
    if (!sub) return { response, replayed: false };
    await this.orUndo(() => this.options.users.revoke(pool, sub), {
      tenantId,
      event: this.event(context, 'user.remove.undo', `user/${userId}`, { userId }),
      writes: this.options.members.joinWrites({ ...member, version: 1 }),
      quotas: [{ counter: quotaCounters.users(tenantId), delta: 1 }],
    });
    return { response, replayed: false };
  }

  // -- invitations

  async listInvitations(tenantId: string, query: { readonly limit?: number; readonly cursor?: string }): Promise<Page<Invitation>> {
    const binding = { tenantId, list: 'invitations' };
    const start = query.cursor ? this.options.cursors.decode(binding, query.cursor) : undefined;
    const page = await this.options.invitations.list(tenantId, query.limit ?? DEFAULT_PAGE_SIZE, start);
    const nextCursor = this.options.cursors.encode(binding, page.lastEvaluatedKey);
    const now = this.clock();
    return { items: page.items.map((item) => presentInvitation(item, now)), ...(nextCursor ? { nextCursor } : {}) };
  }

  /**
   * Invites someone into the tenant with a role: the invitation holds the hash of a one-time code, the code goes
   * by mail to the invitee only. With an Idempotency-Key a retry neither invites nor mails twice.
   */
  async invite(context: MutationContext, body: InviteBody): Promise<MutationResult> {
    const { tenantId } = context;
    const entry = await this.tenantEntry(tenantId);
    if (!entry.auth) throw new TenantUnavailableError(`tenant ${tenantId} has no user pool yet`);
    if (await this.options.members.findByEmail(tenantId, body.email)) {
      throw new ConflictError(`${body.email} is already a member of this tenant`);
    }
    const now = this.clock();
    const invitationId = this.newId(now.getTime());
    const code = newInvitationCode(tenantId, invitationId);
    const invitation: InvitationRecord = {
      tenantId,
      invitationId,
      email: body.email,
      role: body.role,
      status: 'PENDING',
      codeHash: code.codeHash,
      createdAt: now.toISOString(),
      createdBy: context.actor,
      expiresOn: new Date(now.getTime() + (this.options.invitationTtlHours ?? 72) * HOUR_MS).toISOString(),
    };
    const response: StoredResponse = {
      status: 201,
      body: presentInvitation(invitation, now),
      headers: { location: `/v1/tenants/${tenantId}/invitations/${invitationId}` },
    };
    const outcome = await this.options.mutations.execute({
      tenantId,
      event: this.event(context, 'invitation.create', `invitation/${invitationId}`, { invitationId, email: body.email, role: body.role }),
      writes: [this.options.invitations.createWrite(invitation)],
      ...(context.idempotency ? { idempotency: context.idempotency, response } : {}),
    });
    if (outcome.replayed) return { response: outcome.response, replayed: true };
    await this.orUndo(() => this.mailInvitation(entry, invitation, code.code), {
      tenantId,
      event: this.event(context, 'invitation.revoke', `invitation/${invitationId}`, { invitationId, reason: 'mail failed' }),
      writes: [this.options.invitations.revokeWrite(tenantId, invitationId, this.clock().toISOString())],
    });
    return { response, replayed: false };
  }

  async revokeInvitation(context: MutationContext, invitationId: string): Promise<MutationResult> {
    const { tenantId } = context;
    const invitation = await this.options.invitations.get(tenantId, invitationId);
    if (!invitation) throw new NotFoundError(`invitation ${invitationId} not found`);
    const response: StoredResponse = { status: 204 };
    if (invitation.status === 'REVOKED') return { response, replayed: false };
    const outcome = await this.options.mutations.execute({
      tenantId,
      event: this.event(context, 'invitation.revoke', `invitation/${invitationId}`, { invitationId }),
      writes: [this.options.invitations.revokeWrite(tenantId, invitationId, this.clock().toISOString())],
      ...(context.idempotency ? { idempotency: context.idempotency, response } : {}),
    });
    return outcome.replayed ? { response: outcome.response, replayed: true } : { response, replayed: false };
  }

  /**
   * Accepts an invitation: the code names its tenant and invitation, so the user is made in exactly that tenant's
   * pool (from the directory), with the invitation's role, and nowhere else. A code that opens nothing is a 404
   * whatever the reason (unknown tenant, unknown invitation, wrong secret); a used, revoked or expired one a 410.
   */
  async accept(body: AcceptInvitationBody, requestId: string) {
    const parsed = parseInvitationCode(body.code);
    if (!parsed) throw new NotFoundError('no invitation has this code');
    const { tenantId, invitationId } = parsed;
    const entry = await this.options.directory.get(tenantId);
    if (!entry || entry.status === 'DELETED') throw new NotFoundError('no invitation has this code');
    if (entry.region !== this.options.region) {
      throw new WrongRegionError(`invitations of this tenant are accepted in ${entry.region}`, entry.region, this.options.regionEndpoints[entry.region]);
    }
    const invitation = await this.options.invitations.get(tenantId, invitationId);
    if (!invitation || invitation.tenantId !== tenantId || !invitationCodeMatches(body.code, invitation.codeHash)) {
      throw new NotFoundError('no invitation has this code');
    }
    const now = this.clock();
    if (invitation.status !== 'PENDING' || Date.parse(invitation.expiresOn) <= now.getTime()) {
      throw new GoneError('the invitation has been used, revoked or has expired');
    }
    const move = heldMove(entry);
    if (move) throw new TenantMovingError(`tenant ${tenantId} is moving to ${move.to}: accept the invitation once it has moved`, move.to);
    if (entry.status === 'SUSPENDED') throw new TenantSuspendedError(`tenant ${tenantId} is suspended`);
    if (entry.status !== 'ACTIVE' || !entry.auth) throw new TenantUnavailableError(`tenant ${tenantId} cannot take new users now`);
    const pool = entry.auth;

    const at = now.toISOString();
    const member: Member = {
      tenantId,
      userId: this.newId(now.getTime()),
      email: invitation.email,
      role: invitation.role,
      createdAt: at,
      updatedAt: at,
      invitationId,
      version: 1,
    };
    const context = { actor: `user:${member.userId}`, requestId };
    await this.options.mutations.execute({
      tenantId,
      event: this.event(context, 'invitation.accept', `user/${member.userId}`, { invitationId, userId: member.userId, email: member.email, role: member.role }),
      writes: [this.options.invitations.acceptWrite(invitation, member.userId, at), ...this.options.members.joinWrites(member)],
      quotas: [{ counter: quotaCounters.users(tenantId), delta: 1 }],
    });
    await this.orUndo(
      async () => {
        const { sub } = await this.options.users.enrol(pool, { email: member.email, password: body.password, role: member.role, tenantId });
        await this.options.mutations.execute({
          tenantId,
          event: this.event(context, 'user.link', `user/${member.userId}`, { userId: member.userId, sub }),
          writes: this.options.members.linkWrites(member, sub),
        });
      },
      {
        tenantId,
        event: this.event(context, 'invitation.accept.undo', `user/${member.userId}`, { invitationId, userId: member.userId }),
        writes: [this.options.invitations.reopenWrite({ ...invitation, status: 'ACCEPTED' }), ...this.options.members.leaveWrites(member)],
        quotas: [{ counter: quotaCounters.users(tenantId), delta: -1 }],
      },
    );
    return { tenantId, userId: member.userId, email: member.email, role: member.role, apiUrl: this.options.regionEndpoints[entry.region], auth: loginOf(pool) };
  }

  // -- helpers

  private async currentMember(context: MutationContext, userId: string): Promise<Member> {
    const member = await this.getMember(context.tenantId, userId);
    if (!ifMatchAccepts(context.ifMatch, member.version)) {
      throw new PreconditionFailedError(`user ${userId} is at version ${member.version}`);
    }
    return member;
  }

  private async tenantEntry(tenantId: string): Promise<TenantDirectoryEntry> {
    const entry = await this.options.directory.get(tenantId);
    if (!entry) throw new NotFoundError(`tenant ${tenantId} not found`);
    return entry;
  }

  private async poolOf(tenantId: string): Promise<TenantAuth> {
    const entry = await this.tenantEntry(tenantId);
    if (!entry.auth) throw new TenantUnavailableError(`tenant ${tenantId} has no user pool yet`);
    return entry.auth;
  }

  private event(context: { readonly actor: string; readonly requestId: string }, action: string, target: string, change: unknown): AuditEvent {
    return { actor: context.actor, action, target, requestId: context.requestId, change };
  }

  /** Runs the pool's side of a change; when it fails, writes the undo mutation and rethrows the failure. */
  private async orUndo(
    work: () => Promise<void>,
    undo: { tenantId: string; event: AuditEvent; writes: ItemWrite[]; quotas?: Parameters<MutationExecutor['execute']>[0]['quotas'] },
  ): Promise<void> {
    try {
      await work();
    } catch (error) {
      await this.options.mutations.execute(undo);
      throw error;
    }
  }

  /** Sends an invitation; a failure is the caller's to hear of (MailNotSentError), never only a log line. */
  private async mailInvitation(entry: TenantDirectoryEntry, invitation: InvitationRecord, code: string): Promise<void> {
    try {
      await this.options.mailer.send(this.invitationMail(entry, invitation, code));
    } catch (error) {
      throw new MailNotSentError(
        `the invitation mail to ${invitation.email} could not be sent, so invitation ${invitation.invitationId} was revoked; retry later, and if it persists ask the platform operator to check the mail sender`,
        { invitationId: invitation.invitationId },
        { cause: error },
      );
    }
  }

  private invitationMail(entry: TenantDirectoryEntry, invitation: InvitationRecord, code: string) {
    const tenantName = entry.branding.displayName ?? entry.slug;
    const link = this.options.consoleUrl ? `${this.options.consoleUrl.replace(/\/$/, '')}/#/accept?code=${encodeURIComponent(code)}` : undefined;
    return {
      to: invitation.email,
      subject: `You are invited to ${tenantName}`,
      text: [
        `You have been invited to ${tenantName} as ${invitation.role}.`,
        '',
        link ? `Accept the invitation: ${link}` : 'Accept the invitation with this code:',
        link ? `or with this code: ${code}` : code,
        '',
        `The invitation expires on ${invitation.expiresOn}.`,
      ].join('\n'),
      data: { kind: 'invitation', tenantId: invitation.tenantId, invitationId: invitation.invitationId, role: invitation.role, code },
    };
  }
}

function memberResponse(member: Member): StoredResponse {
  return { status: 200, body: member, headers: { etag: etagOf(member.version) } };
}

function loginOf(auth: TenantAuth) {
  return {
    userPoolId: auth.userPoolId,
    clientId: auth.clientId,
    issuer: auth.issuer,
    ...(auth.hostedUiUrl ? { hostedUiUrl: auth.hostedUiUrl } : {}),
    ...(auth.cognitoEndpoint ? { cognitoEndpoint: auth.cognitoEndpoint } : {}),
  };
}
