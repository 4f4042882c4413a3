import { BatchWriteCommand, GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AuditRepository, type AuditVerifyPosition } from '../audit/audit.repository';
import { CursorCodec } from '../data/cursor';
import type { DataKind } from '../data/data-kind';
import { COUNTER_ATTRIBUTES } from '../data/mutation.ports';
import type { MutationExecutor } from '../data/mutation.executor';
import { drillRecordWrite, type DrillRecord } from './compliance.kind';
import { itemsOfKind, kindPage, partitionsOfKind } from './kind-items';

/**
 * What a scratch table's name adds to the live table's: `<table>-drill-<run>`. The drill's permissions in AWS cover
 * tables named so and no other, and the drill function refuses any other name.
 */
export const SCRATCH_TABLE_INFIX = '-drill-';

/** True when `name` is a scratch table of the live table `tableName`. */
export function isScratchTableOf(tableName: string, name: string): boolean {
  return name.startsWith(`${tableName}${SCRATCH_TABLE_INFIX}`) && name.length > tableName.length + SCRATCH_TABLE_INFIX.length;
}

/** The cursor codec of a drill: verification reads whole lanes and hands out no cursor, so its key signs nothing. */
export function drillCursors(): CursorCodec {
  return new CursorCodec('recovery-drill-cursors-are-never-handed-out');
}

/** A table the drill reads or writes, through tenant-scoped clients. */
export interface DrillTable {
  readonly db: (tenantId: string) => DynamoDBDocumentClient;
  readonly tableName: string;
}

export interface RecoveryDrillProps {
  /** The live table: where each tenant's outcome is recorded, and what `drill` copies from. */
  readonly live: DrillTable;
  /** The live table's writes: each outcome is recorded with a `recovery.drill` audit entry of the tenant's, in one write. */
  readonly audit: Pick<MutationExecutor, 'execute'>;
  /** The scratch table holding the restored copy (deleted by the caller afterwards). */
  readonly scratch: DrillTable;
  readonly catalogue: readonly DataKind[];
  readonly cursors: CursorCodec;
  /** @default Date.now */
  readonly clock?: () => number;
}

/** What the drill found for one tenant. */
export interface TenantDrillResult extends DrillRecord {
  readonly tenantId: string;
}

/** Items of each kind copied into the scratch table, by kind name (the local drill's restore). */
type CopiedCounts = ReadonlyMap<string, number>;

/**
 * Where a tenant's drill paused when its time ran out (plain JSON: a state machine hands it to the next invocation,
 * which goes on from there). The kinds are counted in catalogue order, each partition page by page, then the audit
 * chain is verified lane by lane.
 */
export interface DrillPosition {
  readonly tenantId: string;
  /** The kind under way (its index in the catalogue; the catalogue's length once every kind is counted). */
  readonly kind: number;
  /** Items of the kinds counted before it, and the problems they showed. */
  readonly items: number;
  readonly problems: readonly string[];
  /** The kind's partition under way (index), the key its next page starts after (none: its first), items so far. */
  readonly partition: number;
  readonly start?: Record<string, unknown>;
  readonly found: number;
  /** Where the audit chain's verification paused, once every kind is counted. */
  readonly audit?: AuditVerifyPosition;
}

/** A tenant's drill: its outcome (recorded), or where it paused. */
export type TenantDrillStep = TenantDrillResult | { readonly tenantId: string; readonly paused: DrillPosition };

export interface DrillStepOptions {
  /** Where an earlier invocation paused this tenant's drill. */
  readonly from?: DrillPosition;
  /**
   * Asked before each page read after the first one of the call: true pauses the drill. @default never: the whole
   * drill in one call
   */
  readonly stop?: () => boolean;
}

/**
 * A recovery drill of one tenant against a restored copy of the table, recorded in the tenant's data (the compliance
 * report shows the last successful one) and in its audit log (`recovery.drill` by `system:drill`). The copy is checked
 * on its own: every kind's items are enumerated through the catalogue, the quota counter of each counted kind equals
 * its items, and the tenant's audit chain verifies.
 *
 * - `verifyRestored`: the copy is already there (in AWS a point-in-time restore of the whole table to a new table,
 *   made by the recovery drill state machine); nothing is copied.
 * - `drill`: the tenant's items are first copied into the scratch table through the catalogue (locally, the stand-in
 *   for that restore: DynamoDB Local has no point-in-time recovery), and every kind must hold as many as were copied.
 */
export class RecoveryDrill {
  private readonly clock: () => number;

  constructor(private readonly props: RecoveryDrillProps) {
    this.clock = props.clock ?? Date.now;
  }

  /** Copies the tenant's items into the scratch table, then checks and records the copy. */
  async drill(tenantId: string): Promise<TenantDrillResult> {
    const copied = new Map<string, number>();
    for (const kind of this.props.catalogue) copied.set(kind.name, await this.copyKind(kind, tenantId));
    const step = await this.verify(tenantId, copied);
    if ('paused' in step) throw new Error('a drill that is never told to stop paused');
    return step;
  }

