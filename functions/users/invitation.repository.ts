import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conditionOf, itemAbsent } from '../data/conditions';
import { ConflictError, GoneError, NotFoundError } from '../core/errors';
import { getItem, queryPartition } from '../data/item-reads';
import { keys } from '../data/keys';
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
        UpdateExpression: 'SET #status = :accepted, #acceptedAt = :at, #userId = :userId',
        ConditionExpression: '#status = :pending AND #expiresOn > :at',
        ExpressionAttributeNames: { '#status': 'status', '#acceptedAt': 'acceptedAt', '#userId': 'userId', '#expiresOn': 'expiresOn' },
        ExpressionAttributeValues: { ':accepted': 'ACCEPTED', ':pending': 'PENDING', ':at': at, ':userId': userId },
      },
      onConditionFailed: () => new GoneError('the invitation has been used, revoked or has expired'),
    };
  }

  /** Puts an accepted invitation back to pending (when enrolling the user failed after accepting). */
  reopenWrite(invitation: InvitationRecord): ItemWrite {
    return {
      update: {
        Key: keys.invitation(invitation.tenantId, invitation.invitationId),
        UpdateExpression: 'SET #status = :pending REMOVE #acceptedAt, #userId',
        ConditionExpression: '#status = :accepted',
        ExpressionAttributeNames: { '#status': 'status', '#acceptedAt': 'acceptedAt', '#userId': 'userId' },
        ExpressionAttributeValues: { ':accepted': 'ACCEPTED', ':pending': 'PENDING' },
      },
    };
  }

  revokeWrite(tenantId: string, invitationId: string, at: string): ItemWrite {
    return {
      update: {
        Key: keys.invitation(tenantId, invitationId),
        UpdateExpression: 'SET #status = :revoked, #revokedAt = :at',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status', '#revokedAt': 'revokedAt' },
        ExpressionAttributeValues: { ':revoked': 'REVOKED', ':pending': 'PENDING', ':at': at },
      },
      onConditionFailed: (current) =>
        current ? new ConflictError(`invitation ${invitationId} is ${String(current.status).toLowerCase()}, not pending`) : new NotFoundError(`invitation ${invitationId} not found`),
    };
  }
}
