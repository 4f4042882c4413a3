import type { PlanId } from './plan.catalogue';

/**
 * Service levels and capacity per plan (tier): the p99 latency of API requests and the availability the platform
 * promises, the share of requests that may fail with a server error over five minutes, and the run workers kept for
 * the tier. The tier alarms (lib/constructs/platform-observability.ts) compare the tier's metrics with these; the
 * tenant health report shows a tenant its own figures against them; the region stack sizes the run consumer from them.
 */
export interface ServiceLevel {
  /** p99 of the route groups' request latency, in milliseconds. */
  readonly p99LatencyMs: number;
  /** Highest acceptable share of 5xx answers over five minutes (0.01 = 1 %). */
  readonly serverErrorRate: number;
  /** Share of requests answered without a server error over an hour that the tier is promised (0.999 = 99.9 %). */
  readonly availability: number;
  /**
   * Concurrent run-consumer invocations sized for the tier's runs. The consumer's reserved concurrency, and the most
   * the runs queue's event source invokes at once, is the sum over the tiers: the account's other functions can
   * never take the run workers away. Within that pool, each tenant is held to its plan's `concurrentRuns`.
   */
  readonly runWorkers: number;
}

export const SERVICE_LEVELS: Readonly<Record<PlanId, ServiceLevel>> = {
  free: { p99LatencyMs: 3_000, serverErrorRate: 0.05, availability: 0.99, runWorkers: 5 },
  team: { p99LatencyMs: 1_500, serverErrorRate: 0.01, availability: 0.995, runWorkers: 15 },
  enterprise: { p99LatencyMs: 1_000, serverErrorRate: 0.005, availability: 0.999, runWorkers: 30 },
};

/** The run consumer's reserved concurrency: the run workers of every tier together. */
export function runWorkerCapacity(levels: Readonly<Record<string, ServiceLevel>> = SERVICE_LEVELS): number {
  return Object.values(levels).reduce((sum, level) => sum + level.runWorkers, 0);
}
