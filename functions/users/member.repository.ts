import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../core/errors';
import { getItem, queryPartition } from '../data/item-reads';
import { keys } from '../data/keys';
import type { ItemWrite } from '../data/mutation.executor';
import { TABLE_SCHEMA } from '../data/table.schema';
import type { TenantRole } from '../identity/roles';
import { memberSchema, type Member } from './user.schema';

const PK = TABLE_SCHEMA.partitionKey;
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
              put: { Item: { ...keys.userSub(valid.tenantId, valid.sub), userId: valid.userId }, ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } },
              onConditionFailed: () => new ConflictError('this pool user is already a member of the tenant'),
            },
          ]
        : []),
      {
        put: { Item: { ...keys.user(valid.tenantId, valid.userId), ...valid }, ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } },
        onConditionFailed: () => new ConflictError(`user ${valid.userId} exists`),
      },
      {
        put: {
          Item: { ...keys.userEmail(valid.tenantId, valid.email), userId: valid.userId },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
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
          UpdateExpression: 'SET #sub = :sub, #version = #version + :one',
          ConditionExpression: '#version = :version AND attribute_not_exists(#sub)',
          ExpressionAttributeNames: { '#sub': 'sub', '#version': 'version' },
          ExpressionAttributeValues: { ':sub': sub, ':one': 1, ':version': member.version },
        },
        onConditionFailed: (current) =>
          current ? new PreconditionFailedError(`user ${member.userId} changed meanwhile`) : new NotFoundError(`user ${member.userId} not found`),
      },
      {
        put: {
          Item: { ...keys.userSub(member.tenantId, sub), userId: member.userId },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
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
        UpdateExpression: 'SET #at = :at',
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#at': 'idpSignInAt', '#pk': PK },
        ExpressionAttributeValues: { ':at': at },
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
          UpdateExpression: 'SET #role = :role, #updatedAt = :at, #version = #version + :one',
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: { '#role': 'role', '#updatedAt': 'updatedAt', '#version': 'version' },
          ExpressionAttributeValues: { ':role': role, ':at': updatedAt, ':one': 1, ':version': member.version },
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
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':version': member.version },
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
        UpdateExpression: 'ADD #count :delta',
        ...(guarded ? { ConditionExpression: '#count > :one' } : {}),
        ExpressionAttributeNames: { '#count': COUNT },
        ExpressionAttributeValues: { ':delta': delta, ...(guarded ? { ':one': 1 } : {}) },
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
