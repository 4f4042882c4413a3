import { attributeAbove, attributeAbsent, conditionOf, itemAbsent, itemExists, versionIs } from '../data/conditions';
import { updateOf } from '../data/updates';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../core/errors';
import * as keys from '../data/table-keys';
import type { ItemWrite } from '../data/mutation.executor';
import type { TenantRole } from '../core/roles';
import { memberSchema, type Member } from './member.schema';
import { MemberReader, ROLE_COUNT } from './member.reader';
import { readComplianceSettings } from '../portability/compliance-settings';

/** The role whose last holder cannot leave it. */
export const GUARDED_ROLE: TenantRole = 'tenant-admin';

export class LastAdminError extends ConflictError {
  override readonly name: string = 'LastAdminError';
}

/** The attribute of the compliance settings that holds a legal hold. */
const LEGAL_HOLD = 'legalHold';

/** A removal of a member (not the undo of a join): who removed it and when, and whether a legal hold was on. */
export interface MemberRemoval {
  readonly held: boolean;
  readonly at: string;
  readonly by: string;
}

const lastAdmin = () => new LastAdminError('the last tenant-admin cannot be removed or demoted: make another member tenant-admin first');

/**
 * Members of a tenant with the items that keep them consistent: one email item per member (a person joins a
 * tenant once) and a counter per role, changed in the member's own transaction. Decrementing the tenant-admin
 * counter is conditional on another admin remaining, so under any concurrency a tenant keeps at least one admin.
 */
export class MemberRepository extends MemberReader {
  /** The writes that make someone a member (linked to its pool user when the member has a sub already). */
  joinWrites(member: Member): ItemWrite[] {
    const valid = memberSchema.parse(member);
    return [
      ...(valid.sub
        ? [
            {
              put: { Item: { ...keys.userSub(valid.tenantId, valid.sub), userId: valid.userId }, ...conditionOf(itemAbsent) },
              onConditionFailed: () => new ConflictError('this pool user is already a member of the tenant'),
            },
          ]
        : []),
      {
        put: { Item: { ...keys.user(valid.tenantId, valid.userId), ...valid }, ...conditionOf(itemAbsent) },
        onConditionFailed: () => new ConflictError(`user ${valid.userId} exists`),
      },
      {
        put: {
          Item: { ...keys.userEmail(valid.tenantId, valid.email), userId: valid.userId },
          ...conditionOf(itemAbsent),
        },
        onConditionFailed: () => new ConflictError(`${valid.email} is already a member of this tenant`),
      },
      this.roleCount(valid.tenantId, valid.role, +1),
    ];
  }

  /** The writes that link a member (at `version`) to its pool user, once: a sub names one member at most. */
  linkWrites(member: Member, sub: string): ItemWrite[] {
    return [
      {
        update: {
          Key: keys.user(member.tenantId, member.userId),
          ...updateOf({ set: { sub }, increment: { version: 1 } }, versionIs(member.version), attributeAbsent('sub')),
        },
        onConditionFailed: (current) =>
          current ? new PreconditionFailedError(`user ${member.userId} changed meanwhile`) : new NotFoundError(`user ${member.userId} not found`),
      },
      {
        put: {
          Item: { ...keys.userSub(member.tenantId, sub), userId: member.userId },
          ...conditionOf(itemAbsent),
        },
        onConditionFailed: () => new ConflictError('this pool user is already a member of the tenant'),
      },
    ];
  }

  /**
   * The writes that move a member (at `version`) from its pool user to another (its copy in the tenant's pool of
   * another region), or unlink it (`sub` undefined: a federated user, linked again at its next sign-in there).
   */
  relinkWrites(member: Member, sub: string | undefined): ItemWrite[] {
    const changed = () => new PreconditionFailedError(`user ${member.userId} changed meanwhile`);
    return [
      {
        update: {
          Key: keys.user(member.tenantId, member.userId),
          ...updateOf({ ...(sub ? { set: { sub } } : { remove: ['sub'] }), increment: { version: 1 } }, versionIs(member.version)),
        },
        onConditionFailed: changed,
      },
      ...(member.sub ? [{ delete: { Key: keys.userSub(member.tenantId, member.sub) } }] : []),
      ...(sub
        ? [
            {
              put: { Item: { ...keys.userSub(member.tenantId, sub), userId: member.userId }, ...conditionOf(itemAbsent) },
              onConditionFailed: () => new ConflictError('this pool user is already a member of the tenant'),
            },
          ]
        : []),
    ];
  }

