import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { attributeIs, conditionOf, itemAbsent, itemExists } from '../data/conditions';
import { updateOf } from '../data/updates';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, IllegalTransitionError, NotFoundError } from '../core/errors';
import * as keys from '../data/table-keys';
import { TABLE_SCHEMA } from '../data/table.schema';
import { DirectoryReader } from './directory.reader';
import { tenantDirectoryEntrySchema, tenantMoveSchema, type TenantAuth, type TenantDirectoryEntry, type TenantMove, type TenantStatus } from './tenant.schema';

const byCollection = TABLE_SCHEMA.indexes.byCollection;

/**
 * The tenant directory: routing metadata (slug, home region, status, login endpoints, email domains, branding)
 * under platform keys. It is kept in every region so any regional API can route and discover; it never holds
 * tenant data.
 */
export class DirectoryRepository extends DirectoryReader {
  /**
   * Records a new tenant: its entry, its slug reservation and its email domains, in one transaction that fails
   * with ConflictError when the slug or the tenant id is taken.
   */
  async create(entry: TenantDirectoryEntry): Promise<void> {
    const valid = tenantDirectoryEntrySchema.parse(entry);
    const domains = [...new Set(valid.emailDomains.map((d) => d.toLowerCase()))];
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.tenantDirectory(valid.tenantId), ...this.collectionKeys(valid.tenantId), ...valid },
                ...conditionOf(itemAbsent),
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.slug(valid.slug), tenantId: valid.tenantId },
                ...conditionOf(itemAbsent),
              },
            },
            ...domains.map((domain) => ({
              Put: { TableName: this.tableName, Item: { ...keys.emailDomain(domain, valid.tenantId), tenantId: valid.tenantId } },
            })),
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        throw new ConflictError(`tenant id ${valid.tenantId} or slug ${valid.slug} is already taken`);
      }
      throw error;
    }
  }

  /**
   * Writes a copy of an entry made in the control-plane region: the entry, and while the tenant holds its slug
   * (not DELETED) its slug and email domains. Unconditional, so copying again repairs a copy that missed a change.
   */
  async replicate(entry: TenantDirectoryEntry): Promise<void> {
    const valid = tenantDirectoryEntrySchema.parse(entry);
    const holdsNames = valid.status !== 'DELETED';
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: this.tableName, Item: { ...keys.tenantDirectory(valid.tenantId), ...this.collectionKeys(valid.tenantId), ...valid } } },
          ...(holdsNames
            ? [
                { Put: { TableName: this.tableName, Item: { ...keys.slug(valid.slug), tenantId: valid.tenantId } } },
                ...this.domainsOf(valid).map((domain) => ({
                  Put: { TableName: this.tableName, Item: { ...keys.emailDomain(domain, valid.tenantId), tenantId: valid.tenantId } },
                })),
              ]
            : []),
        ],
      }),
    );
  }

  /**
   * Changes an entry's status (from `from` only, else IllegalTransitionError), login endpoints or branding; returns
   * the entry as written.
   */
  async update(
    tenantId: string,
    changes: {
      readonly status?: { readonly from: TenantStatus; readonly to: TenantStatus; readonly event: string };
      readonly auth?: TenantAuth;
      readonly branding?: TenantDirectoryEntry['branding'];
    },
  ): Promise<TenantDirectoryEntry> {
    const set = {
      ...(changes.status ? { status: changes.status.to } : {}),
      ...(changes.auth ? { auth: changes.auth } : {}),
      ...(changes.branding ? { branding: changes.branding } : {}),
    };
    if (Object.keys(set).length === 0) throw new Error('a directory update needs at least one change');
    const conditions = [itemExists, ...(changes.status ? [attributeIs('status', changes.status.from)] : [])];
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.tenantDirectory(tenantId),
          ...updateOf({ set }, ...conditions),
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return tenantDirectoryEntrySchema.parse(Attributes);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      if (!error.Item) throw new NotFoundError(`tenant ${tenantId} not found`);
      const current = String((error.Item.status as { S?: string } | undefined)?.S ?? 'unknown');
      const status = changes.status as NonNullable<typeof changes.status>;
      throw new IllegalTransitionError(`the tenant is ${current}, not ${status.from}: it cannot ${status.event} now`, current, status.event);
    }
  }

  /**
   * Marks the tenant as moving (its gates then refuse its writes): answers the mark as it stands, the one already there
   * when it names the same export (a resumed migration keeps its `since`). ConflictError when another move holds it,
   * NotFoundError when the entry does not exist.
   */
  async markMoving(tenantId: string, move: TenantMove): Promise<TenantMove> {
    const valid = tenantMoveSchema.parse(move);
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.tenantDirectory(tenantId),
          UpdateExpression: 'SET #moving = if_not_exists(#moving, :move)',
          ConditionExpression: 'attribute_exists(#pk) AND (attribute_not_exists(#moving) OR #moving.exportId = :exportId)',
          ExpressionAttributeNames: { '#pk': TABLE_SCHEMA.partitionKey, '#moving': 'moving' },
          ExpressionAttributeValues: { ':move': valid, ':exportId': valid.exportId },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return tenantMoveSchema.parse(Attributes?.moving);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      if (!error.Item) throw new NotFoundError(`tenant ${tenantId} not found`);
      const held = (error.Item.moving as { M?: { to?: { S?: string } } } | undefined)?.M?.to?.S ?? 'another region';
      throw new ConflictError(`tenant ${tenantId} is held by another migration (to ${held}): finish it or give it up first`);
    }
  }

  /** Takes the mark of a move off the entry, when it names that export (a newer move's mark stays). */
  async clearMoving(tenantId: string, exportId: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.tenantDirectory(tenantId),
          UpdateExpression: 'REMOVE #moving',
          ConditionExpression: '#moving.exportId = :exportId',
          ExpressionAttributeNames: { '#moving': 'moving' },
          ExpressionAttributeValues: { ':exportId': exportId },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * Gives up the entry's slug and email domains (offboarding): the slug item is removed only while it still names
   * this tenant, so a slug already taken by a newer tenant is left alone. The entry itself stays as a tombstone.
   */
  async release(entry: TenantDirectoryEntry): Promise<void> {
    const domains = this.domainsOf(entry);
    if (domains.length > 0) {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: domains.map((domain) => ({ Delete: { TableName: this.tableName, Key: keys.emailDomain(domain, entry.tenantId) } })),
        }),
      );
    }
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.slug(entry.slug),
          ConditionExpression: 'tenantId = :tenantId',
          ExpressionAttributeValues: { ':tenantId': entry.tenantId },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** Deletes an entry with its slug and email domains (a reservation taken back; offboarding keeps a tombstone). */
  async remove(entry: TenantDirectoryEntry): Promise<void> {
    await this.release(entry);
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.tenantDirectory(entry.tenantId) }));
  }

  private domainsOf(entry: TenantDirectoryEntry): string[] {
    return [...new Set(entry.emailDomains.map((d) => d.toLowerCase()))];
  }

  private collectionKeys(tenantId: string) {
    return { [byCollection.partitionKey]: keys.tenantsCollection(), [byCollection.sortKey]: tenantId };
  }
}
