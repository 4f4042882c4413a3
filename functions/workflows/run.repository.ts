import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { anyOf, attributeAbsent, attributeBelow, attributeIs, conditionOf, itemAbsent, sizeIs, type Condition } from '../data/conditions';
import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../core/errors';
import type { Page } from '../core/request-conventions';
import type { CursorCodec } from '../data/cursor';
import * as keys from '../data/table-keys';
import type { ItemWrite } from '../data/mutation.executor';
import { TABLE_SCHEMA } from '../data/table.schema';
import { updateOf, type ItemUpdate } from '../data/updates';
import { runSchema, type Run, type StepResult } from './run.schema';
import { resourceIdSchema } from './workflow.schema';

const { partitionKey: PK, sortKey: SK } = TABLE_SCHEMA;
const byCollection = TABLE_SCHEMA.indexes.byCollection;

/** The byCollection attributes that keep a run on its tenant's list of open runs (the sweeper's) until it ends. */
function openRunKeys(tenantId: string, run: Pick<Run, 'createdAt' | 'workflowId' | 'runId'>) {
  return { [byCollection.partitionKey]: keys.openRuns(tenantId), [byCollection.sortKey]: keys.openRunsSortKey(run.createdAt, run.workflowId, run.runId) };
}

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
        Item: {
          ...keys.run(this.tenantId, run.workflowId, run.runId),
          ...openRunKeys(this.tenantId, run),
          ...run,
          // Its message is sent right after this write: the sweeper counts from here.
          [LEASE.deliveredAt]: Date.parse(run.createdAt),
        },
        ...conditionOf(itemAbsent),
      },
      onConditionFailed: () => new ConflictError(`run ${run.runId} exists`),
    };
  }

  /** The run with the lease of the worker executing it (the lease is the worker's, never shown in the API). */
  async getLeased(workflowId: string, runId: string): Promise<LeasedRun | undefined> {
    const { Item } = await this.props.db.send(
      new GetCommand({ TableName: this.props.tableName, Key: keys.run(this.tenantId, workflowId, runId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return leasedRunOf(Item);
  }

  /**
   * The tenant's runs that have not ended and were created before `createdBeforeMs`, oldest first, with their
   * leases: the candidates of the run sweeper (run.sweeper.ts). One Query (a page per 1 MB).
   */
  async openRunsCreatedBefore(createdBeforeMs: number): Promise<LeasedRun[]> {
    const found: LeasedRun[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.props.db.send(
        new QueryCommand({
          TableName: this.props.tableName,
          IndexName: byCollection.indexName,
          KeyConditionExpression: '#cpk = :cpk AND #csk < :before',
          ExpressionAttributeNames: { '#cpk': byCollection.partitionKey, '#csk': byCollection.sortKey },
          ExpressionAttributeValues: { ':cpk': keys.openRuns(this.tenantId), ':before': new Date(createdBeforeMs).toISOString() },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      found.push(...(page.Items ?? []).map(leasedRunOf));
      start = page.LastEvaluatedKey;
    } while (start);
    return found;
  }

  /**
   * Notes that a message of this QUEUED run reached a worker (which sends it again later: no free slot), so the
   * sweeper leaves it alone. Nothing to do when it began or ended meanwhile.
   */
  async markDelivered(run: Pick<Run, 'workflowId' | 'runId'>, nowMs: number): Promise<void> {
    await this.updateIf(run, { set: { [LEASE.deliveredAt]: nowMs } }, [attributeIs('status', 'QUEUED')]);
  }

  /**
   * Claims the sending of a new message for a run (run.sweeper.ts) that is still in the status it was read in, was
   * last delivered before `deliveredBeforeMs` and, RUNNING, whose lease ended before `leaseEndedBeforeMs`: true for
   * exactly one of several sweepers, false when the run moved on.
   */
  claimRedrive(leased: LeasedRun, nowMs: number, cutoffs: RedriveCutoffs): Promise<boolean> {
    const conditions = [
      attributeIs('status', leased.run.status),
      anyOf(attributeAbsent(LEASE.deliveredAt), attributeBelow(LEASE.deliveredAt, cutoffs.deliveredBeforeMs)),
      ...(leased.run.status === 'RUNNING' ? [anyOf(attributeAbsent(LEASE.expiresAt), attributeBelow(LEASE.expiresAt, cutoffs.leaseEndedBeforeMs))] : []),
    ];
    return this.updateIf(leased.run, { set: { [LEASE.deliveredAt]: nowMs } }, conditions);
  }

  /** A progress mark of the run (no audit entry): false when the conditions do not hold. */
  private async updateIf(run: Pick<Run, 'workflowId' | 'runId'>, update: ItemUpdate, conditions: readonly Condition[]): Promise<boolean> {
    try {
      await this.props.db.send(
        new UpdateCommand({ TableName: this.props.tableName, Key: keys.run(this.tenantId, run.workflowId, run.runId), ...updateOf(update, ...conditions) }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** QUEUED → RUNNING under a worker's lease: written with the run's concurrent-run slot and audit entry. */
  begin(run: Run, lease: Lease, startedAt: string): ItemWrite {
    return {
      update: {
        Key: keys.run(this.tenantId, run.workflowId, run.runId),
        ...updateOf(
          {
            set: { status: 'RUNNING', startedAt, [LEASE.owner]: lease.owner, [LEASE.expiresAt]: lease.expiresAtMs, [LEASE.deliveredAt]: Date.parse(startedAt) },
            add: { attempts: 1 },
          },
          attributeIs('status', 'QUEUED'),
        ),
      },
      onConditionFailed: () => new ConflictError(`run ${run.runId} is not queued`),
    };
  }

  /**
   * Takes over a RUNNING run whose worker's lease ran out (the worker stopped). A progress mark of the run, not a
   * mutation of its own (no audit entry). False when another worker holds a live lease.
   */
  async takeOver(workflowId: string, runId: string, lease: Lease, nowMs: number, countAttempt: boolean): Promise<boolean> {
    return this.updateIf(
      { workflowId, runId },
      {
        set: { [LEASE.owner]: lease.owner, [LEASE.expiresAt]: lease.expiresAtMs, [LEASE.deliveredAt]: nowMs },
        ...(countAttempt ? { add: { attempts: 1 } } : {}),
      },
      [attributeIs('status', 'RUNNING'), anyOf(attributeAbsent(LEASE.expiresAt), attributeBelow(LEASE.expiresAt, nowMs))],
    );
  }

  /**
   * Appends the result of the run's next step and renews the lease, only while this worker holds the lease and the
   * step is the next one: a step is recorded once, however often the run is resumed. Answers whether a cancel was
   * asked for meanwhile.
   */
  async recordStep(
    run: Pick<Run, 'workflowId' | 'runId'>,
    lease: Lease,
    index: number,
    step: StepResult,
    usage: Run['usage'],
  ): Promise<{ cancelRequested: boolean }> {
    try {
      const { Attributes } = await this.props.db.send(
        new UpdateCommand({
          TableName: this.props.tableName,
          Key: keys.run(this.tenantId, run.workflowId, run.runId),
          ...updateOf(
            { append: { steps: [step] }, set: { usage, [LEASE.expiresAt]: lease.expiresAtMs } },
            attributeIs('status', 'RUNNING'),
            attributeIs(LEASE.owner, lease.owner),
            sizeIs('steps', index),
          ),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { cancelRequested: Attributes?.cancelRequested === true };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new LeaseLostError(run.runId);
      throw error;
    }
  }

  /** Gives the lease up after a fault, with its reason, so the next delivery resumes at once and can report it. */
  async release(run: Pick<Run, 'workflowId' | 'runId'>, lease: Lease, reason: string): Promise<void> {
    try {
      await this.props.db.send(
        new UpdateCommand({
          TableName: this.props.tableName,
          Key: keys.run(this.tenantId, run.workflowId, run.runId),
          ...updateOf({ set: { [LEASE.expiresAt]: 0, [LEASE.lastError]: reason } }, attributeIs('status', 'RUNNING'), attributeIs(LEASE.owner, lease.owner)),
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** RUNNING → SUCCEEDED, FAILED or CANCELLED by the lease holder, written with the run's metering and audit entry. */
  finish(run: Run, lease: Lease): ItemWrite {
    const fields = {
      status: run.status,
      steps: run.steps,
      usage: run.usage,
      finishedAt: run.finishedAt,
      ...(run.error ? { error: run.error } : {}),
    };
    return {
      update: {
        Key: keys.run(this.tenantId, run.workflowId, run.runId),
        ...updateOf(
          { set: fields, remove: [LEASE.owner, LEASE.expiresAt, LEASE.deliveredAt, byCollection.partitionKey, byCollection.sortKey] },
          attributeIs('status', 'RUNNING'),
          attributeIs(LEASE.owner, lease.owner),
        ),
      },
      onConditionFailed: () => new LeaseLostError(run.runId),
    };
  }

  /** QUEUED → CANCELLED: the run never began, so it holds no slot and used no tokens. */
  cancelQueued(run: Run, finishedAt: string): ItemWrite {
    return {
      update: {
        Key: keys.run(this.tenantId, run.workflowId, run.runId),
        ...updateOf(
          { set: { status: 'CANCELLED', finishedAt }, remove: [LEASE.deliveredAt, byCollection.partitionKey, byCollection.sortKey] },
          attributeIs('status', 'QUEUED'),
        ),
      },
      onConditionFailed: () => new ConflictError(`run ${run.runId} changed meanwhile; read it and try again`),
    };
  }

  /** Asks the worker of a RUNNING run to stop before its next step. */
  requestCancel(run: Run): ItemWrite {
    return {
      update: {
        Key: keys.run(this.tenantId, run.workflowId, run.runId),
        ...updateOf({ set: { cancelRequested: true } }, attributeIs('status', 'RUNNING')),
      },
      onConditionFailed: () => new ConflictError(`run ${run.runId} changed meanwhile; read it and try again`),
    };
  }
}

/** When a run must have been last delivered, and its lease have ended, for the sweeper to send it again (epoch ms). */
export interface RedriveCutoffs {
  readonly deliveredBeforeMs: number;
  readonly leaseEndedBeforeMs: number;
}

/** The worker lease of a run: who executes it, until when (epoch ms) unless renewed. */
export interface Lease {
  readonly owner: string;
  readonly expiresAtMs: number;
}

export interface LeasedRun {
  readonly run: Run;
  readonly lease?: Lease;
  /** Why the last worker gave the run back, when it did. */
  readonly lastError?: string;
  /** When a message of the run last reached a worker, or was sent again by the sweeper (epoch ms). */
  readonly deliveredAtMs?: number;
}

function leasedRunOf(item: Record<string, unknown>): LeasedRun {
  return {
    run: runSchema.parse(item),
    lease: typeof item[LEASE.owner] === 'string' ? { owner: item[LEASE.owner] as string, expiresAtMs: Number(item[LEASE.expiresAt] ?? 0) } : undefined,
    lastError: typeof item[LEASE.lastError] === 'string' ? (item[LEASE.lastError] as string) : undefined,
    deliveredAtMs: typeof item[LEASE.deliveredAt] === 'number' ? (item[LEASE.deliveredAt] as number) : undefined,
  };
}

/** The worker's lease was taken over (it was too slow) or the run ended meanwhile: it must stop touching the run. */
export class LeaseLostError extends ConflictError {
  override readonly name: string = 'LeaseLostError';
  constructor(runId: string) {
    super(`run ${runId} is no longer held by this worker`);
  }
}

/** Attributes of the run item that only workers use. */
const LEASE = { owner: 'leaseOwner', expiresAt: 'leaseExpiresAt', lastError: 'lastError', deliveredAt: 'deliveredAt' } as const;
