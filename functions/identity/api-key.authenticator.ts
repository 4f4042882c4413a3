import { AuthenticationError } from '../core/errors';
import { apiKeyMatches, parseApiKey } from './api-key.secret';
import type { Authenticator } from './authorizer.service';
import type { ApiKeyCredential } from './credentials';
import { TENANT_ROLES, type TenantRole } from '../core/roles';

/** What the authorizer needs of a stored API key. */
export interface StoredApiKey {
  readonly tenantId: string;
  readonly keyId: string;
  readonly role: TenantRole;
  /** SHA-256 (hex) of the full key. */
  readonly secretHash: string;
  /** ISO time; a revoked key is refused from then on. */
  readonly revokedAt?: string;
  /** ISO time after which the key is refused. */
  readonly expiresOn?: string;
  /** The member the key acts for (see the API key schema). */
  readonly ownerUserId?: string;
}

/** Reads one key record by the tenant and key id the key names (consistently, so a revocation holds at once). */
export interface ApiKeyLookup {
  find(tenantId: string, keyId: string): Promise<StoredApiKey | undefined>;
}

/**
 * Authenticates API keys (`Authorization: ApiKey <key>`). The key names its tenant and id, so exactly one record of that tenant is read; the
 * key is accepted only when the record exists under that tenant, its hash matches in constant time, and it is
 * neither revoked nor expired. The principal is the key, acting for its tenant with the key's one tenant role.
 * Every refusal is the same 401, so a caller learns nothing about which keys exist.
 */
export function apiKeyAuthenticator(keys: ApiKeyLookup, clock: () => Date = () => new Date()): Authenticator<ApiKeyCredential> {
  return async ({ key }) => {
    const parsed = parseApiKey(key);
    if (!parsed) throw new AuthenticationError('the API key is not valid');
    const stored = await keys.find(parsed.tenantId, parsed.keyId);
    const now = clock().getTime();
    if (
      !stored ||
      stored.tenantId !== parsed.tenantId ||
      stored.keyId !== parsed.keyId ||
      !apiKeyMatches(key, stored.secretHash) ||
      stored.revokedAt !== undefined ||
      (stored.expiresOn !== undefined && Date.parse(stored.expiresOn) <= now) ||
      !(TENANT_ROLES as readonly string[]).includes(stored.role)
    ) {
      throw new AuthenticationError('the API key is not valid');
    }
    return {
      principalType: 'api-key',
      principalId: stored.keyId,
      tenantId: stored.tenantId,
      roles: [stored.role],
      ...(stored.ownerUserId ? { memberId: stored.ownerUserId } : {}),
    };
  };
}
