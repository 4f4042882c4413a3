import * as z from '../core/zod';
import { emailAddressSchema } from '../core/email';
import { tenantIdSchema } from '../data/keys';
import { TIME_ORDERED_ID } from '../data/ids';
import { TENANT_ROLES } from '../core/roles';

/*
 * The member record and the ids and fields it is made of, apart from the users group's request schemas
 * (user.schema.ts): the authorizer reads members on every cache miss, and a bundle that imports a module keeps every
 * schema it builds.
 */

export const emailSchema = emailAddressSchema().check(z.toLowerCase());
export const tenantRoleSchema = z.enum(TENANT_ROLES);
export const memberIdSchema = z.string().check(z.regex(TIME_ORDERED_ID, 'must be a user id'));
/** A pool user's immutable id (a UUID in Cognito; any key-safe string from a federated pool). */
export const poolSubSchema = z.string().check(z.minLength(1), z.maxLength(128), z.regex(/^[^#\s]+$/, 'must be a user pool sub'));
export const invitationIdSchema = z.string().check(z.regex(TIME_ORDERED_ID, 'must be an invitation id'));

/** A member of a tenant: the platform's record of a user of the tenant's pool (who, which role). */
export const memberSchema = z.object({
  tenantId: tenantIdSchema,
  userId: memberIdSchema,
  email: emailSchema,
  role: tenantRoleSchema,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /** The invitation the member joined by; absent for the first admin made by provisioning. */
  invitationId: z.optional(invitationIdSchema),
  /**
   * The `sub` of the member's pool user, linked once the pool has the user. Requests are authorized by it and the
   * pool user is addressed by it, never by the email, which the user may change.
   */
  sub: z.optional(poolSubSchema),
  /** The last sign-in through the tenant's identity provider (SSO members): refreshing a session needs a recent one. */
  idpSignInAt: z.optional(z.iso.datetime()),
  version: z.int().check(z.positive()),
});
export type Member = z.infer<typeof memberSchema>;

/** A link item of a member (its email or its pool sub): it names the member's user id. */
export const memberLinkSchema = z.object({ userId: z.string() });
