import * as z from '../core/zod';
import { AuditRepository } from '../audit/audit.repository';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../core/errors';
import { ifMatchAccepts } from '../core/request-conventions';
import type { CursorCodec } from '../data/cursor';
import { conditionOf, itemAbsent, versionIs } from '../data/conditions';
import { RETENTION_CLASSES, type DataKind } from '../data/data-kind';
import * as keys from '../data/table-keys';
import type { MutationContext, MutationResult } from '../data/mutation.context';
import type { MutationExecutor } from '../data/mutation.executor';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readDrillRecord, readSweepRecord, sweepRecordSchema } from './compliance.kind';
import {
  complianceSettingsSchema,
  legalHoldSchema,
  readComplianceSettings,
  retentionSettingsSchema,
  type ComplianceSettings,
  type RetentionSettings,
} from './compliance-settings';
import { NO_BACKUPS, type BackupStatus } from './backup-status';
import { residencyZoneOf } from './residency';
import { poolRegionOf, type TenantDirectoryEntry } from '../tenants/tenant.schema';

const MAX_KINDS = 64;

/** Where one stateful resource of the tenant lives. */
const placementSchema = z.strictObject({
  resource: z.string().check(z.maxLength(64)),
  region: z.string().check(z.maxLength(32)),
  encryption: z.string().check(z.maxLength(128)),
});

export const complianceReportSchema = z.strictObject({
  tenantId: z.string().check(z.maxLength(64)),
  residency: z.strictObject({
    region: z.string().check(z.maxLength(32)),
    zone: z.string().check(z.maxLength(16)),
    /**
     * The resources of `resources` that live outside the home region: the user pool stays in the region the tenant
     * was provisioned in when a migration moved its data. Empty when everything is home.
     */
    outsideHomeRegion: z.array(z.string().check(z.maxLength(64))).check(z.maxLength(16)),
  }),
  resources: z.array(placementSchema).check(z.maxLength(16)),
  retention: z
    .array(
      z.strictObject({
        class: z.enum(RETENTION_CLASSES),
        days: z.nullable(z.int()),
        kinds: z.array(z.string().check(z.maxLength(64))).check(z.maxLength(MAX_KINDS)),
        /**
         * The kinds whose items the period deletes (stamped with a TTL on write, swept for older items); the
         * others are kept while the tenant exists. Never an audit kind: the hash chain verifies from its first entry.
         */
        expiring: z.array(z.string().check(z.maxLength(64))).check(z.maxLength(MAX_KINDS)),
      }),
    )
    .check(z.maxLength(RETENTION_CLASSES.length)),
  /** The last retention sweep of the tenant, if any ran. */
  lastRetentionSweep: z.nullable(z.strictObject(sweepRecordSchema.shape)),
  legalHold: z.nullable(legalHoldSchema),
  lastBackup: z.nullable(z.iso.datetime()).check(
    z.meta({
      description:
        "The latest point the region's table can be restored to: in AWS its point-in-time recovery's latest restorable time (AWS Backup's daily snapshots are older). Null when point-in-time recovery is off, and always locally, where DynamoDB Local keeps no backups.",
    }),
  ),
  lastSuccessfulDrill: z.nullable(z.iso.datetime()),
  auditChain: z.strictObject({
    valid: z.boolean(),
    entries: z.int().check(z.nonnegative()),
    firstBroken: z.optional(z.object({ lane: z.int(), seq: z.int(), reason: z.string().check(z.maxLength(256)), detail: z.string().check(z.maxLength(2048)) })),
  }),
});
export type ComplianceReport = z.infer<typeof complianceReportSchema>;

export interface ComplianceServiceProps {
  readonly db: (tenantId: string) => DynamoDBDocumentClient;
  readonly tableName: string;
  readonly executor: Pick<MutationExecutor, 'execute'>;
  readonly cursors: CursorCodec;
  readonly catalogue: readonly DataKind[];
  /** The region this function serves: the tenant's home (a request for a tenant of another region answers 421 first). */
  readonly region: string;
  /**
   * When the region's table was last backed up.
   * @default NO_BACKUPS - the report says null
   */
  readonly backups?: BackupStatus;
  /**
   * The region's directory copy, for the tenant's user pool (its region). @default none: the report lists no pool
   */
  readonly directory?: { get(tenantId: string): Promise<TenantDirectoryEntry | undefined> };
  /** @default Date.now */
  readonly clock?: () => number;
}

/** Retention per data class, the legal hold and the compliance report of a tenant. */
export class ComplianceService {
  private readonly clock: () => number;

  constructor(private readonly props: ComplianceServiceProps) {
    this.clock = props.clock ?? Date.now;
  }

  setRetention(context: MutationContext, retention: RetentionSettings): Promise<MutationResult> {
    return this.change(context, 'retention.set', (current) => ({ ...current, retention: retentionSettingsSchema.parse(retention) }), retention);
  }

