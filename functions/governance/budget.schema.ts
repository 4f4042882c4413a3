import * as z from 'zod';
import { keySegmentSchema } from '../data/keys';
import { tenantIdSchema } from '../data/keys';

/** Thresholds a tenant's admins are told of when no others are given: half, most, and all of the budget. */
export const DEFAULT_THRESHOLDS = [50, 80, 100] as const;

const MAX_CENTS = 1_000_000_000_00;
/** An amount of money: whole US cents, never negative. */
export const centsSchema = z.number().int('amounts are whole cents').min(0, 'amounts must not be negative').max(MAX_CENTS);

const modelIdSchema = z.string().min(1).max(200);
const scopeIdSchema = z.string().min(1).max(64).pipe(keySegmentSchema);
/** Ids that key the figures of a response (models, agents, workflows, API keys). */
const figureKeySchema = z.string().max(200);
const thresholdsSchema = z.array(z.number().int().min(1).max(100)).max(10);

/** What happens once a budget cannot cover a model call. */
export const exhaustedPolicySchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('block') }).strict(),
  /** Calls go to `modelId` instead (allowed by the plan and cheaper), as long as the budget covers them. */
  z.object({ action: z.literal('fallback'), modelId: modelIdSchema }).strict(),
]);
export type ExhaustedPolicy = z.infer<typeof exhaustedPolicySchema>;

/** The body of `PUT /budget`: the tenant's monthly budget, optionally per agent and per API key. */
export const budgetBodySchema = z
  .object({
    /** The tenant's monthly budget in US cents. */
    monthlyCents: centsSchema,
    /** Percentages of the budget at which the tenant's admins are told, once each per month. @default [50, 80, 100] */
    thresholds: z
      .array(z.number().int().min(1).max(100))
      .min(1)
      .max(10)
      .refine((values) => new Set(values).size === values.length, 'thresholds must be distinct')
      .optional(),
    /** @default { action: 'block' } */
    onExhausted: exhaustedPolicySchema.optional(),
    /** Monthly budgets of single agents (US cents), inside the tenant's. @default none */
    agents: z.record(scopeIdSchema, centsSchema).optional(),
    /** Monthly budgets of single API keys (US cents), for the runs they start. @default none */
    apiKeys: z.record(scopeIdSchema, centsSchema).optional(),
  })
  .strict();
export type BudgetBody = z.infer<typeof budgetBodySchema>;

/** The stored budget policy. */
export const budgetPolicySchema = z.object({
  currency: z.literal('USD'),
  monthlyCents: centsSchema,
  thresholds: thresholdsSchema,
  onExhausted: exhaustedPolicySchema,
  agents: z.record(figureKeySchema, centsSchema),
  apiKeys: z.record(figureKeySchema, centsSchema),
  version: z.number().int().min(1),
  updatedAt: z.string().max(40),
  updatedBy: z.string().max(200),
});
export type BudgetPolicy = z.infer<typeof budgetPolicySchema>;

const spendSchema = z.object({
  /** The budget of the scope, in US cents. */
  budgetCents: z.number().int(),
  /** Settled spend of the month, in micro-dollars (millionths of a dollar). */
  spentMicros: z.number().int(),
  /** Settled spend plus the reservations of calls in flight, in micro-dollars. */
  committedMicros: z.number().int(),
  /** Model calls settled against the budget this month. */
  steps: z.number().int(),
  /** Thresholds (percent) already reached and told this month. */
  alerted: thresholdsSchema,
});
export type Spend = z.infer<typeof spendSchema>;

const byIdSchema = z.record(figureKeySchema, z.number().int());

/** `GET /budget`: the policy and where each of its budgets stands this month. */
export const budgetStatusSchema = z.object({
  tenantId: tenantIdSchema,
  period: z
    .string()
    .regex(/^\d{4}-\d{2}$/)
    .max(7),
  policy: budgetPolicySchema,
  tenant: spendSchema.extend({
    /** Settled spend at this month's pace to its end (linear in time), in micro-dollars. */
    forecastMicros: z.number().int(),
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

export const budgetPathSchema = z.object({ tenantId: tenantIdSchema }).strict();
