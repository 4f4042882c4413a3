import * as z from '../core/zod';
import { emailAddressSchema } from '../core/email';
import { brandingSchema, regionSchema, slugSchema, tenantAuthSchema } from './tenant.schema';
import { tenantIdSchema } from '../data/keys';

/** Exactly one of `email`, `host` or `slug`. */
export const discoveryQuerySchema = z
  .strictObject({
    email: z.optional(emailAddressSchema()),
    host: z.optional(z.string().check(z.maxLength(253), z.regex(/^[a-z0-9.-]+(:\d+)?$/i, 'must be a host name'))),
    slug: z.optional(slugSchema),
  })
  .check(
    z.refine((q) => [q.email, q.host, q.slug].filter((v) => v !== undefined).length === 1, {
      message: 'give exactly one of email, host or slug',
    }),
  );
export type DiscoveryQuery = z.infer<typeof discoveryQuerySchema>;

export const discoveredTenantSchema = z.object({
  tenantId: tenantIdSchema,
  slug: slugSchema,
  region: regionSchema,
  /** The regional API that serves this tenant. */
  apiUrl: z.optional(z.string()),
  auth: tenantAuthSchema,
  branding: brandingSchema,
});

export const discoveryResponseSchema = z.object({ tenants: z.array(discoveredTenantSchema) });
export type DiscoveryResponse = z.infer<typeof discoveryResponseSchema>;
