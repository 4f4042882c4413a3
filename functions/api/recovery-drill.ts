import { ConfigError } from '../core/config';
import { createLogger } from '../core/logger';
import { createIsolation } from '../isolation/tenant-db';
import { drillCursors, isScratchTableOf, RecoveryDrill, type TenantDrillResult } from '../portability/recovery-drill';
import { TENANT_DATA_CATALOGUE } from '../tenant-data.catalogue';
import { createTenantWrites, lazyHandler, regionTenants } from './dependencies';
import type { RuntimeConfig } from './runtime-config';

/** What the recovery drill state machine hands the function: the scratch table it restored the region's table into. */
export interface RecoveryDrillEvent {
  readonly scratchTable: string;
}

/** The drill of the region's tenants against one restored copy. */
export interface RegionDrillReport {
  readonly scratchTable: string;
  readonly tenants: number;
  readonly failed: readonly Pick<TenantDrillResult, 'tenantId' | 'detail'>[];
}

/** Some tenant's drill failed; every tenant's outcome is recorded first. The state machine's execution then fails. */
export class RecoveryDrillFailedError extends Error {
  override readonly name = 'RecoveryDrillFailed';
}

/** The tenants the drill covers; each is drilled in turn. */
export type DrillTenants = () => Promise<readonly { readonly tenantId: string }[]>;

/**
 * The step of the recovery drill state machine that checks the restored copy (lib/constructs/recovery-drill.ts): for
 * every tenant homed in the region, its items of every kind are read from the scratch table through the catalogue,
 * the counted kinds' quota counters must equal their items, and the audit chain must verify (RecoveryDrill
 * `verifyRestored`); each outcome is recorded in the tenant's data of the live table for the compliance report. The
 * scratch table is read with the drill's scratch role, one tenant session at a time, behind the same runtime guard
 * as the live table; the state machine deletes the table afterwards, whatever happened here.
 */
export function createHandler(config: RuntimeConfig, tenants: DrillTenants = regionTenants(config)) {
  const { db, executor } = createTenantWrites(config);
  const logger = createLogger('recovery-drill', config.LOG_LEVEL);
  return async (event: RecoveryDrillEvent): Promise<RegionDrillReport> => {
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
      const report = await drillEach(drill, await tenants(), scratchTable);
      logger.info('recovery drill done', { scratchTable, tenants: report.tenants, failed: report.failed.length });
      if (report.failed.length > 0) {
        logger.error('recovery drill failed for some tenants', { failed: report.failed });
        throw new RecoveryDrillFailedError(
          `${report.failed.length} of ${report.tenants} tenants failed the drill: ${JSON.stringify(report.failed).slice(0, 1500)}`,
        );
      }
      return report;
    } finally {
      scratch.destroy();
    }
  };
}

/** Drills every tenant; one that cannot be read or recorded counts as failed and the others still run. */
async function drillEach(drill: RecoveryDrill, tenants: readonly { readonly tenantId: string }[], scratchTable: string): Promise<RegionDrillReport> {
  const failed: { tenantId: string; detail: string }[] = [];
  for (const { tenantId } of tenants) {
    const result = await drill.verifyRestored(tenantId).catch((error: unknown) => ({ tenantId, succeeded: false, detail: (error as Error).message }));
    if (!result.succeeded) failed.push({ tenantId, detail: result.detail });
  }
  return { scratchTable, tenants: tenants.length, failed };
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

export const handler = lazyHandler(createHandler);
