import * as z from './zod';
import { tenantIdSchema } from './tenant-id';
import { roleSchema, type Role } from './roles';

/**
 * Who is calling, as the authorizer established it from a verified credential. API Gateway passes authorizer
 * context values as strings only, so the context travels encoded and is decoded (and re-validated) by the
 * middleware.
 */
export interface AuthContext {
  /** `user` (tenant pool token), `platform-admin` (platform pool token), `api-key` (machine client). */
  readonly principalType: 'user' | 'platform-admin' | 'api-key';
  /** The principal's id: the token's `sub`, or the API key id. */
  readonly principalId: string;
  /**
   * The tenant the request acts on. For tenant principals it is their own tenant; for platform admins it is the
   * tenant named by the request's signals, or absent for platform-wide routes.
   */
  readonly tenantId?: string;
  readonly roles: readonly Role[];
  /**
   * The member the request acts for, from the tenant's member records: the user's own record, or the owner of the
   * API key. Absent for platform admins and for keys they made.
   */
  readonly memberId?: string;
}

const encodedSchema = z.object({
  principalType: z.enum(['user', 'platform-admin', 'api-key']),
  principalId: z.string().check(z.minLength(1)),
  tenantId: z.optional(z.union([tenantIdSchema, z.literal('')])),
  roles: z.string(),
  memberId: z.optional(z.string()),
});

/** Encodes the context into API Gateway's flat string map. */
export function encodeAuthContext(context: AuthContext): Record<string, string> {
  return {
    principalType: context.principalType,
    principalId: context.principalId,
    tenantId: context.tenantId ?? '',
    roles: context.roles.join(','),
    memberId: context.memberId ?? '',
  };
}

/** Decodes the authorizer context of a proxy event; undefined when the route had no authorizer. */
export function decodeAuthContext(raw: Record<string, unknown> | null | undefined): AuthContext | undefined {
  if (!raw || raw.principalType === undefined) return undefined;
  const parsed = encodedSchema.parse(raw);
  const roles = parsed.roles === '' ? [] : parsed.roles.split(',').map((role) => roleSchema.parse(role));
  return {
    principalType: parsed.principalType,
    principalId: parsed.principalId,
    ...(parsed.tenantId ? { tenantId: parsed.tenantId } : {}),
    roles,
    ...(parsed.memberId ? { memberId: parsed.memberId } : {}),
  };
}
