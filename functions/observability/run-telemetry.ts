import type { Logger } from '../core/logger';
import { METRIC_DIMENSIONS, METRIC_NAMES, METRIC_PROPERTIES } from '../core/metric-names';
import { logScalingEvent } from '../core/scaling-events';
import { recordMetric, withOwnMetrics } from '../core/telemetry';
import { NO_RUN_SLOT, type DeliveryOutcome } from '../workflows/run.worker';

export interface RunTelemetryPorts {
  /** The tenant's tier (plan id), cached by the caller. */
  readonly tierOf: (tenantId: string) => Promise<string>;
  readonly logger: Logger;
}

/**
 * One delivery of a run, measured on its own (the deliveries of a batch run at once, for different tenants): one EMF
 * line with `RunLatency`, the model calls' `ModelLatency` and tokens, `RunSlotWaits` when the tenant's concurrent-run
 * slots were all taken, the tier dimension sets and the tenant, run and outcome as properties; and a scaling-event
 * line when the run must wait for a slot.
 */
export async function observedDelivery(
  run: { readonly tenantId: string; readonly runId: string },
  ports: RunTelemetryPorts,
  deliver: () => Promise<DeliveryOutcome>,
): Promise<DeliveryOutcome> {
  return withOwnMetrics(async (metrics) => {
    const started = performance.now();
    let outcome: DeliveryOutcome | undefined;
    try {
      outcome = await deliver();
      return outcome;
    } finally {
      const tier = await ports.tierOf(run.tenantId).catch(() => 'unknown');
      const slotWait = outcome?.kind === 'later' && outcome.reason === NO_RUN_SLOT;
      if (slotWait) logScalingEvent(ports.logger, { kind: 'concurrency-limit', tenantId: run.tenantId, tier, detail: { runId: run.runId } });
      try {
        metrics.addDimensions({});
        metrics.addDimensions({ [METRIC_DIMENSIONS.tier]: tier });
        metrics.addMetadata(METRIC_PROPERTIES.tenantId, run.tenantId);
        metrics.addMetadata(METRIC_PROPERTIES.runId, run.runId);
        metrics.addMetadata(METRIC_PROPERTIES.outcome, outcome?.kind ?? 'failed');
        recordMetric(METRIC_NAMES.runLatency, Math.round((performance.now() - started) * 1000) / 1000);
        if (slotWait) recordMetric(METRIC_NAMES.runSlotWaits);
        metrics.publishStoredMetrics();
      } catch (failure) {
        // Telemetry must never change what becomes of a run.
        ports.logger.warn('run metrics not published', { tenantId: run.tenantId, error: failure as Error });
      }
    }
  });
}
