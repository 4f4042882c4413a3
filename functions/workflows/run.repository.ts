import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { conditionOf, itemAbsent } from '../data/conditions';
import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../core/errors';
import type { Page } from '../core/request-conventions';
import type { CursorCodec } from '../data/cursor';
import { keys } from '../data/keys';
import type { ItemWrite } from '../data/mutation.executor';
import { TABLE_SCHEMA } from '../data/table.schema';
import { runSchema, type Run } from './run.schema';
import { resourceIdSchema } from './workflow.schema';

const { partitionKey: PK, sortKey: SK } = TABLE_SCHEMA;

export interface RunRepositoryProps {
  /** The tenant's scoped client, from `forTenant(tenantId)`. */
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly tenantId: string;
  readonly cursors: CursorCodec;
}

/** One tenant's workflow runs, kept in a partition per workflow. */
export class RunRepository {
  constructor(private readonly props: RunRepositoryProps) {}

  private get tenantId(): string {
    return this.props.tenantId;
  }

  /** The run, or undefined. */
  async get(workflowId: string, runId: string): Promise<Run | undefined> {
    if (!resourceIdSchema.safeParse(workflowId).success || !resourceIdSchema.safeParse(runId).success) return undefined;
    const { Item } = await this.props.db.send(
      new GetCommand({ TableName: this.props.tableName, Key: keys.run(this.tenantId, workflowId, runId), ConsistentRead: true }),
    );
    return Item ? runSchema.parse(Item) : undefined;
  }

  /** A page of a workflow's runs, newest first; the cursor must come from this list of this tenant. */
  async list(workflowId: string, options: { readonly limit: number; readonly cursor?: string }): Promise<Page<Run>> {
    const binding = { tenantId: this.tenantId, list: `runs:${workflowId}` };
    const start = options.cursor ? this.props.cursors.decode(binding, options.cursor) : undefined;
    const page = await this.props.db.send(
      new QueryCommand({
        TableName: this.props.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :run)',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: { ':pk': keys.runPartition(this.tenantId, workflowId), ':run': keys.runSortKeyPrefix() },
        ScanIndexForward: false,
        Limit: options.limit,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const nextCursor = this.props.cursors.encode(binding, page.LastEvaluatedKey);
    return { items: (page.Items ?? []).map((item) => runSchema.parse(item)), ...(nextCursor ? { nextCursor } : {}) };
  }

  /** Writes a new (QUEUED) run. */
  create(run: Run): ItemWrite {
    return {
      put: {
        Item: { ...keys.run(this.tenantId, run.workflowId, run.runId), ...run },
        ...conditionOf(itemAbsent),
      },
      onConditionFailed: () => new ConflictError(`run ${run.runId} exists`),
    };
  }

  /** QUEUED → RUNNING. A progress mark of the run its start created, not a mutation of its own (no audit entry). */
  async markRunning(workflowId: string, runId: string, startedAt: string): Promise<void> {
    try {
      await this.props.db.send(
        new UpdateCommand({
          TableName: this.props.tableName,
          Key: keys.run(this.tenantId, workflowId, runId),
          UpdateExpression: 'SET #status = :running, #startedAt = :startedAt',
          ConditionExpression: '#status = :queued',
          ExpressionAttributeNames: { '#status': 'status', '#startedAt': 'startedAt' },
          ExpressionAttributeValues: { ':running': 'RUNNING', ':queued': 'QUEUED', ':startedAt': startedAt },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new ConflictError(`run ${runId} is not queued`);
      throw error;
    }
  }

  /** RUNNING → SUCCEEDED or FAILED with the step results, written with the run's metering and audit entry. */
  finish(run: Run): ItemWrite {
    const fields = { status: run.status, steps: run.steps, usage: run.usage, finishedAt: run.finishedAt, ...(run.error ? { error: run.error } : {}) };
    const names = Object.keys(fields);
    return {
      update: {
        Key: keys.run(this.tenantId, run.workflowId, run.runId),
        UpdateExpression: `SET ${names.map((_, i) => `#f${i} = :f${i}`).join(', ')}`,
        ConditionExpression: '#status = :running',
        ExpressionAttributeNames: { ...Object.fromEntries(names.map((name, i) => [`#f${i}`, name])), '#status': 'status' },
        ExpressionAttributeValues: { ...Object.fromEntries(names.map((name, i) => [`:f${i}`, fields[name as keyof typeof fields]])), ':running': 'RUNNING' },
      },
      onConditionFailed: () => new ConflictError(`run ${run.runId} is not running`),
    };
  }
}
