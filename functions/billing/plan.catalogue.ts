import * as z from 'zod';

/**
 * The plan catalogue: the one source of the limits, rate limits and prices of each plan. Quota checks, the API
 * Gateway usage plans (lib/) and the local gateway's throttling all read it.
 */
export const PLAN_IDS = ['free', 'team', 'enterprise'] as const;
export const planIdSchema = z.enum(PLAN_IDS);
export type PlanId = z.infer<typeof planIdSchema>;

export interface Plan {
  readonly id: PlanId;
  readonly title: string;
  /** Monthly price in euro cents. */
  readonly monthlyPriceCents: number;
  /** Usage-plan throttling: steady requests per second and burst. */
  readonly rateLimit: { readonly requestsPerSecond: number; readonly burst: number };
  readonly limits: {
    readonly agents: number;
    readonly workflows: number;
    readonly memoriesPerAgent: number;
    readonly runsPerMonth: number;
    readonly apiRequestsPerDay: number;
    readonly users: number;
  };
}

export const PLANS: Readonly<Record<PlanId, Plan>> = {
  free: {
    id: 'free',
    title: 'Free',
    monthlyPriceCents: 0,
    rateLimit: { requestsPerSecond: 5, burst: 10 },
    limits: { agents: 3, workflows: 3, memoriesPerAgent: 100, runsPerMonth: 100, apiRequestsPerDay: 1_000, users: 5 },
  },
  team: {
    id: 'team',
    title: 'Team',
    monthlyPriceCents: 49_00,
    rateLimit: { requestsPerSecond: 50, burst: 100 },
    limits: { agents: 50, workflows: 50, memoriesPerAgent: 10_000, runsPerMonth: 10_000, apiRequestsPerDay: 100_000, users: 50 },
  },
  enterprise: {
    id: 'enterprise',
    title: 'Enterprise',
    monthlyPriceCents: 990_00,
    rateLimit: { requestsPerSecond: 500, burst: 1_000 },
    limits: {
      agents: 1_000,
      workflows: 1_000,
      memoriesPerAgent: 1_000_000,
      runsPerMonth: 1_000_000,
      apiRequestsPerDay: 10_000_000,
      users: 5_000,
    },
  },
};
