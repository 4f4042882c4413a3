import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { tenantIdSchema } from '../data/keys';

/**
 * API keys of machine clients. A key names its tenant and its id, so the authorizer reads exactly one record by key
 * and never searches: `apk.<tenantId>.<keyId>.<secret>`, with a 20-character hex key id and 256 random bits of
 * secret (base64url). Only the SHA-256 of the whole key is stored: the secret has full entropy, so a slow
 * password hash would add latency to every request and no safety.
 */

export const API_KEY_MARK = 'apk';
const KEY_ID = /^[0-9a-f]{20}$/;
const SECRET = /^[A-Za-z0-9_-]{43}$/;
/** Longer than any key made here; longer inputs are refused unread. */
export const MAX_API_KEY_LENGTH = 128;

export const apiKeyIdPattern = KEY_ID;

/** What a well-formed key says about itself. */
export interface ParsedApiKey {
  readonly tenantId: string;
  readonly keyId: string;
  /** `apk.<tenantId>.<keyId>`: the part shown in lists, which identifies the key without revealing it. */
  readonly prefix: string;
}

/** A new key: the full key goes to the caller once, the rest is stored. */
export interface NewApiKey extends ParsedApiKey {
  readonly key: string;
  /** SHA-256 (hex) of the full key. */
  readonly secretHash: string;
}

export function apiKeyPrefix(tenantId: string, keyId: string): string {
  return `${API_KEY_MARK}.${tenantId}.${keyId}`;
}

/** Makes a key for the tenant. */
export function newApiKey(tenantId: string, random: (size: number) => Buffer = randomBytes): NewApiKey {
  if (!tenantIdSchema.safeParse(tenantId).success) throw new RangeError(`invalid tenant id ${JSON.stringify(tenantId)}`);
  const keyId = random(10).toString('hex');
  const prefix = apiKeyPrefix(tenantId, keyId);
  const key = `${prefix}.${random(32).toString('base64url')}`;
  return { tenantId, keyId, prefix, key, secretHash: hashApiKey(key) };
}

/** The tenant and key id of a well-formed key, or undefined (never throws on any input). */
export function parseApiKey(key: string): ParsedApiKey | undefined {
  if (typeof key !== 'string' || key.length > MAX_API_KEY_LENGTH) return undefined;
  const parts = key.split('.');
  if (parts.length !== 4) return undefined;
  const [mark, tenantId, keyId, secret] = parts;
  if (mark !== API_KEY_MARK || !tenantIdSchema.safeParse(tenantId).success || !KEY_ID.test(keyId) || !SECRET.test(secret)) {
    return undefined;
  }
  return { tenantId, keyId, prefix: apiKeyPrefix(tenantId, keyId) };
}

/** SHA-256 (hex) of a key, as stored. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Whether a key hashes to the stored hash, compared in constant time. */
export function apiKeyMatches(key: string, storedHash: string): boolean {
  const given = Buffer.from(hashApiKey(key), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}
