import type { RegionCloseReport } from '../billing/period-close.run';
import { TENANT_DATA_CATALOGUE } from '../tenant-data.catalogue';
import { createBillingServices } from './billing.dependencies';
import { lazyHandler, writingMeter } from './dependencies';
import { createLifecycleDependencies, usageKeyBindingOf } from './lifecycle.dependencies';
import type { RuntimeConfig } from './runtime-config';

/** What the schedule hands the function (an EventBridge Scheduler or rule event); only its id is read. */
export interface PeriodCloseEvent {
  readonly id?: string;
}

/**
 * The region's period close, run on a schedule (EventBridge in AWS, a timer of the local platform): closes the ended
 * billing periods of every tenant homed here, one invoice each, and suspends tenants past their grace days. Running
 * it again (a retry, an overlapping schedule) issues nothing new.
 */
export function createHandler(config: RuntimeConfig) {
  const deps = createLifecycleDependencies(config, 'period-close', { catalogue: TENANT_DATA_CATALOGUE });
  const usageKeys = usageKeyBindingOf(config);
  const billing = createBillingServices({
    config,
    local: deps.local,
    tenants: { get: (tenantId) => deps.tenantRecords(tenantId).get(tenantId) },
    lifecycle: deps.lifecycle,
    logger: deps.logger,
    ...(usageKeys ? { usageKeys } : {}),
  });
  return writingMeter(config, async (event: PeriodCloseEvent): Promise<RegionCloseReport> => {
    const report = await billing.closeRegion(`period-close-${event.id ?? Date.now()}`);
    deps.logger.info('period close done', {
      tenants: report.tenants,
      issued: report.issued.length,
      suspended: report.suspended.length,
      failed: report.failed.length,
    });
    return report;
  });
}

export const handler = lazyHandler(createHandler);
