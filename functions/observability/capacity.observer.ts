import type { ConsumedCapacityObserver } from './consumed-capacity.plugin';
import { METRIC_NAMES } from '../core/metric-names';
import { recordMetric } from '../core/telemetry';
import type { UsageMeter } from '../usage/usage.meter';

/** Capacity units of a tenant's call: into the tenant's cost, and into the request's metric line. */
export function capacityObserver(costs: Pick<UsageMeter, 'addCapacity'>): ConsumedCapacityObserver {
  return (tenantId, units) => {
    costs.addCapacity(tenantId, units);
    if (units.readUnits > 0) recordMetric(METRIC_NAMES.readCapacityUnits, units.readUnits);
    if (units.writeUnits > 0) recordMetric(METRIC_NAMES.writeCapacityUnits, units.writeUnits);
  };
}
