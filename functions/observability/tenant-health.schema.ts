import * as z from 'zod';
import { planIdSchema } from '../billing/plan.catalogue';
import { tenantIdSchema } from '../data/keys';
import { slugSchema, tenantStatusSchema } from '../tenants/tenant.schema';

export const tenantHealthPathSchema = z.object({ tenantId: tenantIdSchema }).strict();

/** What the ranking of all tenants can be sorted by (each descending: the worst tenant first). */
export const HEALTH_SORT_KEYS = ['errorRate', 'p99', 'throttles', 'quotaRefusals', 'requests'] as const;

export const tenantHealthRankingQuerySchema = z
  .object({
    /** @default errorRate */
    sort: z.enum(HEALTH_SORT_KEYS).optional(),
    /** Which window the ranking compares. @default day */
    window: z.enum(['hour', 'day']).optional(),
  })
  .strict();

/** How a tenant's requests went over one window. */
export const healthWindowSchema = z.object({
  /** Start of the window (the window ends now). */
  since: z.iso.datetime(),
  /** Requests its functions served. */
  requests: z.number().int(),
  clientErrors: z.number().int(),
  serverErrors: z.number().int(),
  /** (4xx + 5xx) / requests; 0 without requests. */
  errorRate: z.number(),
  /** 5xx / requests; 0 without requests. */
  serverErrorRate: z.number(),
  /** Share of the requests answered without a server error (1 − serverErrorRate); 1 without requests. */
  availability: z.number(),
  /** Requests the usage plan refused (429) before any function ran. */
  throttles: z.number().int(),
  /** Requests refused because a plan quota was used up. */
  quotaRefusals: z.number().int(),
  /**
   * Latency percentiles in ms: the upper bound of the histogram bucket the percentile falls in (null without
   * requests, or past the last bound).
   */
  latencyMs: z.object({ mean: z.number().nullable(), p50: z.number().nullable(), p99: z.number().nullable() }),
});
export type HealthWindow = z.infer<typeof healthWindowSchema>;

const headroomSchema = z.object({ used: z.number().int(), limit: z.number().int(), headroom: z.number().int() });

export const tenantHealthSchema = z.object({
  tenantId: tenantIdSchema,
  plan: planIdSchema,
  /**
   * The tier's service level (functions/billing/service-levels.catalogue.ts) and whether each window met it: its
   * availability at or above the target and its p99 at or below it (a window without requests meets it).
   */
  serviceLevel: z.object({
    p99LatencyMs: z.number().int(),
    availability: z.number(),
    met: z.object({ hour: z.boolean(), day: z.boolean() }),
  }),
  /** The current UTC hour so far. */
  hour: healthWindowSchema,
  /** The last 24 UTC hours, the current one included. */
  day: healthWindowSchema,
  /** Each plan limit: what is used, the limit, and what is left (requests: today's, against the daily quota). */
  quotaHeadroom: z
    .object({
      agents: headroomSchema,
      workflows: headroomSchema,
      users: headroomSchema,
      memoriesPerAgent: headroomSchema,
      runsPerMonth: headroomSchema,
      apiRequestsPerDay: headroomSchema,
    })
    .catchall(headroomSchema),
});
export type TenantHealth = z.infer<typeof tenantHealthSchema>;

export const tenantHealthRankingSchema = z.object({
  window: z.enum(['hour', 'day']),
  sort: z.enum(HEALTH_SORT_KEYS),
  /**
   * The region's tenants (active or suspended), worst first. A region serves at most 10,000 tenants (API Gateway's
   * hard limit of API keys per region, one per tenant), so the ranking is one answer.
   */
  items: z.array(z.object({ tenantId: tenantIdSchema, slug: slugSchema, status: tenantStatusSchema, health: healthWindowSchema })).max(10_000),
});
export type TenantHealthRanking = z.infer<typeof tenantHealthRankingSchema>;
