import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conditionOf, itemAbsent, itemExists, versionIs } from '../data/conditions';
import { NotFoundError, PreconditionFailedError } from '../core/errors';
import { DEFAULT_PAGE_SIZE, type Page } from '../core/request-conventions';
import type { CursorCodec } from '../data/cursor';
import { lastIdAt, timePrefix } from '../data/ids';
import * as keys from '../data/table-keys';
import type { ItemWrite } from '../data/mutation.executor';
import { TABLE_SCHEMA } from '../data/table.schema';
import type { ListMemoriesQuery, Memory } from './memory.schema';

const { partitionKey: PK, sortKey: SK, ttlAttribute: TTL } = TABLE_SCHEMA;

export interface MemoryRepositoryProps {
  /** The tenant's scoped client. */
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly tenantId: string;
  readonly cursors: CursorCodec;
  /** @default Date.now */
  readonly clock?: () => number;
}

/** Thrown by a write whose version condition failed without If-Match: the service re-reads and tries again. */
export class StaleReadError extends Error {
  constructor() {
    super('the item changed between read and write');
    this.name = 'StaleReadError';
  }
}

/**
 * One tenant's agent memories: a partition per agent (`T#<t>#AGENT#<a>#MEMORY`), items sorted by time-ordered id, so
 * newest-first listing and time ranges are key ranges and a large tenant's memories spread over many partitions.
 * Expired memories are hidden at once and removed by the table's TTL. Reads here; writes are transaction items.
 */
export class MemoryRepository {
  private readonly clock: () => number;

  constructor(private readonly props: MemoryRepositoryProps) {
    this.clock = props.clock ?? Date.now;
  }

  private nowSeconds(): number {
    return Math.floor(this.clock() / 1000);
  }

  private toMemory(item: Record<string, unknown>): Memory {
    // The memory's own expiry: a retention stamp keeps it aside (the TTL may then be the earlier retention deadline).
    const stamped = item[TABLE_SCHEMA.retainedSinceAttribute] !== undefined;
    const expiresAt = stamped ? item[TABLE_SCHEMA.ownExpiryAttribute] : item[TTL];
    return {
      memoryId: item.memoryId as string,
      agentId: item.agentId as string,
      content: item.content as string,
      metadata: (item.metadata ?? {}) as Memory['metadata'],
      tags: (item.tags ?? []) as string[],
      ...(typeof expiresAt === 'number' ? { expiresAt: new Date(expiresAt * 1000).toISOString() } : {}),
      createdAt: item.createdAt as string,
      updatedAt: item.updatedAt as string,
      version: item.version as number,
    };
  }

  private toItem(memory: Memory): Record<string, unknown> {
    const { expiresAt, ...rest } = memory;
    return {
      ...keys.memory(this.props.tenantId, memory.agentId, memory.memoryId),
      ...rest,
      ...(expiresAt ? { [TTL]: Math.floor(Date.parse(expiresAt) / 1000) } : {}),
    };
  }

  /** The memory, or undefined (also when expired but not yet removed by TTL). */
  async get(agentId: string, memoryId: string): Promise<Memory | undefined> {
    const { Item } = await this.props.db.send(
      new GetCommand({ TableName: this.props.tableName, Key: keys.memory(this.props.tenantId, agentId, memoryId), ConsistentRead: true }),
    );
    if (!Item || (typeof Item[TTL] === 'number' && Item[TTL] <= this.nowSeconds())) return undefined;
    return this.toMemory(Item);
  }

  /** A page of the agent's memories, newest first, optionally with a tag and in a creation time range. */
  async list(agentId: string, query: ListMemoriesQuery): Promise<Page<Memory>> {
    const { tenantId, cursors, db, tableName } = this.props;
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const binding = { tenantId, list: `memories:${agentId}:${query.tag ?? ''}:${query.from ?? ''}:${query.to ?? ''}` };
    const prefix = keys.memorySortKeyPrefix();
    // Ids count from the epoch: a bound before it means from the first memory, or before any.
    const to = query.to ? Date.parse(query.to) : undefined;
    if (to !== undefined && to < 0) return { items: [] };
    const low = prefix + (query.from ? timePrefix(Math.max(0, Date.parse(query.from))) : '');
    const high = prefix + (to !== undefined ? lastIdAt(to) : '~');
    const names: Record<string, string> = { '#pk': PK, '#sk': SK, '#ttl': TTL };
    const values: Record<string, unknown> = { ':pk': keys.memoryPartition(tenantId, agentId), ':low': low, ':high': high, ':now': this.nowSeconds() };
    const filters = ['(attribute_not_exists(#ttl) OR #ttl > :now)'];
    if (query.tag) {
      names['#tags'] = 'tags';
      values[':tag'] = query.tag;
      filters.push('contains(#tags, :tag)');
    }
    const items: Memory[] = [];
    let start: Record<string, unknown> | undefined = query.cursor ? cursors.decode(binding, query.cursor) : undefined;
    for (let queries = 0; queries < 10 && items.length < limit; queries++) {
      const page = await db.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :low AND :high',
          FilterExpression: filters.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          Limit: limit - items.length,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...(page.Items ?? []).map((item) => this.toMemory(item)));
      start = page.LastEvaluatedKey;
      if (!start) break;
    }
    const nextCursor = cursors.encode(binding, start);
    return { items, ...(nextCursor ? { nextCursor } : {}) };
  }

  /** Creating a memory: the item, if its agent exists (checked in the same transaction). */
  createWrites(memory: Memory): ItemWrite[] {
    return [
      {
        check: {
          Key: keys.agent(this.props.tenantId, memory.agentId),
          ...conditionOf(itemExists),
        },
        onConditionFailed: () => new NotFoundError(`agent ${memory.agentId} not found`),
      },
      {
        put: { Item: this.toItem(memory), ...conditionOf(itemAbsent) },
        onConditionFailed: () => new PreconditionFailedError(`memory ${memory.memoryId} exists`),
      },
    ];
  }

  /** Replacing a memory read at `expectedVersion` by its next version. */
  replaceWrite(next: Memory, expectedVersion: number, conditional: boolean): ItemWrite {
    return {
      put: {
        Item: this.toItem(next),
        ...conditionOf(itemExists, versionIs(expectedVersion)),
      },
      onConditionFailed: (current) => this.versionError(current, next, expectedVersion, conditional),
    };
  }

  /** Deleting a memory read at `expectedVersion`. */
  deleteWrite(memory: Memory, expectedVersion: number, conditional: boolean): ItemWrite {
    return {
      delete: {
        Key: keys.memory(this.props.tenantId, memory.agentId, memory.memoryId),
        ...conditionOf(itemExists, versionIs(expectedVersion)),
      },
      onConditionFailed: (current) => this.versionError(current, memory, expectedVersion, conditional),
    };
  }

  private versionError(current: Record<string, unknown> | undefined, memory: Pick<Memory, 'memoryId'>, expected: number, conditional: boolean): Error {
    if (!current) return new NotFoundError(`memory ${memory.memoryId} not found`);
    if (conditional) return new PreconditionFailedError(`memory ${memory.memoryId} is no longer at version ${expected}`);
    return new StaleReadError();
  }
}
