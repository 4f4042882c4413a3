import * as z from 'zod';
import { brandingSchema, regionSchema, slugSchema, tenantAuthSchema } from './tenant.schema';
import { tenantIdSchema } from '../data/keys';

/** Exactly one of `email`, `host` or `slug`. */
export const discoveryQuerySchema = z
  .object({
    email: z.email().max(320).optional(),
    host: z
      .string()
      .max(253)
      .regex(/^[a-z0-9.-]+(:\d+)?$/i, 'must be a host name')
      .optional(),
    slug: slugSchema.optional(),
  })
  .strict()
  .refine((q) => [q.email, q.host, q.slug].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of email, host or slug',
  });
export type DiscoveryQuery = z.infer<typeof discoveryQuerySchema>;

export const discoveredTenantSchema = z.object({
  tenantId: tenantIdSchema,
  slug: slugSchema,
  region: regionSchema,
  /** The regional API that serves this tenant. */
  apiUrl: z.string().optional(),
  auth: tenantAuthSchema,
  branding: brandingSchema,
});

export const discoveryResponseSchema = z.object({ tenants: z.array(discoveredTenantSchema) });
export type DiscoveryResponse = z.infer<typeof discoveryResponseSchema>;
