import { BatchWriteCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { agentKeys } from '../agents/agent.repository';
import { keys, SEPARATOR } from '../data/keys';
import { TABLE_SCHEMA } from '../data/table.schema';

const { partitionKey: PK, sortKey: SK } = TABLE_SCHEMA;

/** Most audit lanes a tenant can have (the executor allows 1-64). */
const MAX_AUDIT_LANES = 64;

/**
 * Names partitions of a tenant's data. The table has no Scan (tenant data is read by key only), so the purge can
 * only delete what the domains name: each domain with partitions of its own adds a source here.
 */
export type PartitionSource = (tenantId: string, read: PartitionReader) => Promise<string[]>;

/** Lists the sort keys of a partition (for sources that find partitions through others). */
export type PartitionReader = (partitionKey: string) => Promise<string[]>;

/** The tenant's partitions with fixed names: record, members, invitations, API keys, quotas, usage, audit. */
const fixedPartitions: PartitionSource = async (tenantId) => [
  keys.tenantProfilePartition(tenantId),
  keys.userPartition(tenantId),
  keys.userEmailPartition(tenantId),
  keys.userRoleCounterPartition(tenantId),
  keys.invitationPartition(tenantId),
  keys.apiKeyPartition(tenantId),
  keys.quotaCounter(tenantId, 'ANY').pk,
  keys.usagePeriod(tenantId, 'ANY').pk,
  keys.auditHeadPartition(tenantId),
  ...Array.from({ length: MAX_AUDIT_LANES }, (_, lane) => keys.auditLanePartition(tenantId, lane)),
];

/** Workflows, and the runs partition of each. */
const workflowPartitions: PartitionSource = async (tenantId, read) => {
  const workflowIds = (await read(keys.workflowPartition(tenantId)))
    .map((sk) => sk.split(SEPARATOR))
    .filter((parts) => parts.length === 2 && parts[0] === 'WORKFLOW')
    .map((parts) => parts[1]);
  return [keys.workflowPartition(tenantId), ...workflowIds.map((workflowId) => keys.runPartition(tenantId, workflowId))];
};

/** Agents (and their newest-first collection), and the memory partition of each agent. */
const agentPartitions: PartitionSource = async (tenantId, read) => {
  const agentIds = (await read(agentKeys.partition(tenantId)))
    .map((sk) => sk.split(SEPARATOR))
    .filter((parts) => parts.length === 2 && parts[0] === 'AGENT')
    .map((parts) => parts[1]);
  return [agentKeys.partition(tenantId), ...agentIds.map((agentId) => keys.memoryPartition(tenantId, agentId))];
};

export const DEFAULT_PARTITION_SOURCES: readonly PartitionSource[] = [fixedPartitions, workflowPartitions, agentPartitions];

/**
 * Deletes a tenant's data in its home region, through the tenant-scoped client (so it cannot touch another
 * tenant's keys). Idempotency records need no purge: they expire by TTL within a day.
 */
export class TenantPurge {
  constructor(
    private readonly db: (tenantId: string) => DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly sources: readonly PartitionSource[] = DEFAULT_PARTITION_SOURCES,
  ) {}

  /** Deletes every item of every named partition; returns how many items went. Safe to run again. */
  async purge(tenantId: string): Promise<number> {
    const db = this.db(tenantId);
    const read: PartitionReader = async (pk) => (await this.itemKeys(db, pk)).map((key) => String(key[SK]));
    // Sources that read other partitions run before anything is deleted.
    const partitions = [...new Set((await Promise.all(this.sources.map((source) => source(tenantId, read)))).flat())];
    let deleted = 0;
    for (const pk of partitions) deleted += await this.deletePartition(db, pk);
    return deleted;
  }

  private async itemKeys(db: DynamoDBDocumentClient, pk: string): Promise<Record<string, unknown>[]> {
    const found: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk',
          ProjectionExpression: '#pk, #sk',
          ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
          ExpressionAttributeValues: { ':pk': pk },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      found.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return found;
  }

  private async deletePartition(db: DynamoDBDocumentClient, pk: string): Promise<number> {
    const items = await this.itemKeys(db, pk);
    for (let i = 0; i < items.length; i += 25) {
      let requests: Record<string, unknown>[] = items.slice(i, i + 25).map((key) => ({ DeleteRequest: { Key: { [PK]: key[PK], [SK]: key[SK] } } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > 8) throw new Error(`purge of ${pk} did not finish: DynamoDB kept items unprocessed`);
        const { UnprocessedItems } = await db.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests as never } }));
        requests = (UnprocessedItems?.[this.tableName] ?? []) as Record<string, unknown>[];
        if (requests.length > 0) await new Promise((done) => setTimeout(done, 50 * 2 ** attempt));
      }
    }
    return items.length;
  }
}
