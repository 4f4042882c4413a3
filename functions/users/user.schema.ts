import * as z from '../core/zod';
import { pageSchema, paginationQueryShape } from '../core/request-conventions';
import { tenantIdSchema } from '../data/keys';
import { tenantAuthSchema } from '../tenants/tenant.schema';
import { emailSchema, invitationIdSchema, memberIdSchema, memberSchema, tenantRoleSchema } from './member.schema';

/**
 * The password rules of every tenant pool (the CDK tenant pool and the local provisioner use the same), checked
 * before a password is sent to Cognito so a weak one is a 422 that names the rule.
 */
export const PASSWORD_POLICY = {
  minLength: 12,
  requireLowercase: true,
  requireUppercase: true,
  requireDigits: true,
  requireSymbols: true,
} as const;

const PASSWORD_SYMBOL = `\\^$*.[\\]{}()?"!@#%&/\\\\,><':;|_~\`=+-`;
const PASSWORD_CHECKS: ReadonlyArray<readonly [RegExp, string]> = [
  [/[a-z]/, 'must contain a lower-case letter'],
  [/[A-Z]/, 'must contain an upper-case letter'],
  [/[0-9]/, 'must contain a digit'],
  [new RegExp(`[${PASSWORD_SYMBOL}]`), 'must contain a symbol'],
];
/**
 * The same rules as one pattern for the API document: validators combine several `pattern`s of one string badly,
 * while the server checks each rule on its own to say which one failed.
 */
const PASSWORD_PATTERN = `^(?=[\\s\\S]*[a-z])(?=[\\s\\S]*[A-Z])(?=[\\s\\S]*[0-9])(?=[\\s\\S]*[${PASSWORD_SYMBOL}])\\S([\\s\\S]*\\S)?$`;

export const passwordSchema = z.string().check(
  z.minLength(PASSWORD_POLICY.minLength, `must be at least ${PASSWORD_POLICY.minLength} characters`),
  z.maxLength(256),
  ...PASSWORD_CHECKS.map(([pattern, message]) => z.refine<string>((password) => pattern.test(password), message)),
  z.refine((password) => password.trim() === password, 'must not start or end with a space'),
  z.meta({
    pattern: PASSWORD_PATTERN,
    description: `At least ${PASSWORD_POLICY.minLength} characters with a lower-case letter, an upper-case letter, a digit and a symbol; no leading or trailing space.`,
  }),
);

export {
  emailSchema,
  invitationIdSchema,
  memberIdSchema,
  memberSchema,
  poolSubSchema,
  tenantRoleSchema,
  type Member,
} from './member.schema';

export const INVITATION_STATUSES = ['PENDING', 'ACCEPTED', 'REVOKED'] as const;

/** An invitation as stored: the hash of its one-time code, never the code. */
export const storedInvitationSchema = z.object({
  tenantId: tenantIdSchema,
  invitationId: invitationIdSchema,
  email: emailSchema,
  role: tenantRoleSchema,
  status: z.enum(INVITATION_STATUSES),
  codeHash: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  createdAt: z.iso.datetime(),
  createdBy: z.string(),
  /** The code is refused from this time on. */
  expiresOn: z.iso.datetime(),
  acceptedAt: z.optional(z.iso.datetime()),
  userId: z.optional(memberIdSchema),
  revokedAt: z.optional(z.iso.datetime()),
});
export type InvitationRecord = z.infer<typeof storedInvitationSchema>;

/** An invitation as the API shows it; `EXPIRED` when a pending invitation is past its expiry. */
export const invitationSchema = z.extend(z.omit(storedInvitationSchema, { codeHash: true, status: true }), {
  status: z.enum([...INVITATION_STATUSES, 'EXPIRED']),
});
export type Invitation = z.infer<typeof invitationSchema>;

export const inviteBodySchema = z.strictObject({ email: emailSchema, role: tenantRoleSchema });
export type InviteBody = z.infer<typeof inviteBodySchema>;

export const changeRoleBodySchema = z.strictObject({ role: tenantRoleSchema });

/** The invitation code (from the mail) and the password the new user chooses. */
export const acceptInvitationBodySchema = z.strictObject({
  code: z.string().check(z.minLength(1), z.maxLength(256)),
  password: passwordSchema,
});
export type AcceptInvitationBody = z.infer<typeof acceptInvitationBodySchema>;

/** Where the new user signs in. */
export const acceptedInvitationSchema = z.object({
  tenantId: tenantIdSchema,
  userId: memberIdSchema,
  email: emailSchema,
  role: tenantRoleSchema,
  /** The API of the tenant's home region. */
  apiUrl: z.optional(z.string()),
  auth: tenantAuthSchema,
});

export const userPathSchema = z.object({ tenantId: tenantIdSchema, userId: memberIdSchema });
export const invitationPathSchema = z.object({ tenantId: tenantIdSchema, invitationId: invitationIdSchema });
export const userListQuerySchema = z.strictObject(paginationQueryShape);
export const memberPageSchema = pageSchema(memberSchema);
export const invitationPageSchema = pageSchema(invitationSchema);
