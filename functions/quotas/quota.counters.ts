import type { Plan } from '../billing/plan.catalogue';
import * as keys from '../data/table-keys';
import type { QuotaChange as PortChange, QuotaCounter as PortCounter } from '../data/mutation.ports';

/**
 * Quota counters: one item per limited thing, holding `count` (and `bytes` of stored content where it applies),
 * changed only inside the transaction that creates or deletes what it counts. Increments carry the condition
 * `count < limit` with the limit read from the plan catalogue, so under any concurrency no tenant exceeds its plan,
 * and every counter equals the number of items it counts.
 */

/** The plan limits that are enforced by counters (API requests per day are throttled by the usage plan instead). */
export type QuotaName = Exclude<keyof Plan['limits'], 'apiRequestsPerDay'>;

export { COUNTER_ATTRIBUTES } from '../data/mutation.ports';

/** A counter of one of the plan's limits. */
export type QuotaCounter = PortCounter<QuotaName>;

/** A change of one counter inside a mutation. */
export type QuotaChange = PortChange<QuotaName>;

/** The calendar month (UTC) of a time, `YYYY-MM`: the period of monthly counters. */
export function monthOf(time: Date): string {
  return time.toISOString().slice(0, 7);
}

/** The counters of each limited resource. */
export const quotaCounters = {
  agents: (tenantId: string): QuotaCounter => ({ quota: 'agents', key: keys.quotaCounter(tenantId, 'AGENTS'), label: 'agents' }),
  workflows: (tenantId: string): QuotaCounter => ({
    quota: 'workflows',
    key: keys.quotaCounter(tenantId, 'WORKFLOWS'),
    label: 'workflows',
  }),
  users: (tenantId: string): QuotaCounter => ({ quota: 'users', key: keys.quotaCounter(tenantId, 'USERS'), label: 'users' }),
  /**
   * Memories of one agent: kept in the agent's memory partition, so agents do not contend for one counter; on the
   * byCollection index too, so the usage report reads every agent's counter with one Query.
   */
  memories: (tenantId: string, agentId: string): QuotaCounter => ({
    quota: 'memoriesPerAgent',
    key: keys.memoryCounter(tenantId, agentId),
    label: `memories of agent ${agentId}`,
    collection: { pk: keys.memoryCounters(tenantId), sk: agentId },
  }),
  /** Runs started in a month (`YYYY-MM`): a new counter each period, so nothing needs resetting. */
  runs: (tenantId: string, period: string): QuotaCounter => ({
    quota: 'runsPerMonth',
    key: keys.quotaCounter(tenantId, 'RUNS', period),
    label: `runs in ${period}`,
  }),
  /** Runs executing now: taken when a run begins, given back when it ends (SUCCEEDED, FAILED or CANCELLED). */
  runsInFlight: (tenantId: string): QuotaCounter => ({
    quota: 'concurrentRuns',
    key: keys.quotaCounter(tenantId, 'RUNS-IN-FLIGHT'),
    label: 'runs executing at once',
  }),
} as const;