  placeHold(context: MutationContext, reason: string): Promise<MutationResult> {
    return this.change(
      context,
      'legal-hold.place',
      (current) => {
        if (current.legalHold) throw new ConflictError(`tenant ${context.tenantId} is already under a legal hold since ${current.legalHold.placedAt}`);
        return { ...current, legalHold: { reason, placedAt: new Date(this.clock()).toISOString(), placedBy: context.actor } };
      },
      { reason },
    );
  }

  liftHold(context: MutationContext): Promise<MutationResult> {
    return this.change(
      context,
      'legal-hold.lift',
      ({ legalHold, ...rest }) => {
        if (!legalHold) throw new NotFoundError(`tenant ${context.tenantId} is under no legal hold`);
        return rest;
      },
      {},
    );
  }

  async report(tenantId: string): Promise<ComplianceReport> {
    const { db, tableName, region, catalogue } = this.props;
    const [settings, drill, sweep, lastBackup, entry] = await Promise.all([
      readComplianceSettings(db(tenantId), tableName, tenantId),
      readDrillRecord(db(tenantId), tableName, tenantId),
      readSweepRecord(db(tenantId), tableName, tenantId),
      (this.props.backups ?? NO_BACKUPS).lastBackup(),
      this.props.directory?.get(tenantId),
    ]);
    const audit = new AuditRepository({ db: db(tenantId), tableName, tenantId, cursors: this.props.cursors });
    const { valid, entries, firstBroken } = await audit.verify();
    const resources = [
      { resource: 'table', region, encryption: 'DynamoDB encryption at rest (AWS owned key)' },
      { resource: 'point-in-time-recovery', region, encryption: 'as the table' },
      { resource: 'backup-vault', region, encryption: 'AWS Backup vault key' },
      { resource: 'export-bucket', region, encryption: 'SSE-S3 (AES-256), TLS only' },
      { resource: 'queues', region, encryption: 'SQS managed KMS key' },
      { resource: 'logs', region, encryption: 'CloudWatch Logs' },
      // The users' sign-in data (emails, MFA): where the pool is, which a migration of the data does not move.
      ...(entry?.auth ? [{ resource: 'user-pool', region: poolRegionOf(entry.auth) ?? 'unknown', encryption: 'Amazon Cognito encryption at rest' }] : []),
    ];
    return {
      tenantId,
      residency: {
        region,
        zone: residencyZoneOf(region),
        outsideHomeRegion: resources.filter((placement) => placement.region !== region).map((placement) => placement.resource),
      },
      resources,
      retention: RETENTION_CLASSES.map((name) => ({
        class: name,
        days: settings?.retention[name] ?? null,
        kinds: catalogue.filter((kind) => kind.retention === name).map((kind) => kind.name),
        expiring: catalogue.filter((kind) => kind.retention === name && kind.expiry !== undefined).map((kind) => kind.name),
      })),
      lastRetentionSweep: sweep ?? null,
      legalHold: settings?.legalHold ?? null,
      lastBackup: lastBackup ?? null,
      lastSuccessfulDrill: drill?.succeeded ? drill.drilledAt : null,
      auditChain: { valid, entries, ...(firstBroken ? { firstBroken } : {}) },
    };
  }

  /** One audited write of the settings, conditioned on the version read (and on If-Match when the client sent one). */
  private async change(
    context: MutationContext,
    action: string,
    next: (current: Omit<ComplianceSettings, 'updatedAt' | 'version'>) => Omit<ComplianceSettings, 'updatedAt' | 'version'>,
    change: unknown,
  ): Promise<MutationResult> {
    const { tenantId } = context;
    const current = await readComplianceSettings(this.props.db(tenantId), this.props.tableName, tenantId);
    if (current && !ifMatchAccepts(context.ifMatch, current.version))
      throw new PreconditionFailedError(`the compliance settings are at version ${current.version}`);
    const version = (current?.version ?? 0) + 1;
    const settings = complianceSettingsSchema.parse({ ...next(current ?? { retention: {} }), updatedAt: new Date(this.clock()).toISOString(), version });
    const response = { status: 200, body: settings };
    const outcome = await this.props.executor.execute({
      tenantId,
      event: { actor: context.actor, action, target: 'compliance/settings', requestId: context.requestId, change },
      writes: [
        {
          put: { Item: { ...keys.complianceSettings(tenantId), ...settings }, ...conditionOf(current ? versionIs(current.version) : itemAbsent) },
          onConditionFailed: () => new ConflictError('the compliance settings changed meanwhile; retry'),
        },
      ],
      ...(context.idempotency ? { idempotency: context.idempotency } : {}),
      response,
    });
    return outcome.replayed ? { response: outcome.response, replayed: true } : { response, replayed: false };
  }
}
