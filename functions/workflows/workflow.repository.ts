import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conditionOf, itemAbsent, itemExists, versionIs } from '../data/conditions';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../core/errors';
import type { Page } from '../core/request-conventions';
import type { CursorCodec } from '../data/cursor';
import * as keys from '../data/table-keys';
import type { ItemWrite } from '../data/mutation.executor';
import { TABLE_SCHEMA } from '../data/table.schema';
import { resourceIdSchema, workflowSchema, type Workflow } from './workflow.schema';

const byCollection = TABLE_SCHEMA.indexes.byCollection;
const PK = TABLE_SCHEMA.partitionKey;

export interface WorkflowRepositoryProps {
  /** The tenant's scoped client, from `forTenant(tenantId)`: it refuses any key outside the tenant. */
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly tenantId: string;
  readonly cursors: CursorCodec;
}

/** How a write of a workflow may be conditioned on its version (`If-Match`). */
export type VersionCondition = { readonly any: true } | { readonly any: false; readonly versions: readonly number[] };

/**
 * One tenant's workflows: reads, and the item writes that the mutation executor puts in one transaction with the
 * quota counter, the idempotency record and the audit entry. Every key is built from the repository's own tenant id.
 */
export class WorkflowRepository {
  constructor(private readonly props: WorkflowRepositoryProps) {}

  private get tenantId(): string {
    return this.props.tenantId;
  }

  /** The workflow, or undefined (also for ids that exist only in other tenants). */
  async get(workflowId: string): Promise<Workflow | undefined> {
    if (!resourceIdSchema.safeParse(workflowId).success) return undefined;
    const { Item } = await this.props.db.send(
      new GetCommand({ TableName: this.props.tableName, Key: keys.workflow(this.tenantId, workflowId), ConsistentRead: true }),
    );
    return Item ? workflowSchema.parse(Item) : undefined;
  }

  /** A page of workflows, newest first; the cursor must come from this list of this tenant. */
  async list(options: { readonly limit: number; readonly cursor?: string }): Promise<Page<Workflow>> {
    const binding = { tenantId: this.tenantId, list: 'workflows:newest' };
    const start = options.cursor ? this.props.cursors.decode(binding, options.cursor) : undefined;
    const page = await this.props.db.send(
      new QueryCommand({
        TableName: this.props.tableName,
        IndexName: byCollection.indexName,
        KeyConditionExpression: '#cpk = :cpk',
        ExpressionAttributeNames: { '#cpk': byCollection.partitionKey },
        ExpressionAttributeValues: { ':cpk': keys.workflowsByCreated(this.tenantId) },
        ScanIndexForward: false,
        Limit: options.limit,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const nextCursor = this.props.cursors.encode(binding, page.LastEvaluatedKey);
    return { items: (page.Items ?? []).map((item) => workflowSchema.parse(item)), ...(nextCursor ? { nextCursor } : {}) };
  }

  private item(workflow: Workflow): Record<string, unknown> {
    return {
      ...keys.workflow(this.tenantId, workflow.workflowId),
      [byCollection.partitionKey]: keys.workflowsByCreated(this.tenantId),
      [byCollection.sortKey]: keys.workflowsByCreatedSortKey(workflow.createdAt, workflow.workflowId),
      ...workflow,
    };
  }

  /** Writes a new workflow; ConflictError if the id is taken. */
  create(workflow: Workflow): ItemWrite {
    return {
      put: { Item: this.item(workflow), ...conditionOf(itemAbsent) },
      onConditionFailed: () => new ConflictError(`workflow ${workflow.workflowId} exists`),
    };
  }

  /** Replaces the workflow by its next version, if it is still at `expectedVersion`. */
  replace(next: Workflow, expectedVersion: number): ItemWrite {
    return {
      put: {
        Item: this.item(next),
        ...conditionOf(itemExists, versionIs(expectedVersion)),
      },
      onConditionFailed: (current) => this.conditionError(current, next.workflowId, [expectedVersion]),
    };
  }

  /**
   * Deletes the workflow if it exists at one of the versions (any version when `If-Match` is `*` or absent).
   * `versions` must not be empty: a condition nothing can satisfy is the caller's to refuse.
   */
  delete(workflowId: string, condition: VersionCondition): ItemWrite {
    if (!condition.any && condition.versions.length === 0) throw new RangeError('a version condition needs at least one version');
    const versionValues = condition.any ? {} : Object.fromEntries(condition.versions.map((version, i) => [`:v${i}`, version]));
    return {
      delete: {
        Key: keys.workflow(this.tenantId, workflowId),
        ...(condition.any
          ? { ...conditionOf(itemExists) }
          : {
              ConditionExpression: `attribute_exists(#pk) AND #version IN (${Object.keys(versionValues).join(', ')})`,
              ExpressionAttributeNames: { '#pk': PK, '#version': 'version' },
              ExpressionAttributeValues: versionValues,
            }),
      },
      onConditionFailed: (current) => this.conditionError(current, workflowId, condition.any ? [] : condition.versions),
    };
  }

  /** Checks, in the transaction, that the workflow still exists (a run of a workflow deleted meanwhile is refused). */
  exists(workflowId: string): ItemWrite {
    return {
      check: { Key: keys.workflow(this.tenantId, workflowId), ...conditionOf(itemExists) },
      onConditionFailed: () => new NotFoundError(`workflow ${workflowId} not found`),
    };
  }

  /** A failed condition means no such workflow (404) or another version (412): the old item tells which. */
  private conditionError(current: Record<string, unknown> | undefined, workflowId: string, versions: readonly number[]): Error {
    if (!current) return new NotFoundError(`workflow ${workflowId} not found`);
    return new PreconditionFailedError(`workflow ${workflowId} is at version ${String(current.version)}, not ${versions.join(' or ')}`, {
      currentVersion: current.version,
    });
  }
}
