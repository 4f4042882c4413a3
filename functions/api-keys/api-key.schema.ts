import * as z from '../core/zod';
import { pageSchema, paginationQueryShape } from '../core/request-conventions';
import { tenantIdSchema } from '../data/keys';
import { apiKeyIdPattern } from '../identity/api-key.secret';
import { TENANT_ROLES } from '../core/roles';

export const apiKeyIdSchema = z.string().check(z.regex(apiKeyIdPattern, 'must be an API key id (20 hex characters)'));

/** An API key as stored: the hash of the key, never the key. */
export const storedApiKeySchema = z.object({
  tenantId: tenantIdSchema,
  keyId: apiKeyIdSchema,
  name: z.string().check(z.minLength(1), z.maxLength(100)),
  role: z.enum(TENANT_ROLES),
  /** `apk.<tenantId>.<keyId>`: the start of the key, enough to recognise it. */
  prefix: z.string(),
  secretHash: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  createdAt: z.iso.datetime(),
  /** `<principalType>:<principalId>` of the creator. */
  createdBy: z.string(),
  /**
   * The member the key acts for: the member who made it, or the owner of the key it was made with. The key works
   * only while its owner is a member whose role covers the key's; removing the owner revokes it. Absent for keys
   * made by platform admins.
   */
  ownerUserId: z.optional(z.string()),
  expiresOn: z.optional(z.iso.datetime()),
  revokedAt: z.optional(z.iso.datetime()),
  revokedBy: z.optional(z.string()),
});
export type ApiKeyRecord = z.infer<typeof storedApiKeySchema>;

/** An API key as the API shows it. */
export const apiKeySchema = z.omit(storedApiKeySchema, { secretHash: true });
export type ApiKey = z.infer<typeof apiKeySchema>;

/** The answer to creating a key: the only time the key itself is shown. */
export const createdApiKeySchema = z.extend(apiKeySchema, { key: z.optional(z.string()) });

export const createApiKeyBodySchema = z.strictObject({
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(100)),
  role: z.enum(TENANT_ROLES),
  /** @default never expires */
  expiresInDays: z.optional(z.int().check(z.gte(1), z.lte(3650))),
});
export type CreateApiKeyBody = z.infer<typeof createApiKeyBodySchema>;

export const apiKeyPathSchema = z.object({ tenantId: tenantIdSchema, keyId: apiKeyIdSchema });
export const apiKeyListQuerySchema = z.strictObject(paginationQueryShape);
export const apiKeyPageSchema = pageSchema(apiKeySchema);
