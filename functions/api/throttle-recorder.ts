import type { CloudWatchLogsEvent } from 'aws-lambda';
import { NotFoundError } from '../core/errors';
import { createLogger } from '../core/logger';
import { ThrottleRecorder, throttledHoursOf } from '../observability/throttle-recorder';
import { CachedPlanSource } from '../quotas/plan.source';
import { isolationOf, lazyHandler, meterOf, writingMeter } from './dependencies';
import type { RuntimeConfig } from './runtime-config';

/** The recorder of a function instance: the functions' usage meter and plan cache, through the tenant data role. */
export function createThrottleRecorder(config: RuntimeConfig): ThrottleRecorder {
  const plans = new CachedPlanSource({ db: (tenantId) => isolationOf(config).forTenant(tenantId), tableName: config.TABLE_NAME });
  return new ThrottleRecorder({
    meter: meterOf(config),
    tierOf: (tenantId) =>
      plans.planOf(tenantId).then(
        (plan) => plan.id,
        (error: unknown) => {
          if (error instanceof NotFoundError) return undefined;
          throw error;
        },
      ),
    logger: createLogger('throttle-recorder', config.LOG_LEVEL),
  });
}

/**
 * Subscribed to the API stage's access log with a filter on `status = 429`: counts the requests usage plans refused
 * (API Gateway answers them before any function runs) into each tenant's health. See ThrottleRecorder.
 */
export function createHandler(config: RuntimeConfig, recorder: ThrottleRecorder = createThrottleRecorder(config)) {
  // The capacity its writes consumed is the tenants' cost too.
  return writingMeter(config, async (event: CloudWatchLogsEvent): Promise<void> => {
    await recorder.record(throttledHoursOf(event));
  });
}

export const handler = lazyHandler(createHandler);
