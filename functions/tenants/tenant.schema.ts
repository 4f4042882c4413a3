import * as z from '../core/zod';
import { planIdSchema } from '../billing/plan-id';
import { tenantIdSchema } from '../data/keys';

export const TENANT_STATUSES = ['PROVISIONING', 'ACTIVE', 'SUSPENDED', 'FAILED', 'OFFBOARDING', 'DELETED'] as const;
export const tenantStatusSchema = z.enum(TENANT_STATUSES);
export type TenantStatus = z.infer<typeof tenantStatusSchema>;

/** Residency regions a tenant can be homed in; lib/ config lists the deployed ones. */
export const regionSchema = z.string().check(z.maxLength(32), z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-central-1'));

export const slugSchema = z.string().check(z.regex(/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/, 'slug must be 1-32 lower-case letters, digits or inner dashes'));

export const brandingSchema = z.strictObject({
  displayName: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
  primaryColor: z.optional(z.string().check(z.regex(/^#[0-9a-fA-F]{6}$/, 'must be a #rrggbb colour'))),
  logoUrl: z.optional(z.url({ protocol: /^https$/ }).check(z.maxLength(2048))),
});

/** The tenant's own record (tenant data, kept in its home region). */
export const tenantSchema = z.object({
  tenantId: tenantIdSchema,
  slug: slugSchema,
  name: z.string().check(z.minLength(1), z.maxLength(200)),
  plan: planIdSchema,
  region: regionSchema,
  status: tenantStatusSchema,
  branding: brandingSchema,
  settings: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  version: z.int().check(z.nonnegative()),
});
export type Tenant = z.infer<typeof tenantSchema>;

/** Where a tenant's users log in: its user pool and app client. */
export const tenantAuthSchema = z.object({
  issuer: z.string(),
  userPoolId: z.string(),
  clientId: z.string(),
  /** Cognito hosted UI base URL in AWS; absent locally. */
  hostedUiUrl: z.optional(z.string()),
  /** cognito-local endpoint locally; absent in AWS. */
  cognitoEndpoint: z.optional(z.string()),
  /**
   * The region the pool lives in: where its users' sign-in data is kept. It stays the region the tenant was
   * provisioned in when a migration moves the tenant's data (poolRegionOf). @default the region its id begins with (AWS)
   */
  region: z.optional(regionSchema),
  /**
   * The company identity providers federated into the pool (the manifest's `sso` providers), by name: a sign-in page
   * offers one button each, sent to the hosted UI with `identity_provider`. Absent when the tenant has none.
   */
  identityProviders: z.optional(z.array(z.string().check(z.maxLength(32))).check(z.maxLength(20))),
});
export type TenantAuth = z.infer<typeof tenantAuthSchema>;

/** The region of a tenant's pool: as recorded, else the one its id begins with (`eu-central-1_AbC123` in AWS). */
export function poolRegionOf(auth: TenantAuth): string | undefined {
  if (auth.region) return auth.region;
  const prefix = auth.userPoolId.split('_')[0];
  return prefix && regionSchema.safeParse(prefix).success ? prefix : undefined;
}

/**
 * A move of the tenant to another region under way (tenant-migration.ts): from `since` its home region takes no writes
 * of the tenant (503 tenant-moving), so the migration's export, named by `exportId`, holds everything the tenant has.
 */
export const tenantMoveSchema = z.object({
  to: regionSchema,
  exportId: z.string().check(z.minLength(1), z.maxLength(128)),
  since: z.iso.datetime(),
});
export type TenantMove = z.infer<typeof tenantMoveSchema>;

/** Routing metadata of a tenant, kept in every region: never tenant data. */
export const tenantDirectoryEntrySchema = z.object({
  tenantId: tenantIdSchema,
  slug: slugSchema,
  region: regionSchema,
  status: tenantStatusSchema,
  emailDomains: z.array(z.string()),
  /** Login endpoints of the tenant's pool; absent until provisioning has created it. */
  auth: z.optional(tenantAuthSchema),
  branding: brandingSchema,
  /** Set while a migration moves the tenant to another region; absent otherwise. */
  moving: z.optional(tenantMoveSchema),
});
export type TenantDirectoryEntry = z.infer<typeof tenantDirectoryEntrySchema>;

export const tenantPathSchema = z.object({ tenantId: tenantIdSchema });
