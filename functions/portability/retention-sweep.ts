import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { attributeAbsent, attributeIs, conditionOf, itemExists } from '../data/conditions';
import type { DataKind } from '../data/data-kind';
import type { AuditPort } from '../data/mutation.executor';
import { ttlOf } from '../data/retention-stamp';
import { TABLE_SCHEMA } from '../data/table.schema';
import { updateOf } from '../data/updates';
import { readComplianceSettings, type ComplianceSettings } from './compliance-settings';
import { recordSweep } from './compliance.kind';
import { itemsOfKind } from './kind-items';
import { expiringKinds, stampOf } from './retention';

const { partitionKey: PK, sortKey: SK, ttlAttribute: TTL, retainedSinceAttribute: SINCE, ownExpiryAttribute: OWN } = TABLE_SCHEMA;

/** What one tenant's sweep did. */
export interface TenantSweepReport {
  readonly tenantId: string;
  /** A legal hold was on: nothing was deleted and every retention TTL was taken off. */
  readonly held: boolean;
  /** Items deleted per kind. */
  readonly deleted: Readonly<Record<string, number>>;
  /** Items whose stamp (write time, TTL, own expiry) was set or corrected. */
  readonly stamped: number;
}

export interface RegionSweepReport {
  readonly tenants: number;
  /** Tenants whose sweep changed something (each with one audit entry). */
  readonly changed: number;
  readonly failed: readonly { readonly tenantId: string; readonly error: string }[];
}

export interface RetentionSweepProps {
  readonly db: (tenantId: string) => DynamoDBDocumentClient;
  readonly tableName: string;
  readonly catalogue: readonly DataKind[];
  /** Records the audit entry of a sweep that changed something. */
  readonly audit: AuditPort;
  /** @default Date.now */
  readonly clock?: () => number;
}

type ItemOutcome = 'deleted' | 'stamped' | 'unchanged';

/** When an item's retention period started: its stamp, else its own last change, else now (the clock starts at the sweep). */
function sinceOf(item: Readonly<Record<string, unknown>>, now: number): number {
  if (typeof item[SINCE] === 'number') return item[SINCE];
  const written = Date.parse(String(item.updatedAt ?? item.createdAt ?? ''));
  return Number.isNaN(written) ? now : Math.min(now, Math.floor(written / 1000));
}

/** The item's own expiry: kept aside by a stamp, or (on an item never stamped) its TTL. */
function ownExpiryOf(item: Readonly<Record<string, unknown>>): number | undefined {
  if (typeof item[OWN] === 'number') return item[OWN];
  return item[SINCE] === undefined && typeof item[TTL] === 'number' ? item[TTL] : undefined;
}

/**
 * The retention sweep: for items written before the tenant's settings changed (or by writers outside the mutation
 * executor), it walks each kind a retention period deletes through the catalogue and brings every item in line
 * with the settings: the stamp it would get on write (write time, TTL, own expiry aside), and for kinds the sweep
 * expires, deletion once the period has passed. While a legal hold is on, it deletes nothing and takes every TTL
 * off (DynamoDB's TTL deletes whatever expires, hold or not). Each tenant's sweep that changed something is audited
 * with one entry; the last sweep is recorded for the compliance report.
 */
export class RetentionSweep {
  private readonly clock: () => number;
  private readonly kinds: readonly DataKind[];

  constructor(private readonly props: RetentionSweepProps) {
    this.clock = props.clock ?? Date.now;
    this.kinds = expiringKinds(props.catalogue);
  }

  /** Sweeps the tenants one after another; a tenant that fails is reported and the others are swept all the same. */
  async sweepTenants(tenantIds: readonly string[], requestId: string): Promise<RegionSweepReport> {
    let changed = 0;
    const failed: { tenantId: string; error: string }[] = [];
    for (const tenantId of tenantIds) {
      try {
        const report = await this.sweepTenant(tenantId, requestId);
        if (report.stamped > 0 || Object.keys(report.deleted).length > 0) changed += 1;
      } catch (error) {
        failed.push({ tenantId, error: (error as Error).message });
      }
    }
    return { tenants: tenantIds.length, changed, failed };
  }

  async sweepTenant(tenantId: string, requestId: string): Promise<TenantSweepReport> {
    const { db, tableName } = this.props;
    const tenantDb = db(tenantId);
    const settings = await readComplianceSettings(tenantDb, tableName, tenantId);
    const now = Math.floor(this.clock() / 1000);
    const deleted: Record<string, number> = {};
    let stamped = 0;
    for (const kind of this.kinds) {
      for await (const item of itemsOfKind(kind, tenantId, tenantDb, tableName)) {
        const outcome = await this.sweepItem(tenantDb, kind, settings, item, now);
        if (outcome === 'deleted') deleted[kind.name] = (deleted[kind.name] ?? 0) + 1;
        if (outcome === 'stamped') stamped += 1;
      }
    }
    const report = { tenantId, held: settings?.legalHold !== undefined, deleted, stamped };
    await this.record(tenantId, requestId, report);
    return report;
  }

  /** One item: deleted when its period is over and its kind is the sweep's to expire, else stamped as a write would. */
  private async sweepItem(
    db: DynamoDBDocumentClient,
    kind: DataKind,
    settings: ComplianceSettings | undefined,
    item: Readonly<Record<string, unknown>>,
    now: number,
  ): Promise<ItemOutcome> {
    const stamp = stampOf(kind, settings, sinceOf(item, now));
    const own = ownExpiryOf(item);
    const ttl = ttlOf(stamp, own);
    const Key = { [PK]: item[PK], [SK]: item[SK] };
    // Only the item as read: one written meanwhile carries a new stamp of its own.
    const unchanged = item[SINCE] === undefined ? attributeAbsent(SINCE) : attributeIs(SINCE, item[SINCE]);
    if (kind.expiry === 'sweep' && ttl !== undefined && ttl <= now) {
      return this.unlessChanged('deleted', db.send(new DeleteCommand({ TableName: this.props.tableName, Key, ...conditionOf(itemExists, unchanged) })));
    }
    if (item[SINCE] === stamp.since && item[TTL] === ttl && item[OWN] === own) return 'unchanged';
    const set = { [SINCE]: stamp.since, ...(ttl !== undefined ? { [TTL]: ttl } : {}), ...(own !== undefined ? { [OWN]: own } : {}) };
    const update = updateOf({ set, ...(ttl === undefined ? { remove: [TTL] } : {}) }, itemExists, unchanged);
    return this.unlessChanged('stamped', db.send(new UpdateCommand({ TableName: this.props.tableName, Key, ...update })));
  }

  private async unlessChanged(outcome: ItemOutcome, write: Promise<unknown>): Promise<ItemOutcome> {
    try {
      await write;
      return outcome;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'unchanged';
      throw error;
    }
  }

  /** The last sweep for the report, and one audit entry when the sweep changed something. */
  private async record(tenantId: string, requestId: string, report: TenantSweepReport): Promise<void> {
    const deleted = Object.values(report.deleted).reduce((sum, count) => sum + count, 0);
    const sweptAt = new Date(this.clock()).toISOString();
    await recordSweep(this.props.db(tenantId), this.props.tableName, tenantId, { sweptAt, held: report.held, deleted, stamped: report.stamped });
    if (deleted === 0 && report.stamped === 0) return;
    await this.props.audit.record(tenantId, {
      actor: 'system:retention',
      action: 'retention.sweep',
      target: 'compliance/retention',
      requestId,
      change: { held: report.held, deleted: report.deleted, stamped: report.stamped },
    });
  }
}
