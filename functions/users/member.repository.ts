import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { attributeAbove, attributeAbsent, conditionOf, itemAbsent, itemExists, versionIs } from '../data/conditions';
import { updateOf } from '../data/updates';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../core/errors';
import { getItem, queryPartition } from '../data/item-reads';
import { keys } from '../data/keys';
import type { ItemWrite } from '../data/mutation.executor';
import type { TenantRole } from '../core/roles';
import { memberSchema, type Member } from './user.schema';

const COUNT = 'count';

/** The role whose last holder cannot leave it. */
export const GUARDED_ROLE: TenantRole = 'tenant-admin';

export class LastAdminError extends ConflictError {}

const lastAdmin = () => new LastAdminError('the last tenant-admin cannot be removed or demoted: make another member tenant-admin first');

/**
 * Members of a tenant with the items that keep them consistent: one email item per member (a person joins a
 * tenant once) and a counter per role, changed in the member's own transaction. Decrementing the tenant-admin
 * counter is conditional on another admin remaining, so under any concurrency a tenant keeps at least one admin.
 */
export class MemberRepository {
  constructor(
    private readonly db: (tenantId: string) => DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(tenantId: string, userId: string): Promise<Member | undefined> {
    return getItem(this.db(tenantId), this.tableName, keys.user(tenantId, userId), memberSchema);
  }

  /** The member with this email, if any. */
  async findByEmail(tenantId: string, email: string): Promise<Member | undefined> {
    const { Item } = await this.db(tenantId).send(new GetCommand({ TableName: this.tableName, Key: keys.userEmail(tenantId, email), ConsistentRead: true }));
    return Item ? this.get(tenantId, String(Item.userId)) : undefined;
  }

  /** The member linked to this pool user, if any: the one record that decides what the user may do. */
  async findBySub(tenantId: string, sub: string): Promise<Member | undefined> {
    const { Item } = await this.db(tenantId).send(new GetCommand({ TableName: this.tableName, Key: keys.userSub(tenantId, sub), ConsistentRead: true }));
    return Item ? this.get(tenantId, String(Item.userId)) : undefined;
  }

  /** A page of members in joining order. */
  async list(tenantId: string, limit: number, exclusiveStartKey?: Record<string, unknown>) {
    return queryPartition(this.db(tenantId), this.tableName, keys.userPartition(tenantId), memberSchema, limit, exclusiveStartKey);
  }

  /** How many members hold a role. */
  async countOf(tenantId: string, role: TenantRole): Promise<number> {
    const { Item } = await this.db(tenantId).send(
      new GetCommand({ TableName: this.tableName, Key: keys.userRoleCounter(tenantId, role), ConsistentRead: true }),
    );
    return typeof Item?.[COUNT] === 'number' ? Item[COUNT] : 0;
  }

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
  leaveWrites(member: Member): ItemWrite[] {
    return [
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

  private roleCount(tenantId: string, role: TenantRole, delta: 1 | -1): ItemWrite {
    const guarded = delta < 0 && role === GUARDED_ROLE;
    return {
      update: {
        Key: keys.userRoleCounter(tenantId, role),
        ...updateOf({ add: { [COUNT]: delta } }, ...(guarded ? [attributeAbove(COUNT, 1)] : [])),
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
    { ...keys.userRoleCounter(valid.tenantId, valid.role), [COUNT]: 1 },
    { ...usersCounterKey, [COUNT]: 1 },
  ];
}
