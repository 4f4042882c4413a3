import * as z from '../core/zod';

/**
 * The ids of the plans, apart from the plan catalogue (plan.catalogue.ts) that describes each: a record that names
 * its plan (a directory entry, a usage report, a manifest) needs only these, not the plans' limits and prices.
 */
export const PLAN_IDS = ['free', 'team', 'enterprise'] as const;
export const planIdSchema = z.enum(PLAN_IDS);
export type PlanId = z.infer<typeof planIdSchema>;
