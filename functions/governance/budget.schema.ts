import * as z from '../core/zod';
import { keySegmentSchema } from '../data/keys';
import { tenantIdSchema } from '../data/keys';

/** Thresholds a tenant's admins are told of when no others are given: half, most, and all of the budget. */
export const DEFAULT_THRESHOLDS = [50, 80, 100] as const;

const MAX_CENTS = 1_000_000_000_00;
/** An amount of money: whole US cents, never negative. */
export const centsSchema = z.number().check(z.int('amounts are whole cents'), z.gte(0, 'amounts must not be negative'), z.lte(MAX_CENTS));

const modelIdSchema = z.string().check(z.minLength(1), z.maxLength(200));
const scopeIdSchema = z.pipe(z.string().check(z.minLength(1), z.maxLength(64)), keySegmentSchema);
/** Ids that key the figures of a response (models, agents, workflows, API keys). */
const figureKeySchema = z.string().check(z.maxLength(200));
const thresholdsSchema = z.array(z.int().check(z.gte(1), z.lte(100))).check(z.maxLength(10));

/** What happens once a budget cannot cover a model call. */
export const exhaustedPolicySchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('block') }),
  /** Calls go to `modelId` instead (allowed by the plan and cheaper), as long as the budget covers them. */
  z.strictObject({ action: z.literal('fallback'), modelId: modelIdSchema }),
]);
export type ExhaustedPolicy = z.infer<typeof exhaustedPolicySchema>;

/** The body of `PUT /budget`: the tenant's monthly budget, optionally per agent and per API key. */
export const budgetBodySchema = z.strictObject({
  /** The tenant's monthly budget in US cents. */
  monthlyCents: centsSchema,
  /** Percentages of the budget at which the tenant's admins are told, once each per month. @default [50, 80, 100] */
  thresholds: z.optional(
    z.array(z.int().check(z.gte(1), z.lte(100))).check(
      z.minLength(1),
      z.maxLength(10),
      z.refine((values) => new Set(values).size === values.length, 'thresholds must be distinct'),
    ),
  ),
  /** @default { action: 'block' } */
  onExhausted: z.optional(exhaustedPolicySchema),
  /** Monthly budgets of single agents (US cents), inside the tenant's. @default none */
  agents: z.optional(z.record(scopeIdSchema, centsSchema)),
  /** Monthly budgets of single API keys (US cents), for the runs they start. @default none */
  apiKeys: z.optional(z.record(scopeIdSchema, centsSchema)),
});
export type BudgetBody = z.infer<typeof budgetBodySchema>;

/** The stored budget policy. */
export const budgetPolicySchema = z.object({
  currency: z.literal('USD'),
  monthlyCents: centsSchema,
  thresholds: thresholdsSchema,
  onExhausted: exhaustedPolicySchema,
  agents: z.record(figureKeySchema, centsSchema),
  apiKeys: z.record(figureKeySchema, centsSchema),
  version: z.int().check(z.gte(1)),
  updatedAt: z.string().check(z.maxLength(40)),
  updatedBy: z.string().check(z.maxLength(200)),
});
export type BudgetPolicy = z.infer<typeof budgetPolicySchema>;

const spendSchema = z.object({
  /** The budget of the scope, in US cents. */
  budgetCents: z.int(),
  /** Settled spend of the month, in micro-dollars (millionths of a dollar). */
  spentMicros: z.int(),
  /** Settled spend plus the reservations of calls in flight, in micro-dollars. */
  committedMicros: z.int(),
  /** Model calls settled against the budget this month. */
  steps: z.int(),
  /** Thresholds (percent) already reached and told this month. */
  alerted: thresholdsSchema,
});
export type Spend = z.infer<typeof spendSchema>;

const byIdSchema = z.record(figureKeySchema, z.int());

/** `GET /budget`: the policy and where each of its budgets stands this month. */
export const budgetStatusSchema = z.object({
  tenantId: tenantIdSchema,
  period: z.string().check(z.regex(/^\d{4}-\d{2}$/), z.maxLength(7)),
  policy: budgetPolicySchema,
  tenant: z.extend(spendSchema, {
    /** Settled spend at this month's pace to its end (linear in time), in micro-dollars. */
    forecastMicros: z.int(),
    /** Settled spend of the month by model, agent, workflow and API key, in micro-dollars. */
    byModel: byIdSchema,
    byAgent: byIdSchema,
    byWorkflow: byIdSchema,
    byApiKey: byIdSchema,
  }),
  agents: z.record(figureKeySchema, spendSchema),
  apiKeys: z.record(figureKeySchema, spendSchema),
});
export type BudgetStatus = z.infer<typeof budgetStatusSchema>;

export const budgetPathSchema = z.strictObject({ tenantId: tenantIdSchema });
