import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { canonicalJson, DEFAULT_PAGE_SIZE, type Page } from '../core/request-conventions';
import type { CursorCodec } from '../data/cursor';
import { attributeIs, conditionOf, type Condition } from '../data/conditions';
import * as keys from '../data/table-keys';
import { TABLE_SCHEMA } from '../data/table.schema';
import { EMPTY_HEAD, LaneVerifier, type AuditEntry, type ChainBreak, type ChainHead, type LaneProgress, type PendingAuditEntry } from './audit-chain';
import { pendingOf } from './audit-sealer';
import type { AuditListQuery, AuditVerification } from './audit.schema';

const { partitionKey: PK, sortKey: SK } = TABLE_SCHEMA;
const byCollection = TABLE_SCHEMA.indexes.byCollection;

/** Queries of one page of a filtered list never read more than this many pages: a sparse filter pages on. */
const MAX_QUERIES_PER_PAGE = 10;

/** Above every character of a collection sort key after the time: makes `to` inclusive. */
const AFTER_TIME = '~';

export interface AuditRepositoryProps {
  /** The tenant's scoped client. */
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly tenantId: string;
  readonly cursors: CursorCodec;
  /** Lanes verify checks even if their head item went missing (besides every lane that has a head). @default 1 */
  readonly lanes?: number;
  /** @default Date.now */
  readonly clock?: () => number;
}

/** An entry as listed: sealed ones with their place in the chain, pending ones without. */
export type ListedAuditEntry = (AuditEntry & { readonly sealed: true }) | (PendingAuditEntry & { readonly sealed: false });

function toListed(item: Record<string, unknown>): ListedAuditEntry {
  return typeof item.seq === 'number' ? { ...toEntry(item), sealed: true } : { ...pendingOf(item), sealed: false };
}

function toEntry(item: Record<string, unknown>): AuditEntry {
  return {
    tenantId: item.tenantId as string,
    ...(typeof item.id === 'string' ? { id: item.id } : {}),
    lane: item.lane as number,
    seq: item.seq as number,
    time: item.time as string,
    actor: item.actor as string,
    action: item.action as string,
    target: item.target as string,
    requestId: item.requestId as string,
    digest: item.digest as string,
    prevHash: item.prevHash as string,
    hash: item.hash as string,
  };
}

/** Reads one tenant's audit log: filtered lists in time order, and the chain check. Writing is the executor's and the sealer's. */
export class AuditRepository {
  constructor(private readonly props: AuditRepositoryProps) {}

