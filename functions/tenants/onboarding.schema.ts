import * as z from 'zod';
import { planIdSchema } from '../billing/plan.catalogue';
import { pageSchema, paginationQueryShape } from '../core/request-conventions';
import { brandingSchema, tenantDirectoryEntrySchema, tenantStatusSchema } from './tenant.schema';

/** `PATCH /v1/tenants/{tenantId}`: at least one change; plan and status are for platform admins only. */
export const updateTenantBodySchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    branding: brandingSchema.optional(),
    settings: z.record(z.string().max(64), z.union([z.string().max(1024), z.number(), z.boolean()])).optional(),
    plan: planIdSchema.optional(),
    /** Suspends or reactivates (the other lifecycle steps have routes of their own). */
    status: z.enum(['ACTIVE', 'SUSPENDED']).optional(),
  })
  .strict()
  .refine((body) => Object.values(body).some((value) => value !== undefined), { message: 'give at least one field to change' });
export type UpdateTenantBody = z.infer<typeof updateTenantBodySchema>;

export const listTenantsQuerySchema = z.object({ ...paginationQueryShape, status: tenantStatusSchema.optional() }).strict();

/** A tenant as the platform-wide list shows it: its directory entry (routing metadata, never tenant data). */
export const tenantSummarySchema = tenantDirectoryEntrySchema;
export const tenantPageSchema = pageSchema(tenantSummarySchema);
