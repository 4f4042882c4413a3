import { GetCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { CursorCodec } from '../data/cursor';
import { SEPARATOR, sortKey } from '../data/keys';
import * as keys from '../data/table-keys';
import { TABLE_SCHEMA } from '../data/table.schema';
import { agentIdSchema, agentSchema, type Agent, type AgentListOrder } from './agent.schema';

const { partitionKey: PK, sortKey: SK } = TABLE_SCHEMA;
const byCollection = TABLE_SCHEMA.indexes.byCollection;

/** The byCollection attributes that list an agent newest first. */
export function agentCollectionKeys(tenantId: string, createdAt: string, agentId: string) {
  return { [byCollection.partitionKey]: keys.agentsByCreated(tenantId), [byCollection.sortKey]: keys.agentsByCreatedSortKey(createdAt, agentId) };
}

export interface AgentRepositoryProps {
  /** The tenant's scoped client, from `forTenant(tenantId)`: it refuses any key outside the tenant. */
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly tenantId: string;
  readonly cursors: CursorCodec;
}

export interface AgentPage {
  readonly items: Agent[];
  /** Opaque, signed and bound to the tenant and the list; absent on the last page. */
  readonly nextCursor?: string;
}

/**
 * One tenant's agents, read. The repository is made for a tenant with that tenant's scoped client, and builds every
 * key from its own tenant id: an id, a cursor or a bug cannot make it touch another tenant's items, and if a key were
 * ever built wrong the client's guard would refuse the request before it left the process. It has no write methods:
 * agents are written by the agent service through the mutation executor (audit, quota, idempotency in one
 * transaction), the one way to write.
 */
export class AgentRepository {
  constructor(private readonly props: AgentRepositoryProps) {}

  private get tenantId(): string {
    return this.props.tenantId;
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
}
