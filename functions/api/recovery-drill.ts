import { ConfigError } from '../core/config';
import { createLogger } from '../core/logger';
import { createIsolation } from '../isolation/tenant-db';
import { drillCursors, isScratchTableOf, RecoveryDrill, type DrillPosition, type TenantDrillResult } from '../portability/recovery-drill';
import { TENANT_DATA_CATALOGUE } from '../tenant-data.catalogue';
import { createTenantWrites, lazyHandler, regionTenants, writingMeter } from './dependencies';
import type { RuntimeConfig } from './runtime-config';

/**
 * What the recovery drill state machine hands the function: the scratch table it restored the region's table into,
 * and, from the second round on, where the previous round stopped and how far the drill has come.
 */
export interface RecoveryDrillEvent {
  readonly scratchTable: string;
  /** The last tenant the previous round drilled (`next` of its report): this round goes on with the tenants after it. */
  readonly after?: string | null;
  /** Tenants drilled and failed in the earlier rounds. @default 0 */
  readonly drilled?: number;
  readonly failed?: number;
  /** Where the previous round paused the drill of the tenant after `after` (`resume` of its report). */
  readonly resume?: DrillPosition | null;
}

/** One round of the drill against one restored copy. */
export interface RegionDrillReport {
  readonly scratchTable: string;
  /** Tenants drilled so far, this round's included. */
  readonly tenants: number;
  /** Tenants failed so far, this round's included. */
  readonly failedTotal: number;
  /** The tenants that failed in this round (earlier rounds logged theirs). */
  readonly failed: readonly Pick<TenantDrillResult, 'tenantId' | 'detail'>[];
  /**
   * The last tenant drilled to its end when tenants are left for another round (the time budget ran out; the round's
   * `after` when it ended inside its first tenant), else null.
   */
  readonly next: string | null;
  /** Where the drill of the tenant after `next` paused (a tenant too large for one round), else null. */
  readonly resume: DrillPosition | null;
}

/** Some tenant's drill failed; every tenant's outcome is recorded first. The state machine's execution then fails. */
export class RecoveryDrillFailedError extends Error {
  override readonly name = 'RecoveryDrillFailed';
}

/** The tenants the drill covers; each is drilled in turn, by tenant id. */
export type DrillTenants = () => Promise<readonly { readonly tenantId: string }[]>;

/**
 * How long a round drills: once this has passed, a round starts no new tenant and pauses the one under way before its
 * next page read, so one Lambda invocation (at most 15 minutes) drills for about 10 and leaves ample time for the
 * page under way and for recording outcomes.
 */
export const DRILL_ROUND_BUDGET_MS = 10 * 60_000;

export interface RecoveryDrillOptions {
  /** @default regionTenants(config) */
  readonly tenants?: DrillTenants;
  /** @default DRILL_ROUND_BUDGET_MS */
  readonly roundBudgetMs?: number;
  /** @default Date.now */
  readonly clock?: () => number;
}

/**
 * The step of the recovery drill state machine that checks the restored copy (lib/constructs/recovery-drill.ts): for
 * every tenant homed in the region, its items of every kind are read from the scratch table through the catalogue,
 * the counted kinds' quota counters must equal their items, and the audit chain must verify (RecoveryDrill
 * `verifyRestored`); each outcome is recorded in the tenant's data of the live table for the compliance report. The
 * scratch table is read with the drill's scratch role, one tenant session at a time, behind the same runtime guard
 * as the live table; the state machine deletes the table afterwards, whatever happened here.
 *
 * The tenants are drilled in rounds, one invocation each, in tenant id order: a round that has used its time budget
 * ends with `next` (and `resume`, where the drill of a tenant under way paused, page by page), and the state machine
 * invokes the function again with them, so neither a region's drill nor one tenant's is bounded by one invocation's
 * 15 minutes. The last round fails when any tenant of any round failed.
 */