  /**
   * Checks and records the tenant's data in a scratch table that already holds a restored copy of the table; with
   * `stop`, in steps (a tenant too large for one invocation's time pauses and goes on `from` where it paused).
   */
  verifyRestored(tenantId: string, options: DrillStepOptions = {}): Promise<TenantDrillStep> {
    return this.verify(tenantId, undefined, options);
  }

  private async verify(tenantId: string, copied: CopiedCounts | undefined, options: DrillStepOptions = {}): Promise<TenantDrillStep> {
    const { scratch, catalogue } = this.props;
    const db = scratch.db(tenantId);
    const at: DrillPosition = options.from?.tenantId === tenantId ? options.from : { tenantId, kind: 0, items: 0, problems: [], partition: 0, found: 0 };
    const problems = [...at.problems];
    let items = at.items;
    let paged = false;
    const stop = () => paged && (options.stop?.() ?? false);
    for (let index = at.kind; index < catalogue.length; index++) {
      const kind = catalogue[index];
      const resumed = index === at.kind;
      let found = resumed ? at.found : 0;
      const partitions = await partitionsOfKind(kind, tenantId, db, scratch.tableName);
      for (let partition = resumed ? at.partition : 0; partition < partitions.length; partition++) {
        let start = resumed && partition === at.partition ? at.start : undefined;
        do {
          if (stop()) return { tenantId, paused: { tenantId, kind: index, items, problems, partition, ...(start ? { start } : {}), found } };
          const page = await kindPage(kind, tenantId, db, scratch.tableName, partitions[partition], start);
          paged = true;
          found += page.items.length;
          start = page.next;
        } while (start);
      }
      const expected = copied?.get(kind.name);
      if (expected !== undefined && found !== expected) problems.push(`${kind.name}: ${found} of ${expected} items restored`);
      const counted = kind.counter ? await this.counterInScratch(kind, tenantId) : found;
      if (counted !== found) problems.push(`${kind.name}: its quota counter says ${counted}, the restored copy holds ${found} items`);
      items += found;
    }
    const audit = new AuditRepository({ db, tableName: scratch.tableName, tenantId, cursors: this.props.cursors });
    // The audit's verification asks `stop` only after a page of its own: every call makes progress.
    const verification = await audit.verifyFrom(at.audit, () => options.stop?.() ?? false);
    if ('paused' in verification) {
      return { tenantId, paused: { tenantId, kind: catalogue.length, items, problems, partition: 0, found: 0, audit: verification.paused } };
    }
    const chain = verification.verified;
    if (!chain.valid) problems.push(`audit chain broken at lane ${chain.firstBroken?.lane} entry ${chain.firstBroken?.seq}: ${chain.firstBroken?.detail}`);
    const record: DrillRecord = {
      drilledAt: new Date(this.clock()).toISOString(),
      succeeded: problems.length === 0,
      items,
      auditEntries: chain.entries,
      detail: (problems.join('; ') || `${items} items of ${catalogue.length} kinds restored, counters agree, audit chain verified`).slice(0, 2048),
    };
    await this.props.audit.execute({
      tenantId,
      event: {
        actor: 'system:drill',
        action: 'recovery.drill',
        // The entry keeps a digest of its change: the outcome is in its target, for readers of the log.
        target: `compliance/drill/${record.succeeded ? 'passed' : 'failed'}`,
        requestId: `drill-${record.drilledAt}`,
        change: { succeeded: record.succeeded, items: record.items, auditEntries: record.auditEntries, detail: record.detail },
      },
      writes: [drillRecordWrite(tenantId, record)],
    });
    return { tenantId, ...record };
  }

  /** The count the kind's quota counter holds in the scratch table (0 when it has none yet, as before the first item). */
  private async counterInScratch(kind: DataKind, tenantId: string): Promise<number> {
    const { scratch } = this.props;
    const key = kind.counter?.(tenantId).key;
    if (!key) return 0;
    const { Item } = await scratch.db(tenantId).send(new GetCommand({ TableName: scratch.tableName, Key: { ...key }, ConsistentRead: true }));
    return Number(Item?.[COUNTER_ATTRIBUTES.count] ?? 0);
  }

  /** Copies the tenant's items of one kind into the scratch table; returns how many. */
  private async copyKind(kind: DataKind, tenantId: string): Promise<number> {
    const { live, scratch } = this.props;
    let batch: Record<string, unknown>[] = [];
    let count = 0;
    const flush = async () => {
      let requests = batch.map((Item) => ({ PutRequest: { Item } }));
      for (let round = 0; requests.length > 0; round++) {
        if (round >= 9) throw new Error(`the drill's restore did not finish: DynamoDB kept ${requests.length} puts unprocessed`);
        const { UnprocessedItems } = await scratch.db(tenantId).send(new BatchWriteCommand({ RequestItems: { [scratch.tableName]: requests } }));
        requests = (UnprocessedItems?.[scratch.tableName] ?? []) as typeof requests;
      }
      batch = [];
    };
    for await (const item of itemsOfKind(kind, tenantId, live.db(tenantId), live.tableName)) {
      batch.push(item);
      count += 1;
      if (batch.length === 25) await flush();
    }
    await flush();
    return count;
  }
}
