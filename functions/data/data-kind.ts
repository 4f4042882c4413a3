import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type * as z from '../core/zod';
import type { Operation } from '../core/http';
import type { RouteDefinition } from '../core/route';
import type { CursorCodec } from './cursor';
import { parseKey, SEPARATOR, type NestedParent } from './keys';
import * as keys from './table-keys';
import type { ItemWrite, MutationExecutor, PutInput } from './mutation.executor';
import type { PlanSource, QuotaChange, QuotaCounter } from './mutation.ports';
import { TABLE_SCHEMA, type IndexName } from './table.schema';

/**
 * The descriptor every kind of tenant data declares (one per kind, next to its domain). Purge, export, import and
 * retention sweeps iterate over the catalogue of these descriptors, so a kind nobody declared cannot be reached by
 * them, and a declared kind cannot lack what they need: every field below is required.
 */

/**
 * Why an item is kept, which decides how long: `content` (what the tenant made: deleted on request and at
 * offboarding), `operational` (bookkeeping the platform derives: counters, links, idempotency records), `audit`
 * (the hash-chained log: kept for the tenant's retention period) and `billing` (metered usage: kept for invoicing).
 */
export type RetentionClass = 'content' | 'operational' | 'audit' | 'billing';

export const RETENTION_CLASSES: readonly RetentionClass[] = ['content', 'operational', 'audit', 'billing'];

/**
 * How the retention period of a kind's class reaches its items. `sweep`: every write stamps the item with its write
 * time and a TTL of that time plus the period, and the retention sweep deletes items past it. `ttl`: the same stamp,
 * but only DynamoDB's TTL deletes the items, since a consumer of its removals keeps their counters true (memories).
 */
export type ExpiryMode = 'sweep' | 'ttl';

/** The table keys of one stored item. */
export interface StoredKey {
  readonly pk: string;
  readonly sk: string;
}

/** A way the platform reads a kind: the key (and index) it uses. */
export interface AccessPattern {
  /** What the pattern serves: `get by id`, `list newest first`. */
  readonly name: string;
  /** @default the table itself */
  readonly index?: IndexName;
}

/** Lists the sort keys of one partition of the tenant (a Query by key: the platform never scans). */
export type PartitionReader = (partitionKey: string) => Promise<readonly string[]>;

/**
 * What a platform admin's import of another tenant's bundle does with a kind's items, and what an import into a live
 * tenant restores of its own bundle. `omit`: they stay behind — who may sign in (members, invitations, keys), what the
 * source was billed, its log and the bookkeeping the target keeps for itself. A copy rule: the items the target lacks
 * are written under its own keys, counted against its plan.
 */
export type CrossTenantRule = 'omit' | CrossTenantCopy;

export interface CrossTenantCopy {
  /** The quota change one copied item makes in the target tenant (a new item: delta 1 and its bytes). @default counts against no limit */
  readonly quota?: (tenantId: string, item: Readonly<Record<string, unknown>>) => QuotaChange;
  /** Writes that go with a copied item in the target (the registry entry of its children's partition). @default none */
  readonly alongside?: (tenantId: string, item: Readonly<Record<string, unknown>>) => readonly ItemWrite[];
  /**
   * The kind whose item a copied item belongs to, and that item's key in the target: an item whose parent is not in the
   * bundle (a memory of a deleted agent) stays behind. The parent kind comes first in the catalogue. @default belongs to none
   */
  readonly parent?: { readonly kind: string; readonly key: (tenantId: string, item: Readonly<Record<string, unknown>>) => StoredKey };
}

export interface DataKind {
  /** Unique in the catalogue: `agent`, `run`, `member-sub-link`. */
  readonly name: string;
  readonly retention: RetentionClass;
  /**
   * How its class's retention period deletes its items (records the tenant made or the platform derived: memories,
   * runs, usage periods, invoices). @default kept whatever the period: state that other data depends on (the tenant
   * record, counters, settings, configuration) and the audit log, whose hash chain needs every entry from the first
   */
  readonly expiry?: ExpiryMode;
  /** The stored item, key attributes aside. */
  readonly schema: z.core.$ZodType;
  readonly accessPatterns: readonly AccessPattern[];
  /**
   * The tenant's partitions that may hold items of this kind; `read` lists another partition's sort keys, for kinds
   * whose partitions are named by a parent's id.
   */
  partitions(tenantId: string, read: PartitionReader): Promise<readonly string[]>;
  /** True when a stored key is the tenant's item of this kind (several kinds may share a partition). */
  owns(key: StoredKey, tenantId: string): boolean;
  /** What an import of another tenant's bundle (or a restore into the live tenant) does with its items. */
  readonly crossTenant: CrossTenantRule;
  /** The Put that writes an enumerated item back (import, restore). */
  writeBack(item: Readonly<Record<string, unknown>>): PutInput;
  /**
   * The key of the tenant's item with this id, for kinds other kinds name by id (an agent names its tools): a
   * reference is checked in the referring write's transaction. @default not referable
   */
  readonly itemKey?: (tenantId: string, id: string) => StoredKey;
  /**
   * The tenant-wide counter of the plan limit this kind counts against: the usage report shows its count against
   * the limit and adds its bytes to the stored bytes. @default not counted
   */
  readonly counter?: (tenantId: string) => QuotaCounter;
  /**
   * For a kind whose item can suspend every deletion of the tenant's data (a legal hold): why it does, or undefined
   * when this item does not. Purge reads such items first and deletes nothing while one holds. @default never holds
   */
  readonly holdsDeletion?: (item: Readonly<Record<string, unknown>>) => string | undefined;
  /**
   * A kind of metering counters (usage periods, health hours), whose numeric attributes only grow by ADD: a migration
   * adds to the target what its old region counted after the export (the difference from the bundle's item).
   * @default not carried
   */
  readonly metered?: true;
}

