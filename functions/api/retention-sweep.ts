import { createLogger } from '../core/logger';
import { RetentionSweep, type RegionSweepReport } from '../portability/retention-sweep';
import { EXPIRING_KINDS } from '../expiring.catalogue';
import { createTenantWrites, lazyHandler, regionTenants, writingMeter } from './dependencies';
import type { RuntimeConfig } from './runtime-config';

/** What the schedule hands the function (an EventBridge rule event); only its id is read. */
export interface RetentionSweepEvent {
  readonly id?: string;
}

/**
 * The region's retention sweep, run on a schedule (EventBridge in AWS, a timer of the local platform): brings the
 * items of every tenant homed here in line with its retention settings and legal hold (see RetentionSweep). It
 * reads the directory for the region's tenants and writes each tenant's data with the tenant data role.
 */
export function createHandler(config: RuntimeConfig) {
  const { db, executor } = createTenantWrites(config);
  const sweep = new RetentionSweep({ db, tableName: config.TABLE_NAME, catalogue: EXPIRING_KINDS, audit: executor });
  // A tenant being moved is swept in its new region: its changes are held here.
  const tenants = regionTenants(config, { changing: true });
  const logger = createLogger('retention-sweep', config.LOG_LEVEL);
  return writingMeter(config, async (event: RetentionSweepEvent): Promise<RegionSweepReport> => {
    const tenantIds = (await tenants()).map((tenant) => tenant.tenantId);
    const report = await sweep.sweepTenants(tenantIds, `retention-sweep-${event.id ?? Date.now()}`);
    if (report.failed.length > 0) logger.error('retention sweep failed for some tenants', { failed: report.failed });
    logger.info('retention sweep done', { tenants: report.tenants, changed: report.changed, failed: report.failed.length });
    return report;
  });
}

export const handler = lazyHandler(createHandler);
