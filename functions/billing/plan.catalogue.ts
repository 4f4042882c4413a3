import type { PlanId } from './plan-id';

/**
 * The plan catalogue: the one source of the limits, rate limits, prices and models of each plan. Quota checks, the
 * API Gateway usage plans (lib/), the local gateway's throttling and the agents' model check all read it. The plan
 * ids live in plan-id.ts, which a record that only names its plan imports instead; they are re-exported here.
 */
export { PLAN_IDS, planIdSchema, type PlanId } from './plan-id';

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
  /** What the invoice of a period charges beyond the monthly price, and how long an unpaid invoice is tolerated. */
  readonly billing: BillingTerms;
}

/** The metered quantities an invoice charges when a period's usage goes beyond what the plan includes. */
export const METERED_QUANTITIES = ['runs', 'tokens', 'storageBytes', 'requests'] as const;
export type MeteredQuantity = (typeof METERED_QUANTITIES)[number];

/** The price of usage beyond the plan: every started block of `blockSize` units past `included` costs `centsPerBlock`. */
export interface OverageRate {
  readonly included: number;
  readonly blockSize: number;
  /** Euro cents; integer. */
  readonly centsPerBlock: number;
}

export interface BillingTerms {
  readonly overage: Readonly<Record<MeteredQuantity, OverageRate>>;
  /**
   * Days a subscription may stay past_due (a payment of its invoice failed) before the tenant is suspended through
   * the ordinary suspension; a successful payment within them makes it active again.
   */
  readonly graceDays: number;
}

// PLANS is built with the helpers below, which are declared free of side effects: a bundle that imports this module
// but never reads PLANS (the authorizer's, through a plan source it never builds) then leaves the table out. Written
// out with spreads (`[...LOCAL_MODEL_IDS]`) or products (`100 * MIB`), the table would stay in every such bundle, as a
// bundler must assume that a spread runs an iterator and a product calls valueOf.

/** A plan's models: the tiers it includes, in order. */
// @__NO_SIDE_EFFECTS__
function modelsOf(...tiers: readonly (readonly string[])[]): readonly string[] {
  return tiers.flat();
}

/** `n` MiB in bytes. */
// @__NO_SIDE_EFFECTS__
function mib(n: number): number {
  return n * 1024 ** 2;
}

/** `n` GiB in bytes. */
// @__NO_SIDE_EFFECTS__
function gib(n: number): number {
  return n * 1024 ** 3;
}

export const PLANS: Readonly<Record<PlanId, Plan>> = {
  free: {
    id: 'free',
    title: 'Free',
    monthlyPriceCents: 0,
    rateLimit: { requestsPerSecond: 5, burst: 10 },
    limits: { agents: 3, workflows: 3, memoriesPerAgent: 100, runsPerMonth: 100, apiRequestsPerDay: 1_000, users: 5, tools: 10, concurrentRuns: 2 },
    models: modelsOf(LOCAL_MODEL_IDS, BASE_MODEL_IDS),
    ownKeyBilledPercent: 100,
    // The free plan's quotas stop usage before it costs anything: its overage is free.
    billing: {
      overage: {
        runs: { included: 100, blockSize: 100, centsPerBlock: 0 },
        tokens: { included: 100_000, blockSize: 100_000, centsPerBlock: 0 },
        storageBytes: { included: mib(100), blockSize: mib(100), centsPerBlock: 0 },
        requests: { included: 30_000, blockSize: 10_000, centsPerBlock: 0 },
      },
      graceDays: 7,
    },
  },
  team: {
    id: 'team',
    title: 'Team',
    monthlyPriceCents: 49_00,
    rateLimit: { requestsPerSecond: 50, burst: 100 },
    limits: { agents: 50, workflows: 50, memoriesPerAgent: 10_000, runsPerMonth: 10_000, apiRequestsPerDay: 100_000, users: 50, tools: 200, concurrentRuns: 5 },
    models: modelsOf(LOCAL_MODEL_IDS, BASE_MODEL_IDS, TEAM_MODEL_IDS),
    ownKeyBilledPercent: 10,
    billing: {
      overage: {
        runs: { included: 5_000, blockSize: 100, centsPerBlock: 1_00 },
        tokens: { included: 5_000_000, blockSize: 1_000_000, centsPerBlock: 2_00 },
        storageBytes: { included: gib(5), blockSize: gib(1), centsPerBlock: 25 },
        requests: { included: 1_000_000, blockSize: 100_000, centsPerBlock: 50 },
      },
      graceDays: 14,
    },
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
    models: modelsOf(LOCAL_MODEL_IDS, BASE_MODEL_IDS, TEAM_MODEL_IDS, ENTERPRISE_MODEL_IDS),
    ownKeyBilledPercent: 0,
    billing: {
      overage: {
        runs: { included: 500_000, blockSize: 1_000, centsPerBlock: 5_00 },
        tokens: { included: 500_000_000, blockSize: 1_000_000, centsPerBlock: 1_50 },
        storageBytes: { included: gib(500), blockSize: gib(1), centsPerBlock: 20 },
        requests: { included: 100_000_000, blockSize: 1_000_000, centsPerBlock: 3_00 },
      },
      graceDays: 30,
    },
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

/**
 * Throttle of the redirect usage plan, which meters requests of tenants homed in another region (answered 421 with
 * their region, reading nothing of theirs); no daily quota.
 */
export const REDIRECT_RATE_LIMIT: Plan['rateLimit'] = { requestsPerSecond: 20, burst: 40 };
