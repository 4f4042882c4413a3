import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Logger } from '../core/logger';
import { METRIC_DIMENSIONS, METRIC_NAMES, METRIC_PROPERTIES } from '../core/metric-names';
import { logScalingEvent } from '../core/scaling-events';
import { recordMetric, withOwnMetrics } from '../core/telemetry';
import { activeTracing } from '../core/tracing';
import { NO_RUN_SLOT, type DeliveryOutcome } from '../workflows/run.worker';

/** The run a delivery is about. */
interface Run {
  readonly tenantId: string;
  readonly runId: string;
}

export interface RunTelemetryPorts {
  /** The tenant's tier (plan id), cached by the caller. */
  readonly tierOf: (tenantId: string) => Promise<string>;
  readonly logger: Logger;
}

/**
 * One delivery of a run, measured on its own (the deliveries of a batch run at once, for different tenants): one EMF
 * line with `RunLatency`, the model calls' `ModelLatency` and tokens, `RunSlotWaits` when the tenant's concurrent-run
 * slots were all taken, the tier dimension sets and the tenant, run and outcome as properties; an X-Ray subsegment
 * annotated with the tenant and run; and a scaling-event line when the run must wait for a slot.
 */
export async function observedDelivery(run: Run, ports: RunTelemetryPorts, deliver: () => Promise<DeliveryOutcome>): Promise<DeliveryOutcome> {
  return withOwnMetrics((metrics) => traced(run, () => measured(run, ports, metrics, deliver)));
}

/**
 * The delivery in a subsegment of its own (the X-Ray SDK keeps concurrent subsegments apart by async context), so
 * traces of a batch can be found by tenant. A no-op where tracing is off (outside Lambda).
 */
async function traced<T>(run: Run, work: () => Promise<T>): Promise<T> {
  const tracer = activeTracing()?.platformTracer;
  if (!tracer?.isTracingEnabled()) return work();
  return (await tracer.provider.captureAsyncFunc(`run ${run.runId}`, async (subsegment) => {
    subsegment?.addAnnotation('tenantId', run.tenantId);
    subsegment?.addAnnotation('runId', run.runId);
    try {
      return await work();
    } catch (error) {
      subsegment?.addError(error as Error);
      throw error;
    } finally {
      subsegment?.close();
    }
  })) as T;
}

/** The delivery timed, then its metric line and, when it must wait for a slot, its scaling event. */
async function measured(run: Run, ports: RunTelemetryPorts, metrics: Metrics, deliver: () => Promise<DeliveryOutcome>): Promise<DeliveryOutcome> {
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
}