/**
 * What retention on write needs of a kind whose items expire: its name, class and expiry, and which items are its.
 * Each expiring kind declares this part in a module of its own (`*.expiry.ts`, no schema) and spreads it into its
 * DataKind, so that the groups that write tenant data bundle the rule and not the kind's schemas.
 */
export type ExpiryRule = Pick<DataKind, 'name' | 'retention' | 'owns'> & { readonly expiry: ExpiryMode };

/** What a kind's own operations are built from: the tenant-scoped data of its group, and nothing else. */
export interface KindServices {
  /** The tenant-scoped client of a tenant (`isolation.forTenant`): it refuses keys outside the tenant. */
  readonly db: (tenantId: string) => DynamoDBDocumentClient;
  readonly tableName: string;
  readonly cursors: CursorCodec;
  readonly executor: Pick<MutationExecutor, 'execute' | 'findReplay'>;
  readonly plans: PlanSource;
  /** @default Date.now */
  readonly clock?: () => number;
}

/**
 * The API a kind brings with it: its routes (all of one handler group) and the operations that serve them. Kept in a
 * module apart from the kind (`*.api.ts`), so that the functions that know the kind as data (catalogue, usage report)
 * bundle no routes; the route table and the serving group take it from resource-api.catalogue.ts.
 */
export interface KindApi {
  readonly routes: readonly RouteDefinition[];
  operations(services: KindServices): Readonly<Record<string, Operation>>;
}

/**
 * The id a nested partition is named by (`T#<tenantId>#AGENT#<agentId>#MEMORY` → the agent id), for `owns` tests
 * that rebuild the partition key from it with the kind's own builder.
 */
export function nestedIdOf(partitionKey: string): string | undefined {
  try {
    const parsed = parseKey(partitionKey);
    return parsed.kind === 'tenant' ? parsed.segments[1] : undefined;
  } catch {
    return undefined;
  }
}

/** True when the key is in the partition `partition(tenantId, id)` for the id the key itself names. */
export function inNestedPartition(key: StoredKey, tenantId: string, partition: (tenantId: string, id: string) => string): boolean {
  const id = nestedIdOf(key.pk);
  return id !== undefined && key.pk === partition(tenantId, id);
}

/** True when the sort key's first segment is `first`. */
export function sortKeyStartsWith(sk: string, first: string): boolean {
  return sk.startsWith(`${first}${SEPARATOR}`);
}

/** True when the stored key is exactly `built`. */
export function isKey(key: StoredKey, built: StoredKey): boolean {
  return key.pk === built.pk && key.sk === built.sk;
}

/**
 * The partitions of a parent's children (an agent's memories, a workflow's runs): one per parent registered in
 * the tenant's nested-partition items, and one per parent that exists now (made before the registry was kept).
 */
export function childPartitions(
  parent: NestedParent,
  parentPartition: (tenantId: string) => string,
  child: (tenantId: string, id: string) => string,
): DataKind['partitions'] {
  const idsIn = (sortKeys: readonly string[]) =>
    sortKeys.map((sk) => sk.split(SEPARATOR)).flatMap((parts) => (parts.length === 2 && parts[0] === parent ? [parts[1]] : []));
  return async (tenantId, read) => {
    const [registered, live] = await Promise.all([read(keys.nestedPartitions(tenantId)), read(parentPartition(tenantId))]);
    return [...new Set([...idsIn(registered), ...idsIn(live)])].map((id) => child(tenantId, id));
  };
}

/** Writing an item back as it was enumerated: keys included, nothing recomputed. */
export function writeBackAsIs(item: Readonly<Record<string, unknown>>): PutInput {
  return { Item: { ...item } };
}

/** The partitions a kind lives in when they are fixed for the tenant. */
export function fixedPartitions(...names: ((tenantId: string) => string)[]): DataKind['partitions'] {
  return async (tenantId) => names.map((name) => name(tenantId));
}

/** Every key (pk, sk) of one partition, page by page, strongly consistent. */
export async function partitionKeys(db: DynamoDBDocumentClient, tableName: string, partitionKey: string): Promise<StoredKey[]> {
  const { partitionKey: PK, sortKey: SK } = TABLE_SCHEMA;
  const found: StoredKey[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: '#pk = :pk',
        ProjectionExpression: '#pk, #sk',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: { ':pk': partitionKey },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    found.push(...(page.Items ?? []).map((item) => ({ pk: String(item[PK]), sk: String(item[SK]) })));
    start = page.LastEvaluatedKey;
  } while (start);
  return found;
}

/** The keys of a tenant's items of one kind: every partition it names, filtered by `owns`. */
export async function enumerateKeys(kind: DataKind, tenantId: string, db: DynamoDBDocumentClient, tableName: string): Promise<StoredKey[]> {
  const read: PartitionReader = async (pk) => (await partitionKeys(db, tableName, pk)).map((key) => key.sk);
  const partitions = [...new Set(await kind.partitions(tenantId, read))];
  const keys = await Promise.all(partitions.map((pk) => partitionKeys(db, tableName, pk)));
  return keys.flat().filter((key) => kind.owns(key, tenantId));
}
