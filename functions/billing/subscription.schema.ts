import * as z from '../core/zod';
import { tenantIdSchema } from '../core/tenant-id';
import { PLAN_IDS, planIdSchema } from './plan-id';

/** The currency of every price and amount of the platform (plan prices are euro cents). */
export const BILLING_CURRENCY = 'EUR';

export const SUBSCRIPTION_STATUSES = ['trialing', 'active', 'past_due', 'canceled'] as const;
export const subscriptionStatusSchema = z.enum(SUBSCRIPTION_STATUSES);

const instant = z.iso.datetime();

export const billingPeriodSchema = z.object({ start: instant, end: instant });

/** An upgrade within the period: charged on the period's invoice. */
export const prorationSchema = z.object({
  at: instant,
  fromPlan: planIdSchema,
  toPlan: planIdSchema,
  /** Minor units of BILLING_CURRENCY; integer. */
  amount: z.int(),
  currency: z.literal(BILLING_CURRENCY),
});

export const subscriptionSchema = z.object({
  tenantId: tenantIdSchema,
  plan: planIdSchema,
  status: subscriptionStatusSchema,
  currentPeriod: billingPeriodSchema,
  /** Cancels (status canceled) when the current period ends. */
  cancelAtPeriodEnd: z.boolean(),
  /** A downgrade waiting for the end of the period. */
  pendingChange: z.optional(z.object({ plan: planIdSchema, effectiveAt: instant })),
  /** Upgrades of the current period, for its invoice (plans only go up within a period: a few at most). */
  prorations: z.array(prorationSchema).check(z.maxLength(PLAN_IDS.length)),
  paymentProvider: z.object({ name: z.enum(['manual', 'stripe']), customerRef: z.optional(z.string().check(z.minLength(1), z.maxLength(255))) }),
  /** Set while a payment of an invoice has failed: the tenant is suspended once the plan's grace days have passed. */
  pastDue: z.optional(z.object({ invoiceId: z.string().check(z.minLength(7), z.maxLength(7)), since: instant })),
  /** The plan whose usage plan the tenant's API key was last moved into. */
  usageKeyPlan: planIdSchema,
  version: z.int().check(z.gte(0)),
  updatedAt: instant,
});

export type Subscription = z.infer<typeof subscriptionSchema>;

export const subscriptionPathSchema = z.object({ tenantId: tenantIdSchema });

export const updateSubscriptionBodySchema = z
  .strictObject({
    /** Upgrade (now, prorated), downgrade (at the end of the period, when usage fits) or the current plan (drops a pending downgrade). */
    plan: z.optional(planIdSchema),
    /** true: cancel when the period ends; false: keep it going. */
    cancelAtPeriodEnd: z.optional(z.boolean()),
  })
  .check(z.refine((body) => body.plan !== undefined || body.cancelAtPeriodEnd !== undefined, { message: 'name a plan or cancelAtPeriodEnd' }));

export type SubscriptionChange = z.infer<typeof updateSubscriptionBodySchema>;
