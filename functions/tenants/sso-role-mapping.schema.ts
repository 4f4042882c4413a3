import * as z from '../core/zod';
import { TENANT_ROLES } from '../core/roles';

/*
 * The SSO role mapping of a tenant manifest (tenant-manifest.schema.ts), apart from the rest of the manifest: the
 * pre-token-generation trigger reads it on the first sign-in of each container, and a bundle that imports a module
 * keeps every schema it builds.
 */

/**
 * How users of the tenant's identity providers get their role when they first sign in (they become members just in
 * time): the pool attribute their IdP groups are mapped into (a provider's `attributeMapping` maps an IdP claim or
 * SAML attribute to it), each IdP group's role, and the role of a user in none of them. A user in several mapped
 * groups gets the first of their roles in the order tenant-admin, member, viewer, auditor.
 */
export const ssoRoleMappingSchema = z.strictObject({
  /** @default no groups are read: every SSO user gets `default` */
  attribute: z.optional(z.string().check(z.regex(/^custom:[A-Za-z0-9_]{1,20}$/, 'must be a custom pool attribute, e.g. custom:groups'))),
  groups: z._default(z.record(z.string().check(z.minLength(1), z.maxLength(256)), z.enum(TENANT_ROLES)), {}),
  default: z._default(z.enum(TENANT_ROLES), 'member'),
});
export type SsoRoleMapping = z.infer<typeof ssoRoleMappingSchema>;
export const DEFAULT_SSO_ROLE_MAPPING: SsoRoleMapping = { groups: {}, default: 'member' };
