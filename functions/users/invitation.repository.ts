import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { attributeAbove, attributeIs, conditionOf, itemAbsent } from '../data/conditions';
import { updateOf } from '../data/updates';
import { ConflictError, GoneError, NotFoundError } from '../core/errors';
import { getItem, queryPartition } from '../data/item-reads';
import * as keys from '../data/table-keys';
import type { ItemWrite } from '../data/mutation.executor';
import { TABLE_SCHEMA } from '../data/table.schema';
import { storedInvitationSchema, type InvitationRecord } from './user.schema';

/** How long an invitation stays listed after it expired, before TTL removes it. */
const KEEP_AFTER_EXPIRY_SECONDS = 30 * 86_400;

/** Invitations of a tenant: one partition, ordered by id (time). */
export class InvitationRepository {
  constructor(
    private readonly db: (tenantId: string) => DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(tenantId: string, invitationId: string): Promise<InvitationRecord | undefined> {
    return getItem(this.db(tenantId), this.tableName, keys.invitation(tenantId, invitationId), storedInvitationSchema);
  }

  async list(tenantId: string, limit: number, exclusiveStartKey?: Record<string, unknown>) {
    return queryPartition(this.db(tenantId), this.tableName, keys.invitationPartition(tenantId), storedInvitationSchema, limit, exclusiveStartKey);
  }

  createWrite(invitation: InvitationRecord): ItemWrite {
    const valid = storedInvitationSchema.parse(invitation);
    return {
      put: {
        Item: {
          ...keys.invitation(valid.tenantId, valid.invitationId),
          ...valid,
          [TABLE_SCHEMA.ttlAttribute]: Math.floor(Date.parse(valid.expiresOn) / 1000) + KEEP_AFTER_EXPIRY_SECONDS,
        },
        ...conditionOf(itemAbsent),
      },
      onConditionFailed: () => new ConflictError(`invitation ${valid.invitationId} exists`),
    };
  }

  /** Uses a pending invitation up: from now on its code opens nothing. */
  acceptWrite(invitation: InvitationRecord, userId: string, at: string): ItemWrite {
    return {
      update: {
        Key: keys.invitation(invitation.tenantId, invitation.invitationId),
        ...updateOf({ set: { status: 'ACCEPTED', acceptedAt: at, userId } }, attributeIs('status', 'PENDING'), attributeAbove('expiresOn', at)),
      },
      onConditionFailed: () => new GoneError('the invitation has been used, revoked or has expired'),
    };
  }

  /** Puts an accepted invitation back to pending (when enrolling the user failed after accepting). */
  reopenWrite(invitation: InvitationRecord): ItemWrite {
    return {
      update: {
        Key: keys.invitation(invitation.tenantId, invitation.invitationId),
        ...updateOf({ set: { status: 'PENDING' }, remove: ['acceptedAt', 'userId'] }, attributeIs('status', 'ACCEPTED')),
      },
    };
  }

  revokeWrite(tenantId: string, invitationId: string, at: string): ItemWrite {
    return {
      update: {
        Key: keys.invitation(tenantId, invitationId),
        ...updateOf({ set: { status: 'REVOKED', revokedAt: at } }, attributeIs('status', 'PENDING')),
      },
      onConditionFailed: (current) =>
        current
          ? new ConflictError(`invitation ${invitationId} is ${String(current.status).toLowerCase()}, not pending`)
          : new NotFoundError(`invitation ${invitationId} not found`),
    };
  }
}