export function createHandler(config: RuntimeConfig, options: RecoveryDrillOptions = {}) {
  const { db, executor } = createTenantWrites(config);
  const tenants = options.tenants ?? regionTenants(config);
  const budget = options.roundBudgetMs ?? DRILL_ROUND_BUDGET_MS;
  const clock = options.clock ?? Date.now;
  const logger = createLogger('recovery-drill', config.LOG_LEVEL);
  return writingMeter(config, async (event: RecoveryDrillEvent): Promise<RegionDrillReport> => {
    const scratchTable = scratchTableOf(config, event);
    const scratch = createIsolation({ ...config, TABLE_NAME: scratchTable, TENANT_DATA_ROLE_ARN: scratchRoleOf(config) });
    try {
      const drill = new RecoveryDrill({
        live: { db, tableName: config.TABLE_NAME },
        audit: executor,
        scratch: { db: (tenantId) => scratch.forTenant(tenantId), tableName: scratchTable },
        catalogue: TENANT_DATA_CATALOGUE,
        cursors: drillCursors(),
      });
      const after = event.after ?? undefined;
      const left = (await tenants()).map((tenant) => tenant.tenantId).filter((tenantId) => after === undefined || tenantId > after);
      const deadline = clock() + budget;
      const round = await drillRound(drill, [...left].sort(), () => clock() >= deadline, { after, resume: event.resume ?? undefined });
      const report: RegionDrillReport = {
        scratchTable,
        tenants: (event.drilled ?? 0) + round.drilled,
        failedTotal: (event.failed ?? 0) + round.failed.length,
        failed: round.failed,
        next: round.next,
        resume: round.resume ?? null,
      };
      const paused = report.resume ? { paused: report.resume.tenantId } : {};
      logger.info('recovery drill round done', { scratchTable, tenants: report.tenants, failed: report.failedTotal, next: report.next, ...paused });
      if (round.failed.length > 0) logger.error('recovery drill failed for some tenants', { failed: round.failed });
      if (report.next === null && report.resume === null && report.failedTotal > 0) {
        throw new RecoveryDrillFailedError(
          `${report.failedTotal} of ${report.tenants} tenants failed the drill (the last round's: ${JSON.stringify(round.failed).slice(0, 1500)})`,
        );
      }
      return report;
    } finally {
      scratch.destroy();
    }
  });
}

/**
 * Drills the tenants in turn until `stop` says the round's time is up; one that cannot be read or recorded counts as
 * failed and the others still run. A tenant whose drill is under way when the time is up pauses (`resume`), and the
 * next round goes on with it where it paused. Every round makes progress: its first tenant reads at least a page.
 */
async function drillRound(
  drill: RecoveryDrill,
  tenantIds: readonly string[],
  stop: () => boolean,
  { after, resume }: { readonly after: string | undefined; readonly resume: DrillPosition | undefined },
) {
  const failed: { tenantId: string; detail: string }[] = [];
  let drilled = 0;
  for (const tenantId of tenantIds) {
    if (drilled > 0 && stop()) return { drilled, failed, next: tenantIds[drilled - 1] };
    const from = resume?.tenantId === tenantId ? resume : undefined;
    const step = await drill
      .verifyRestored(tenantId, { stop, ...(from ? { from } : {}) })
      .catch((error: unknown) => ({ tenantId, succeeded: false, detail: (error as Error).message }));
    // A round that paused inside its first tenant drilled none to its end: the next one starts after the same tenant.
    if ('paused' in step) return { drilled, failed, next: drilled > 0 ? tenantIds[drilled - 1] : (after ?? null), resume: step.paused };
    if (!step.succeeded) failed.push({ tenantId, detail: step.detail });
    drilled += 1;
  }
  return { drilled, failed, next: null };
}

function scratchTableOf(config: RuntimeConfig, event: RecoveryDrillEvent): string {
  const name = String(event?.scratchTable ?? '');
  if (!isScratchTableOf(config.TABLE_NAME, name)) throw new RangeError(`${JSON.stringify(name)} is not a scratch table of ${config.TABLE_NAME}`);
  return name;
}

/** The role whose tenant sessions read the scratch tables (locally the one local credential, like every client). */
function scratchRoleOf(config: RuntimeConfig): string | undefined {
  if (config.DATA_CREDENTIALS === 'sts' && !config.DRILL_SCRATCH_ROLE_ARN) {
    throw new ConfigError('invalid runtime configuration: DRILL_SCRATCH_ROLE_ARN is required by the recovery drill when DATA_CREDENTIALS is sts');
  }
  return config.DRILL_SCRATCH_ROLE_ARN;
}

export const handler = lazyHandler((config: RuntimeConfig) => createHandler(config));
