import type { Plan } from '../billing/plan.catalogue';
import { keys } from '../data/keys';

/**
 * Quota counters: one item per limited thing, holding `count` (and `bytes` of stored content where it applies),
 * changed only inside the transaction that creates or deletes what it counts. Increments carry the condition
 * `count < limit` with the limit read from the plan catalogue, so under any concurrency no tenant exceeds its plan,
 * and every counter equals the number of items it counts.
 */

/** The plan limits that are enforced by counters (API requests per day are throttled by the usage plan instead). */
export type QuotaName = Exclude<keyof Plan['limits'], 'apiRequestsPerDay'>;

/** Attribute names of a counter item. */
export const COUNTER_ATTRIBUTES = { count: 'count', bytes: 'bytes' } as const;

export interface QuotaCounter {
  readonly quota: QuotaName;
  readonly key: { readonly pk: string; readonly sk: string };
  /** What the counter counts, for messages: `agents`, `memories of agent 01J…`, `runs in 2026-11`. */
  readonly label: string;
}

/** A change of one counter inside a mutation: +1 on create (checked against the limit), -1 on delete. */
export interface QuotaChange {
  readonly counter: QuotaCounter;
  readonly delta: number;
  /** Change of stored bytes counted with it (storage metering). @default 0 */
  readonly bytes?: number;
}

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
  /** Memories of one agent: kept in the agent's memory partition, so agents do not contend for one counter. */
  memories: (tenantId: string, agentId: string): QuotaCounter => ({
    quota: 'memoriesPerAgent',
    key: keys.memoryCounter(tenantId, agentId),
    label: `memories of agent ${agentId}`,
  }),
  /** Runs started in a month (`YYYY-MM`): a new counter each period, so nothing needs resetting. */
  runs: (tenantId: string, period: string): QuotaCounter => ({
    quota: 'runsPerMonth',
    key: keys.quotaCounter(tenantId, 'RUNS', period),
    label: `runs in ${period}`,
  }),
} as const;