  /**
   * Entries in time order (lanes merged by the index), filtered. A page may hold fewer than `limit` entries when a
   * filter is sparse; `nextCursor` then continues where the reading stopped. The cursor is bound to the tenant and
   * to the filters it was made with.
   */
  async list(query: AuditListQuery): Promise<Page<ListedAuditEntry>> {
    const { tenantId, cursors, db, tableName } = this.props;
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const order = query.order ?? 'asc';
    const filters = { action: query.action, actor: query.actor, target: query.target, from: query.from, to: query.to, order };
    const binding = { tenantId, list: `audit:${canonicalJson(filters)}` };
    let start: Record<string, unknown> | undefined = query.cursor ? cursors.decode(binding, query.cursor) : undefined;

    const range = keyConditionOf(tenantId, query);
    const conditions = filtersOf(query);
    const filter = conditions.length > 0 ? conditionOf(...conditions) : undefined;
    const keyCondition = range.expression;
    const names = { ...range.names, ...filter?.ExpressionAttributeNames };
    const values = { ...range.values, ...filter?.ExpressionAttributeValues };

    const items: ListedAuditEntry[] = [];
    for (let queries = 0; queries < MAX_QUERIES_PER_PAGE && items.length < limit; queries++) {
      const page = await db.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: byCollection.indexName,
          KeyConditionExpression: keyCondition,
          ...(filter ? { FilterExpression: filter.ConditionExpression } : {}),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ScanIndexForward: order === 'asc',
          // Never evaluate more than the page still needs, so LastEvaluatedKey is exactly where to go on.
          Limit: limit - items.length,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...(page.Items ?? []).map(toListed));
      start = page.LastEvaluatedKey;
      if (!start) break;
    }
    const nextCursor = cursors.encode(binding, start);
    return { items, ...(nextCursor ? { nextCursor } : {}) };
  }

  /** The heads of every lane that has one. */
  private async heads(): Promise<Map<number, ChainHead>> {
    const { db, tableName, tenantId } = this.props;
    const heads = new Map<number, ChainHead>();
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :head)',
          ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
          ExpressionAttributeValues: { ':pk': keys.auditHeadPartition(tenantId), ':head': 'HEAD#' },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        heads.set(item.lane as number, { seq: item.seq as number, hash: item.hash as string, time: item.time as string });
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return heads;
  }

  /** Entries not sealed yet: how many, and the time and age of the oldest. */
  private async unsealed(): Promise<AuditVerification['unsealed']> {
    const { db, tableName, tenantId } = this.props;
    const partition = { TableName: tableName, KeyConditionExpression: '#pk = :pk', ExpressionAttributeNames: { '#pk': PK } };
    const values = { ':pk': keys.auditPendingPartition(tenantId) };
    const { Items } = await db.send(new QueryCommand({ ...partition, ExpressionAttributeValues: values, ConsistentRead: true, Limit: 1 }));
    const oldest = Items?.[0];
    if (!oldest) return { entries: 0 };
    let entries = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db.send(
        new QueryCommand({
          ...partition,
          ExpressionAttributeValues: values,
          ConsistentRead: true,
          Select: 'COUNT',
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      entries += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    const now = (this.props.clock ?? Date.now)();
    const oldestTime = String(oldest.time);
    return { entries, oldestTime, oldestAgeSeconds: Math.max(0, Math.round((now - Date.parse(oldestTime)) / 100) / 10) };
  }

  /**
   * Recomputes every lane's chain from the stored entries (strongly consistent reads) against its head, and reports
   * the entries not sealed yet (the chain covers them once the sealer has run).
   */
  async verify(): Promise<AuditVerification> {
    const step = await this.verifyFrom();
    if (!('verified' in step)) throw new Error('a verification that is never told to stop stopped');
    return step.verified;
  }

  /**
   * `verify` in steps, for a log too long for one process's time: `stop` is asked before every page but the first
   * of the call, and when it answers true the verification pauses, answering where it stands; given back as `from`,
   * it goes on from there. Lanes are checked in order, each page by page, so the position is one lane's next page.
   */
  async verifyFrom(from: AuditVerifyPosition = { done: [] }, stop: () => boolean = () => false): Promise<AuditVerifyStep> {
    const { db, tableName, tenantId } = this.props;
    const heads = await this.heads();
    const lanes = [...new Set([...Array.from({ length: this.props.lanes ?? 1 }, (_, lane) => lane), ...heads.keys()])].sort((a, b) => a - b);
    const done = [...from.done];
    let firstBroken = from.firstBroken;
    let paged = false;
    for (const lane of lanes.filter((candidate) => !done.some((checked) => checked.lane === candidate))) {
      const head = heads.get(lane) ?? EMPTY_HEAD;
      const under = from.lane?.lane === lane ? from.lane : undefined;
      const verifier = new LaneVerifier(tenantId, lane, under?.progress);
      let start = under?.start;
      let broken = false;
      do {
        if (paged && stop()) {
          return { paused: { done, ...(firstBroken ? { firstBroken } : {}), lane: { lane, ...(start ? { start } : {}), progress: verifier.progress } } };
        }
        const page = await db.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': PK },
            ExpressionAttributeValues: { ':pk': keys.auditLanePartition(tenantId, lane) },
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        paged = true;
        for (const item of page.Items ?? []) {
          if (verifier.push(toEntry(item))) {
            broken = true;
            break;
          }
        }
        start = broken ? undefined : page.LastEvaluatedKey;
      } while (start);
      const laneBreak = verifier.finish(head);
      done.push({ lane, entries: verifier.entries, headSeq: head.seq, valid: !laneBreak });
      firstBroken ??= laneBreak;
    }
    const entries = done.reduce((sum, lane) => sum + lane.entries, 0);
    const unsealed = await this.unsealed();
    return { verified: { valid: !firstBroken, entries, lanes: done, unsealed, ...(firstBroken ? { firstBroken } : {}) } };
  }
}

/** Where a verification paused: the lanes checked, the first break found, and the lane under way. */
export interface AuditVerifyPosition {
  readonly done: AuditVerification['lanes'];
  readonly firstBroken?: ChainBreak;
  /** The lane under way: the key its next page starts after (none: its first), and how far its chain has come. */
  readonly lane?: { readonly lane: number; readonly start?: Record<string, unknown>; readonly progress: LaneProgress };
}

/** A verification's outcome, or where it paused. */
export type AuditVerifyStep = { readonly verified: AuditVerification } | { readonly paused: AuditVerifyPosition };

/** The key condition of the tenant's audit collection, narrowed to the query's time range when it has one. */
function keyConditionOf(tenantId: string, query: AuditListQuery): Condition {
  const from = query.from ? new Date(query.from).toISOString() : undefined;
  const to = query.to ? new Date(query.to).toISOString() + AFTER_TIME : undefined;
  const range = from && to ? ' AND #csk BETWEEN :from AND :to' : from ? ' AND #csk >= :from' : to ? ' AND #csk <= :to' : '';
  return {
    expression: `#cpk = :cpk${range}`,
    names: { '#cpk': byCollection.partitionKey, ...(from || to ? { '#csk': byCollection.sortKey } : {}) },
    values: { ':cpk': keys.auditCollection(tenantId), ...(from ? { ':from': from } : {}), ...(to ? { ':to': to } : {}) },
  };
}

/** The query's filters on action, actor and target (a target also matches what lies under it: `agent/a1/…`). */
function filtersOf(query: AuditListQuery): Condition[] {
  const target: Condition[] = query.target
    ? [
        {
          expression: '(#target = :target OR begins_with(#target, :targetPrefix))',
          names: { '#target': 'target' },
          values: { ':target': query.target, ':targetPrefix': `${query.target}/` },
        },
      ]
    : [];
  return [...(query.action ? [attributeIs('action', query.action)] : []), ...(query.actor ? [attributeIs('actor', query.actor)] : []), ...target];
}