  /** The write that records a member's sign-in through the tenant's identity provider. */
  idpSignInWrite(member: Member, at: string): ItemWrite {
    return {
      update: {
        Key: keys.user(member.tenantId, member.userId),
        ...updateOf({ set: { idpSignInAt: at } }, itemExists),
      },
      onConditionFailed: () => new NotFoundError(`user ${member.userId} not found`),
    };
  }

  /** The writes that move a member (at `version`) to another role. */
  changeRoleWrites(member: Member, role: TenantRole, updatedAt: string): ItemWrite[] {
    return [
      {
        update: {
          Key: keys.user(member.tenantId, member.userId),
          ...updateOf({ set: { role, updatedAt }, increment: { version: 1 } }, versionIs(member.version)),
        },
        onConditionFailed: (current) =>
          current ? new PreconditionFailedError(`user ${member.userId} changed meanwhile`) : new NotFoundError(`user ${member.userId} not found`),
      },
      this.roleCount(member.tenantId, member.role, -1),
      this.roleCount(member.tenantId, role, +1),
    ];
  }

  /** The writes that end a membership (of the member at `version`). */
  /**
   * The writes that end a membership. A removal (`removal` given) is checked against the tenant's legal hold in the
   * same transaction: while one is on, the member's record is kept as a former member's; when none is, the
   * transaction holds only if none was placed meanwhile.
   */
  leaveWrites(member: Member, removal?: MemberRemoval): ItemWrite[] {
    return [
      ...(removal ? [this.holdWrite(member, removal)] : []),
      {
        delete: {
          Key: keys.user(member.tenantId, member.userId),
          ...conditionOf(versionIs(member.version)),
        },
        onConditionFailed: (current) =>
          current ? new PreconditionFailedError(`user ${member.userId} changed meanwhile`) : new NotFoundError(`user ${member.userId} not found`),
      },
      { delete: { Key: keys.userEmail(member.tenantId, member.email) } },
      ...(member.sub ? [{ delete: { Key: keys.userSub(member.tenantId, member.sub) } }] : []),
      this.roleCount(member.tenantId, member.role, -1),
    ];
  }

  /** Whether the tenant is under a legal hold now (its compliance settings). */
  async heldNow(tenantId: string): Promise<boolean> {
    return (await readComplianceSettings(this.db(tenantId), this.tableName, tenantId))?.legalHold !== undefined;
  }

  private holdWrite(member: Member, removal: MemberRemoval): ItemWrite {
    const { tenantId } = member;
    if (removal.held) {
      const Item = { ...keys.formerMember(tenantId, member.userId), ...member, removedAt: removal.at, removedBy: removal.by };
      return { put: { Item } };
    }
    return {
      check: { Key: keys.complianceSettings(tenantId), ...conditionOf(attributeAbsent(LEGAL_HOLD)) },
      onConditionFailed: () => new ConflictError(`a legal hold was placed on tenant ${tenantId} meanwhile; retry`),
    };
  }

  private roleCount(tenantId: string, role: TenantRole, delta: 1 | -1): ItemWrite {
    const guarded = delta < 0 && role === GUARDED_ROLE;
    return {
      update: {
        Key: keys.userRoleCounter(tenantId, role),
        ...updateOf({ add: { [ROLE_COUNT]: delta } }, ...(guarded ? [attributeAbove(ROLE_COUNT, 1)] : [])),
      },
      ...(guarded ? { onConditionFailed: lastAdmin } : {}),
    };
  }
}

/**
 * The items of a tenant's first admin, made by provisioning outside any request (no audit entry, no quota check):
 * the member, its email and sub items, the tenant-admin count and the users quota count.
 */
export function firstAdminItems(member: Member, usersCounterKey: { readonly pk: string; readonly sk: string }): Record<string, unknown>[] {
  const valid = memberSchema.parse(member);
  return [
    { ...keys.user(valid.tenantId, valid.userId), ...valid },
    { ...keys.userEmail(valid.tenantId, valid.email), userId: valid.userId },
    ...(valid.sub ? [{ ...keys.userSub(valid.tenantId, valid.sub), userId: valid.userId }] : []),
    { ...keys.userRoleCounter(valid.tenantId, valid.role), [ROLE_COUNT]: 1 },
    { ...usersCounterKey, [ROLE_COUNT]: 1 },
  ];
}
