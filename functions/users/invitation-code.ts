import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { tenantIdSchema } from '../data/keys';
import { TIME_ORDERED_ID } from '../data/ids';

/**
 * One-time invitation codes: `inv.<tenantId>.<invitationId>.<secret>`. The code names the invitation it opens,
 * so accepting reads that one record of that tenant and nothing else; a code edited to name another tenant finds
 * no invitation there. Only the SHA-256 of the code is stored (the secret has 256 random bits).
 */

export const INVITATION_CODE_MARK = 'inv';
const SECRET = /^[A-Za-z0-9_-]{43}$/;
const MAX_CODE_LENGTH = 160;

export interface ParsedInvitationCode {
  readonly tenantId: string;
  readonly invitationId: string;
}

export interface NewInvitationCode extends ParsedInvitationCode {
  readonly code: string;
  readonly codeHash: string;
}

export function newInvitationCode(tenantId: string, invitationId: string, random: (size: number) => Buffer = randomBytes): NewInvitationCode {
  const code = `${INVITATION_CODE_MARK}.${tenantId}.${invitationId}.${random(32).toString('base64url')}`;
  if (!parseInvitationCode(code)) throw new RangeError(`cannot make a code for tenant ${tenantId}, invitation ${invitationId}`);
  return { tenantId, invitationId, code, codeHash: hashInvitationCode(code) };
}

/** The tenant and invitation a well-formed code names, or undefined (never throws). */
export function parseInvitationCode(code: string): ParsedInvitationCode | undefined {
  if (typeof code !== 'string' || code.length > MAX_CODE_LENGTH) return undefined;
  const parts = code.trim().split('.');
  if (parts.length !== 4) return undefined;
  const [mark, tenantId, invitationId, secret] = parts;
  if (mark !== INVITATION_CODE_MARK || !tenantIdSchema.safeParse(tenantId).success || !TIME_ORDERED_ID.test(invitationId) || !SECRET.test(secret)) {
    return undefined;
  }
  return { tenantId, invitationId };
}

export function hashInvitationCode(code: string): string {
  return createHash('sha256').update(code.trim(), 'utf8').digest('hex');
}

/** Whether a code hashes to the stored hash, compared in constant time. */
export function invitationCodeMatches(code: string, storedHash: string): boolean {
  const given = Buffer.from(hashInvitationCode(code), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}
