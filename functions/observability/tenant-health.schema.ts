import * as z from '../core/zod';
import { planIdSchema } from '../billing/plan-id';
import { tenantIdSchema } from '../data/keys';
import { slugSchema, tenantStatusSchema } from '../tenants/tenant.schema';

export const tenantHealthPathSchema = z.strictObject({ tenantId: tenantIdSchema });

/** What the ranking of all tenants can be sorted by (each descending: the worst tenant first). */
export const HEALTH_SORT_KEYS = ['errorRate', 'p99', 'throttles', 'quotaRefusals', 'requests'] as const;

export const tenantHealthRankingQuerySchema = z.strictObject({
  /** @default errorRate */
  sort: z.optional(z.enum(HEALTH_SORT_KEYS)),
  /** Which window the ranking compares. @default day */
  window: z.optional(z.enum(['hour', 'day'])),
});

/** How a tenant's requests went over one window. */
export const healthWindowSchema = z.object({
  /** Start of the window (the window ends now). */
  since: z.iso.datetime(),
  /** Requests its functions served. */
  requests: z.int(),
  clientErrors: z.int(),
  serverErrors: z.int(),
  /** (4xx + 5xx) / requests; 0 without requests. */
  errorRate: z.number(),
  /** 5xx / requests; 0 without requests. */
  serverErrorRate: z.number(),
  /** Share of the requests answered without a server error (1 − serverErrorRate); 1 without requests. */
  availability: z.number(),
  /** Requests the usage plan refused (429) before any function ran. */
  throttles: z.int(),
  /** Requests refused because a plan quota was used up. */
  quotaRefusals: z.int(),
  /**
   * Latency percentiles in ms: the upper bound of the histogram bucket the percentile falls in (null without
   * requests, or past the last bound).
   */
  latencyMs: z.object({ mean: z.nullable(z.number()), p50: z.nullable(z.number()), p99: z.nullable(z.number()) }),
});
export type HealthWindow = z.infer<typeof healthWindowSchema>;

const headroomSchema = z.object({ used: z.int(), limit: z.int(), headroom: z.int() });

export const tenantHealthSchema = z.object({
  tenantId: tenantIdSchema,
  plan: planIdSchema,
  /**
   * The tier's service level (functions/billing/service-levels.catalogue.ts) and whether each window met it: its
   * availability at or above the target and its p99 at or below it (a window without requests meets it).
   */
  serviceLevel: z.object({
    p99LatencyMs: z.int(),
    availability: z.number(),
    met: z.object({ hour: z.boolean(), day: z.boolean() }),
  }),
  /** The current UTC hour so far. */
  hour: healthWindowSchema,
  /** The last 24 UTC hours, the current one included. */
  day: healthWindowSchema,
  /** Each plan limit: what is used, the limit, and what is left (requests: today's, against the daily quota). */
  quotaHeadroom: z.catchall(
    z.object({
      agents: headroomSchema,
      workflows: headroomSchema,
      users: headroomSchema,
      memoriesPerAgent: headroomSchema,
      runsPerMonth: headroomSchema,
      apiRequestsPerDay: headroomSchema,
    }),
    headroomSchema,
  ),
});
export type TenantHealth = z.infer<typeof tenantHealthSchema>;

export const tenantHealthRankingSchema = z.object({
  window: z.enum(['hour', 'day']),
  sort: z.enum(HEALTH_SORT_KEYS),
  /**
   * The region's tenants (active or suspended), worst first. A region serves at most 10,000 tenants (API Gateway's
   * hard limit of API keys per region, one per tenant), so the ranking is one answer.
   */
  items: z.array(z.object({ tenantId: tenantIdSchema, slug: slugSchema, status: tenantStatusSchema, health: healthWindowSchema })).check(z.maxLength(10_000)),
});
export type TenantHealthRanking = z.infer<typeof tenantHealthRankingSchema>;
