import type { PlanId } from './plan.catalogue';

/**
 * Service levels per plan (tier): the p99 latency of API requests the platform promises, and the share of requests
 * that may fail with a server error. The tier alarms (lib/constructs/platform-observability.ts) compare the tier's
 * metrics with these; the tenant health report shows a tenant its own figures against them.
 */
export interface ServiceLevel {
  /** p99 of the route groups' request latency, in milliseconds. */
  readonly p99LatencyMs: number;
  /** Highest acceptable share of 5xx answers over five minutes (0.01 = 1 %). */
  readonly serverErrorRate: number;
}

export const SERVICE_LEVELS: Readonly<Record<PlanId, ServiceLevel>> = {
  free: { p99LatencyMs: 3_000, serverErrorRate: 0.05 },
  team: { p99LatencyMs: 1_500, serverErrorRate: 0.01 },
  enterprise: { p99LatencyMs: 1_000, serverErrorRate: 0.005 },
};
