import { METRIC_DIMENSIONS, METRIC_NAMES, METRIC_PROPERTIES } from '../core/metric-names';
import { platformMetrics, recordMetric } from '../core/telemetry';

export interface ThrottleCount {
  readonly tenantId: string;
  /** The tenant's tier; `platform` for the platform key. */
  readonly tier: string;
  /** @default 1 */
  readonly count?: number;
  /** The refused request, when there is one (the local gateway's line). */
  readonly requestId?: string;
}

/**
 * The metric line of requests a usage plan refused (429) before any function ran: `Throttles` with the platform and
 * tier dimension sets, the tenant as an EMF property. The local gateway writes one per refusal; in AWS the throttle
 * recorder writes one per tenant and hour of each batch it reads from the stage's access log (the access log's metric
 * filter counts the same refusals without dimensions, for the platform alarm).
 */
export function recordThrottles(throttles: ThrottleCount): void {
  platformMetrics.addDimensions({});
  platformMetrics.addDimensions({ [METRIC_DIMENSIONS.tier]: throttles.tier });
  platformMetrics.addMetadata(METRIC_PROPERTIES.tenantId, throttles.tenantId);
  if (throttles.requestId) platformMetrics.addMetadata(METRIC_PROPERTIES.requestId, throttles.requestId);
  platformMetrics.addMetadata(METRIC_PROPERTIES.status, '429');
  recordMetric(METRIC_NAMES.throttles, throttles.count ?? 1);
  platformMetrics.publishStoredMetrics();
}
