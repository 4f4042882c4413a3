import * as z from './zod';

/** Tenant ids: lower-case letters, digits and dashes, 3–40 characters, starting with a letter or digit. */
export const tenantIdSchema = z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{2,39}$/, 'tenant id must be 3-40 lower-case letters, digits or dashes'));

export type TenantId = z.infer<typeof tenantIdSchema>;
