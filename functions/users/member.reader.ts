import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TenantRole } from '../core/roles';
import { getItem, queryPartition } from '../data/item-reads';
import * as keys from '../data/table-keys';
import { memberLinkSchema, memberSchema, type Member } from './member.schema';

/** The attribute of a role counter item that holds how many members hold the role. */
export const ROLE_COUNT = 'count';

/**
 * The reads of a tenant's members (member.repository.ts): what the authorizer needs, without the writes that only
 * the users group, sign-in and migrations make, so its bundle leaves those out.
 */
export class MemberReader {
  constructor(
    protected readonly db: (tenantId: string) => DynamoDBDocumentClient,
    protected readonly tableName: string,
  ) {}

  async get(tenantId: string, userId: string): Promise<Member | undefined> {
    return getItem(this.db(tenantId), this.tableName, keys.user(tenantId, userId), memberSchema);
  }

  /** The member with this email, if any. */
  async findByEmail(tenantId: string, email: string): Promise<Member | undefined> {
    return this.linked(tenantId, keys.userEmail(tenantId, email));
  }

  /** The member linked to this pool user, if any: the one record that decides what the user may do. */
  async findBySub(tenantId: string, sub: string): Promise<Member | undefined> {
    return this.linked(tenantId, keys.userSub(tenantId, sub));
  }

  /** The member a link item (email or pool sub to user id) names, if the link exists. */
  private async linked(tenantId: string, link: { readonly pk: string; readonly sk: string }): Promise<Member | undefined> {
    const found = await getItem(this.db(tenantId), this.tableName, link, memberLinkSchema);
    return found ? this.get(tenantId, found.userId) : undefined;
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
    return typeof Item?.[ROLE_COUNT] === 'number' ? Item[ROLE_COUNT] : 0;
  }
}
