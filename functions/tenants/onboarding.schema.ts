import * as z from '../core/zod';
import { planIdSchema } from '../billing/plan-id';
import { pageSchema, paginationQueryShape } from '../core/request-conventions';
import { tenantSettingsSchema } from './tenant-settings.schema';
import { brandingSchema, tenantDirectoryEntrySchema, tenantStatusSchema } from './tenant.schema';

/** `PATCH /v1/tenants/{tenantId}`: at least one change; plan and status are for platform admins only. */
export const updateTenantBodySchema = z
  .strictObject({
    name: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))),
    branding: z.optional(brandingSchema),
    settings: z.optional(tenantSettingsSchema),
    plan: z.optional(planIdSchema),
    /** Suspends or reactivates (the other lifecycle steps have routes of their own). */
    status: z.optional(z.enum(['ACTIVE', 'SUSPENDED'])),
  })
  .check(z.refine((body) => Object.values(body).some((value) => value !== undefined), { message: 'give at least one field to change' }));
export type UpdateTenantBody = z.infer<typeof updateTenantBodySchema>;

export const listTenantsQuerySchema = z.strictObject({ ...paginationQueryShape, status: z.optional(tenantStatusSchema) });

/** A tenant as the platform-wide list shows it: its directory entry (routing metadata, never tenant data). */
export const tenantSummarySchema = tenantDirectoryEntrySchema;
export const tenantPageSchema = pageSchema(tenantSummarySchema);
