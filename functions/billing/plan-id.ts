import * as z from '../core/zod';

/**
 * The ids of the plans, apart from the plan catalogue that describes each: a record that names its plan (a directory
 * entry, a usage report, a manifest) needs only these, and a bundle that reads such records then carries no plan's
 * limits or prices (the catalogue's tables are built from spreads, which a bundler cannot prove unused).
 */
export const PLAN_IDS = ['free', 'team', 'enterprise'] as const;
export const planIdSchema = z.enum(PLAN_IDS);
export type PlanId = z.infer<typeof planIdSchema>;
