import type { Logger } from './logger';

/**
 * What made the platform hold a tenant's work back:
 * - `throttled`: its usage plan refused requests (429 at the gateway);
 * - `quota-refused`: a plan quota was used up (`quota-exceeded`);
 * - `concurrency-limit`: a run waited because the tenant's concurrent-run slots were all taken.
 */
export type ScalingEventKind = 'throttled' | 'quota-refused' | 'concurrency-limit';

export interface ScalingEvent {
  readonly kind: ScalingEventKind;
  readonly tenantId: string;
  /** The tenant's tier (plan id). */
  readonly tier: string;
  /** How many times it happened (a log of gateway answers reports them grouped). @default 1 */
  readonly count?: number;
  /** What else identifies it (request id, run id, the quota's name, the hour). */
  readonly detail?: Readonly<Record<string, string | number>>;
}

/** The message of every scaling event line: one Logs Insights filter (`message = "scaling event"`) finds them all. */
export const SCALING_EVENT_MESSAGE = 'scaling event';

/**
 * Logs one scaling event as one structured line with the tenant and its tier, so operators can tell which tenant
 * hit which limit, and how often, from the logs alone (`stats sum(count) by tenantId, scalingEvent`).
 */
export function logScalingEvent(logger: Logger, event: ScalingEvent): void {
  logger.info(SCALING_EVENT_MESSAGE, {
    scalingEvent: event.kind,
    tenantId: event.tenantId,
    tier: event.tier,
    count: event.count ?? 1,
    ...event.detail,
  });
}
