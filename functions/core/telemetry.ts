import { AsyncLocalStorage } from 'node:async_hooks';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRIC_NAMES, METRICS_NAMESPACE, METRICS_SERVICE, type MetricName } from './metric-names';

/**
 * The metrics of the function instance: one Powertools Metrics (EMF to stdout), created once at module scope as
 * Powertools intends (the X-Ray tracer is in tracing.ts, loaded only where tracing is on). Metrics added during an invocation are published with the
 * request's dimensions and properties when the request telemetry middleware ends it. Where invocations run
 * concurrently in one process (Lambda with `AWS_LAMBDA_MAX_CONCURRENCY`, and the local gateway, which runs the same
 * way) Powertools keeps each invocation's metrics and log keys apart through the invocation store.
 */
export const platformMetrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });

const UNITS: Partial<Record<MetricName, (typeof MetricUnit)[keyof typeof MetricUnit]>> = {
  [METRIC_NAMES.latency]: MetricUnit.Milliseconds,
  [METRIC_NAMES.modelLatency]: MetricUnit.Milliseconds,
  [METRIC_NAMES.runLatency]: MetricUnit.Milliseconds,
};

const scopedMetrics = new AsyncLocalStorage<Metrics>();

/** The metrics that `recordMetric` adds to here: a unit of work's own (see withOwnMetrics), else the invocation's. */
export function currentMetrics(): Metrics {
  return scopedMetrics.getStore() ?? platformMetrics;
}

/** Adds a value to the current invocation's metrics (published with the request's dimensions). */
export function recordMetric(name: MetricName, value = 1): void {
  currentMetrics().addMetric(name, UNITS[name] ?? MetricUnit.Count, value);
}

/**
 * Runs one unit of work of an invocation that does several for different tenants at once (the run consumer's batch)
 * with metrics of its own: what it records, the model calls' latency and tokens included, lands in its line only.
 */
export function withOwnMetrics<T>(work: (metrics: Metrics) => Promise<T>): Promise<T> {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });
  return scopedMetrics.run(metrics, () => work(metrics));
}
