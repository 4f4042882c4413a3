import { randomUUID } from 'node:crypto';
import { conditionOf, itemAbsent, itemExists, versionIs } from '../data/conditions';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../core/errors';
import type { CursorCodec } from '../data/cursor';
import { keys, SEPARATOR, sortKey } from '../data/keys';
import { TABLE_SCHEMA } from '../data/table.schema';
import {
  agentIdSchema,
  agentSchema,
  createAgentSchema,
  updateAgentSchema,
  type Agent,
  type AgentListOrder,
  type CreateAgent,
  type UpdateAgent,
} from './agent.schema';

const { partitionKey: PK, sortKey: SK } = TABLE_SCHEMA;
const byCollection = TABLE_SCHEMA.indexes.byCollection;

/** The byCollection attributes that list an agent newest first. */
export function agentCollectionKeys(tenantId: string, createdAt: string, agentId: string) {
  return { [byCollection.partitionKey]: keys.agentsByCreated(tenantId), [byCollection.sortKey]: keys.agentsByCreatedSortKey(createdAt, agentId) };
}

/** The agent fields an update may change, in the order they appear in the update expression. */
const CHANGEABLE = ['name', 'modelId', 'instructions', 'tools', 'status'] as const;

export interface AgentRepositoryProps {
  /** The tenant's scoped client, from `forTenant(tenantId)`: it refuses any key outside the tenant. */
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly tenantId: string;
  readonly cursors: CursorCodec;
  /** @default Date.now */
  readonly clock?: () => number;
  /** @default random UUIDs */
  readonly newId?: () => string;
}

export interface AgentPage {
  readonly items: Agent[];
  /** Opaque, signed and bound to the tenant and the list; absent on the last page. */
  readonly nextCursor?: string;
}

/**
 * One tenant's agents. The repository is made for a tenant with that tenant's scoped client, and builds every key
 * from its own tenant id: an id, a cursor or a bug cannot make it touch another tenant's items, and if a key were
 * ever built wrong the client's guard would refuse the request before it left the process.
 */
export class AgentRepository {
  private readonly clock: () => number;
  private readonly newId: () => string;

  constructor(private readonly props: AgentRepositoryProps) {
    this.clock = props.clock ?? Date.now;
    this.newId = props.newId ?? randomUUID;
  }

  private get tenantId(): string {
    return this.props.tenantId;
  }

  /** Creates an agent at version 1; ConflictError when the id is taken. */
  async create(input: CreateAgent, agentId: string = this.newId()): Promise<Agent> {
    const fields = createAgentSchema.parse(input);
    const now = new Date(this.clock()).toISOString();
    const agent = agentSchema.parse({ ...fields, agentId, createdAt: now, updatedAt: now, version: 1 });
    try {
      await this.props.db.send(
        new PutCommand({
          TableName: this.props.tableName,
          Item: {
            ...keys.agent(this.tenantId, agent.agentId),
            ...agentCollectionKeys(this.tenantId, agent.createdAt, agent.agentId),
            ...agent,
          },
          ...conditionOf(itemAbsent),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new ConflictError(`agent ${agent.agentId} exists`);
      throw error;
    }
    return agent;
  }

  /** The agent, or undefined (also for ids that exist only in other tenants). */
  async get(agentId: string): Promise<Agent | undefined> {
    if (!agentIdSchema.safeParse(agentId).success) return undefined;
    const { Item } = await this.props.db.send(
      new GetCommand({ TableName: this.props.tableName, Key: keys.agent(this.tenantId, agentId), ConsistentRead: true }),
    );
    return Item ? agentSchema.parse(Item) : undefined;
  }

  /**
   * A page of agents, newest first or by id. `cursor` must come from a previous page of the same list of the same
   * tenant (else ValidationError).
   */
  async list(options: { limit: number; order: AgentListOrder; cursor?: string }): Promise<AgentPage> {
    const binding = { tenantId: this.tenantId, list: `agents:${options.order}` };
    const start = options.cursor ? this.props.cursors.decode(binding, options.cursor) : undefined;
    const query: Omit<QueryCommandInput, 'TableName'> =
      options.order === 'newest'
        ? {
            IndexName: byCollection.indexName,
            KeyConditionExpression: '#cpk = :cpk',
            ExpressionAttributeNames: { '#cpk': byCollection.partitionKey },
            ExpressionAttributeValues: { ':cpk': keys.agentsByCreated(this.tenantId) },
            ScanIndexForward: false,
          }
        : {
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :agent)',
            ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
            ExpressionAttributeValues: { ':pk': keys.agentPartition(this.tenantId), ':agent': `${sortKey('AGENT')}${SEPARATOR}` },
            ScanIndexForward: true,
          };
    const page = await this.props.db.send(
      new QueryCommand({
        TableName: this.props.tableName,
        ...query,
        Limit: options.limit,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const nextCursor = this.props.cursors.encode(binding, page.LastEvaluatedKey);
    return { items: (page.Items ?? []).map((item) => agentSchema.parse(item)), ...(nextCursor ? { nextCursor } : {}) };
  }

  /**
   * Changes fields of the agent if its version is still `expectedVersion`; returns the new agent (version + 1).
   * NotFoundError when it does not exist, PreconditionFailedError when its version moved on.
   */
  async update(agentId: string, patch: UpdateAgent, expectedVersion: number): Promise<Agent> {
    const changes = updateAgentSchema.parse(patch);
    if (!agentIdSchema.safeParse(agentId).success) throw new NotFoundError(`agent ${agentId} not found`);
    const fields = CHANGEABLE.filter((field) => changes[field] !== undefined);
    const names: Record<string, string> = { '#pk': PK, '#version': 'version', '#updatedAt': 'updatedAt' };
    const values: Record<string, unknown> = {
      ':expected': expectedVersion,
      ':next': expectedVersion + 1,
      ':now': new Date(this.clock()).toISOString(),
    };
    fields.forEach((field, i) => {
      names[`#f${i}`] = field;
      values[`:f${i}`] = changes[field];
    });
    const assignments = ['#version = :next', '#updatedAt = :now', ...fields.map((_, i) => `#f${i} = :f${i}`)];
    try {
      const { Attributes } = await this.props.db.send(
        new UpdateCommand({
          TableName: this.props.tableName,
          Key: keys.agent(this.tenantId, agentId),
          UpdateExpression: `SET ${assignments.join(', ')}`,
          ConditionExpression: 'attribute_exists(#pk) AND #version = :expected',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return agentSchema.parse(Attributes);
    } catch (error) {
      throw this.conditionError(error, agentId, expectedVersion);
    }
  }

  /** Deletes the agent if its version is still `expectedVersion`; NotFoundError / PreconditionFailedError as update. */
  async delete(agentId: string, expectedVersion: number): Promise<void> {
    if (!agentIdSchema.safeParse(agentId).success) throw new NotFoundError(`agent ${agentId} not found`);
    try {
      await this.props.db.send(
        new DeleteCommand({
          TableName: this.props.tableName,
          Key: keys.agent(this.tenantId, agentId),
          ...conditionOf(itemExists, versionIs(expectedVersion)),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      throw this.conditionError(error, agentId, expectedVersion);
    }
  }

  /** A failed condition means either no such agent (404) or another version (412): the old item tells which. */
  private conditionError(error: unknown, agentId: string, expectedVersion: number): unknown {
    if (!(error instanceof ConditionalCheckFailedException)) return error;
    if (!error.Item) return new NotFoundError(`agent ${agentId} not found`);
    return new PreconditionFailedError(`agent ${agentId} is no longer at version ${expectedVersion}`);
  }
}
