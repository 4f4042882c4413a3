import * as z from '../core/zod';
import { planIdSchema } from '../billing/plan-id';
import { tenantIdSchema } from '../data/keys';

export const periodSchema = z.string().check(z.regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'period must be a month as YYYY-MM'));

export const usagePathSchema = z.strictObject({ tenantId: tenantIdSchema });
export const usageQuerySchema = z.strictObject({
  /** @default the current month (UTC) */
  period: z.optional(periodSchema),
});

const quotaUsageSchema = z.object({ used: z.int(), limit: z.int() });

export const usageReportSchema = z.object({
  tenantId: tenantIdSchema,
  plan: planIdSchema,
  period: periodSchema,
  /** Usage against each limit of the plan, and one entry per kind of the catalogue counted against a limit. */
  quotas: z.catchall(
    z.object({
      agents: quotaUsageSchema,
      workflows: quotaUsageSchema,
      users: quotaUsageSchema,
      /** `used` is the fullest agent's count. */
      memoriesPerAgent: quotaUsageSchema,
      runsPerMonth: quotaUsageSchema,
      /** Today's metered requests (UTC day; the usage plan throttles, this meters). */
      apiRequestsPerDay: quotaUsageSchema,
    }),
    quotaUsageSchema,
  ),
  /** Metered totals of the period; storage is the current size of agents and memories. */
  usage: z.object({
    requests: z.int(),
    runs: z.int(),
    tokens: z.int(),
    memories: z.int(),
    storageBytes: z.int(),
  }),
  /**
   * What the tenant's model calls of the period are charged, in micro-dollars (millionths of a US dollar): each call's
   * tokens priced with the region's price table (rounded up to a micro-dollar per call; on the tenant's own key, the
   * plan's share of it), settled on the tenant's ledger. The breakdowns each add up to `spentMicros`; `spentCents` is
   * the invoice line's amount.
   */
  spend: z.object({
    currency: z.literal('USD'),
    spentMicros: z.int(),
    /** `spentMicros` rounded up to whole cents. */
    spentCents: z.int(),
    /** Model calls settled. */
    steps: z.int(),
    /** The current month's spend at its pace so far, to the month's end; a past month's is its spend. */
    forecastMicros: z.int(),
    byModel: z.record(z.string().check(z.maxLength(200)), z.int()),
    byAgent: z.record(z.string().check(z.maxLength(200)), z.int()),
    byWorkflow: z.record(z.string().check(z.maxLength(200)), z.int()),
    byApiKey: z.record(z.string().check(z.maxLength(200)), z.int()),
  }),
  /**
   * What serving the tenant cost the platform in the period, in US dollars, from its metered API requests, DynamoDB
   * capacity units, Lambda duration × memory and invocations, model tokens and stored bytes, priced with the region's
   * table.
   */
  cost: z.object({
    currency: z.literal('USD'),
    region: z.string(),
    apiGateway: z.number(),
    dynamodb: z.number(),
    lambda: z.number(),
    models: z.number(),
    storage: z.number(),
    total: z.number(),
    /**
     * The daily cost estimate: the metered costs over the days of the period so far (today included; every day of
     * a past month), plus storage at one day's share of its monthly price.
     */
    perDay: z.number(),
  }),
});
export type UsageReport = z.infer<typeof usageReportSchema>;
