import * as z from 'zod';

/**
 * The plan catalogue: the one source of the limits, rate limits, prices and models of each plan. Quota checks, the
 * API Gateway usage plans (lib/), the local gateway's throttling and the agents' model check all read it.
 */
export const PLAN_IDS = ['free', 'team', 'enterprise'] as const;
export const planIdSchema = z.enum(PLAN_IDS);
export type PlanId = z.infer<typeof planIdSchema>;

/**
 * Models of the local provider (`npm start`, tests): deterministic answers without network, so on every plan. In
 * AWS the Bedrock provider refuses them, which costs nothing.
 */
export const LOCAL_MODEL_IDS = ['local.echo', 'local.echo-v1', 'local.writer', 'local.critic'] as const;

/** Small Bedrock models every plan may run. */
const BASE_MODEL_IDS = ['amazon.nova-micro-v1:0', 'amazon.nova-lite-v1:0'] as const;
/** Mid-sized models, from the Team plan on. */
const TEAM_MODEL_IDS = ['amazon.nova-pro-v1:0', 'anthropic.claude-3-haiku-20240307-v1:0', 'anthropic.claude-3-5-haiku-20241022-v1:0'] as const;
/** Large models, on Enterprise only: their price per token is an order of magnitude above the others. */
const ENTERPRISE_MODEL_IDS = ['anthropic.claude-3-5-sonnet-20240620-v1:0', 'anthropic.claude-3-7-sonnet-20250219-v1:0'] as const;

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
    /** Tool definitions agents can name (functions/tools/tool.kind.ts). */
    readonly tools: number;
    /**
     * Workflow runs of the tenant executing at once; runs beyond it wait QUEUED until a slot frees (the queue
     * consumer checks it when a run begins), so one tenant's burst cannot take every worker.
     */
    readonly concurrentRuns: number;
  };
  /**
   * Model ids (Bedrock model or inference profile ids) the plan's agents may name; anything else is refused when an
   * agent is created or changed, so a tenant cannot run models priced above its plan.
   */
  readonly models: readonly string[];
  /**
   * How model calls made with the tenant's own provider credential are billed: this percentage of the price table's
   * list price counts as the tenant's spend (0: metered only, never billed). The provider bills the tenant's own
   * account for the tokens themselves.
   */
  readonly ownKeyBilledPercent: number;
}

export const PLANS: Readonly<Record<PlanId, Plan>> = {
  free: {
    id: 'free',
    title: 'Free',
    monthlyPriceCents: 0,
    rateLimit: { requestsPerSecond: 5, burst: 10 },
    limits: { agents: 3, workflows: 3, memoriesPerAgent: 100, runsPerMonth: 100, apiRequestsPerDay: 1_000, users: 5, tools: 10, concurrentRuns: 2 },
    models: [...LOCAL_MODEL_IDS, ...BASE_MODEL_IDS],
    ownKeyBilledPercent: 100,
  },
  team: {
    id: 'team',
    title: 'Team',
    monthlyPriceCents: 49_00,
    rateLimit: { requestsPerSecond: 50, burst: 100 },
    limits: { agents: 50, workflows: 50, memoriesPerAgent: 10_000, runsPerMonth: 10_000, apiRequestsPerDay: 100_000, users: 50, tools: 200, concurrentRuns: 5 },
    models: [...LOCAL_MODEL_IDS, ...BASE_MODEL_IDS, ...TEAM_MODEL_IDS],
    ownKeyBilledPercent: 10,
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
      tools: 5_000,
      concurrentRuns: 50,
    },
    models: [...LOCAL_MODEL_IDS, ...BASE_MODEL_IDS, ...TEAM_MODEL_IDS, ...ENTERPRISE_MODEL_IDS],
    ownKeyBilledPercent: 0,
  },
};

/** True when the plan's agents may name the model. */
export function planAllowsModel(plan: Plan, modelId: string): boolean {
  return plan.models.includes(modelId);
}

/**
 * Throttle of the platform usage plan, which meters platform admins' requests (they act for the platform, not within
 * a tenant's plan); no daily quota.
 */
export const PLATFORM_RATE_LIMIT: Plan['rateLimit'] = { requestsPerSecond: 50, burst: 100 };
