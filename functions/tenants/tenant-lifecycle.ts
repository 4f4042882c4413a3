import { IllegalTransitionError } from '../core/errors';
import { TENANT_STATUSES, type TenantStatus } from './tenant.schema';

/**
 * The tenant lifecycle, as a pure state machine:
 *
 * ```
 * PROVISIONING ──provisioned──▶ ACTIVE ◀──reactivate── SUSPENDED
 *      │  ▲                       │ └──────suspend──────▶ │
 *      │  └─retry─┐               │                       │
 *  provisioningFailed             offboard             offboard
 *      ▼          │               ▼                       │
 *    FAILED ──────┴─offboard──▶ OFFBOARDING ◀─────────────┘
 *                                 │
 *                               purged
 *                                 ▼
 *                              DELETED  (tombstone: id kept, slug released)
 * ```
 *
 * Everything else is illegal and refused with IllegalTransitionError (409). DELETED is final.
 */

export const LIFECYCLE_EVENTS = ['provisioned', 'provisioningFailed', 'retry', 'suspend', 'reactivate', 'offboard', 'purged'] as const;
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

const TRANSITIONS: Readonly<Record<TenantStatus, Readonly<Partial<Record<LifecycleEvent, TenantStatus>>>>> = {
  PROVISIONING: { provisioned: 'ACTIVE', provisioningFailed: 'FAILED' },
  ACTIVE: { suspend: 'SUSPENDED', offboard: 'OFFBOARDING' },
  SUSPENDED: { reactivate: 'ACTIVE', offboard: 'OFFBOARDING' },
  FAILED: { retry: 'PROVISIONING', offboard: 'OFFBOARDING' },
  OFFBOARDING: { purged: 'DELETED' },
  DELETED: {},
};

/** The status after `event`, or undefined when the event is not allowed in `from`. */
export function transitionOf(from: TenantStatus, event: LifecycleEvent): TenantStatus | undefined {
  return TRANSITIONS[from][event];
}

/** The status after `event`; throws IllegalTransitionError when the event is not allowed in `from`. */
export function nextStatus(from: TenantStatus, event: LifecycleEvent): TenantStatus {
  const to = transitionOf(from, event);
  if (!to) {
    const allowed = eventsFrom(from);
    throw new IllegalTransitionError(
      `a ${from} tenant cannot ${event}${allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : ' (the tenant is deleted)'}`,
      from,
      event,
    );
  }
  return to;
}

/** The events allowed in a status. */
export function eventsFrom(from: TenantStatus): LifecycleEvent[] {
  return LIFECYCLE_EVENTS.filter((event) => TRANSITIONS[from][event] !== undefined);
}

/** Every legal `from → to` pair, for tests and documentation. */
export function legalTransitions(): ReadonlyArray<{ readonly from: TenantStatus; readonly event: LifecycleEvent; readonly to: TenantStatus }> {
  return TENANT_STATUSES.flatMap((from) => eventsFrom(from).map((event) => ({ from, event, to: TRANSITIONS[from][event] as TenantStatus })));
}

/** Statuses in which the tenant's own users may use the API (SUSPENDED: only reading the tenant record). */
export function servesTenantUsers(status: TenantStatus): boolean {
  return status === 'ACTIVE' || status === 'SUSPENDED';
}
