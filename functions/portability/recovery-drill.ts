import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AuditRepository } from '../audit/audit.repository';
import type { CursorCodec } from '../data/cursor';
import type { DataKind } from '../data/data-kind';
import { recordDrill, type DrillRecord } from './compliance.kind';
import { itemsOfKind } from './kind-items';

/** A table the drill reads or writes, through tenant-scoped clients. */
export interface DrillTable {
  readonly db: (tenantId: string) => DynamoDBDocumentClient;
  readonly tableName: string;
}

export interface RecoveryDrillProps {
  /** The live table: what is restored, and where each tenant's outcome is recorded. */
  readonly live: DrillTable;
  /** The scratch table the data is restored into (deleted by the caller afterwards). */
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

/**
 * A recovery drill: each tenant's items are restored into a scratch table through the catalogue (locally a copy of
 * the live data, the stand-in for a point-in-time restore to a new table), then the drill checks that every kind
 * holds as many items there as were restored and that the tenant's audit chain verifies in the restored copy, and
 * records the outcome in the tenant's data (the compliance report shows the last successful one).
 */
export class RecoveryDrill {
  private readonly clock: () => number;

  constructor(private readonly props: RecoveryDrillProps) {
    this.clock = props.clock ?? Date.now;
  }

  async drill(tenantId: string): Promise<TenantDrillResult> {
    const { live, scratch, catalogue } = this.props;
    const problems: string[] = [];
    let items = 0;
    for (const kind of catalogue) {
      const restored = await this.restoreKind(kind, tenantId);
      let found = 0;
      for await (const _ of itemsOfKind(kind, tenantId, scratch.db(tenantId), scratch.tableName)) found += 1;
      if (found !== restored) problems.push(`${kind.name}: ${found} of ${restored} items restored`);
      items += restored;
    }
    const audit = new AuditRepository({
      db: scratch.db(tenantId),
      tableName: scratch.tableName,
      tenantId,
      cursors: this.props.cursors,
    });
    const chain = await audit.verify();
    if (!chain.valid) problems.push(`audit chain broken at lane ${chain.firstBroken?.lane} entry ${chain.firstBroken?.seq}: ${chain.firstBroken?.detail}`);
    const record: DrillRecord = {
      drilledAt: new Date(this.clock()).toISOString(),
      succeeded: problems.length === 0,
      items,
      auditEntries: chain.entries,
      detail: (problems.join('; ') || `${items} items of ${catalogue.length} kinds restored, audit chain verified`).slice(0, 2048),
    };
    await recordDrill(live.db(tenantId), live.tableName, tenantId, record);
    return { tenantId, ...record };
  }

  /** Copies the tenant's items of one kind into the scratch table; returns how many. */
  private async restoreKind(kind: DataKind, tenantId: string): Promise<number> {
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
