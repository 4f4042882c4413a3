import { METRIC_DIMENSIONS, METRIC_NAMES, METRIC_PROPERTIES } from '../functions/core/metric-names';
import { platformMetrics, recordMetric } from '../functions/core/telemetry';

/**
 * The metric line of a request the usage plan refused (429): in AWS API Gateway answers it before any function runs,
 * and a metric filter on the stage's access log counts it; locally the gateway writes the same EMF line.
 */
export function recordThrottle(requestId: string, tenantId: string, tier: string): void {
  platformMetrics.addDimensions({});
  platformMetrics.addDimensions({ [METRIC_DIMENSIONS.tier]: tier });
  platformMetrics.addMetadata(METRIC_PROPERTIES.tenantId, tenantId);
  platformMetrics.addMetadata(METRIC_PROPERTIES.requestId, requestId);
  platformMetrics.addMetadata(METRIC_PROPERTIES.status, '429');
  recordMetric(METRIC_NAMES.throttles);
  platformMetrics.publishStoredMetrics();
}
