import { createHmac, timingSafeEqual } from 'node:crypto';
import { ValidationError } from '../core/errors';
import { MAX_CURSOR_LENGTH } from '../core/request-conventions';

/**
 * Opaque list cursors. A cursor carries a page's LastEvaluatedKey and an HMAC over it and over what it is bound to:
 * the tenant and the list it came from. A cursor from another tenant or another list, an edited cursor or garbage
 * is refused with a ValidationError (400) before any query runs, so a cursor can never steer a query elsewhere.
 *
 * Format: `<base64url(JSON key)>.<base64url(HMAC-SHA256(secret, "v1\n<tenantId>\n<list>\n<JSON key>"))>`.
 */

/** What a cursor is bound to. */
export interface CursorBinding {
  readonly tenantId: string;
  /** The list and its ordering, e.g. `agents:newest`. */
  readonly list: string;
}

/** A DynamoDB key as the DocumentClient returns it in LastEvaluatedKey. */
export type CursorKey = Record<string, string | number>;

const VERSION = 'v1';
/** Longer cursors are refused unread (the bound every list query documents). */
export { MAX_CURSOR_LENGTH };
const MIN_SECRET_LENGTH = 32;

function invalidCursor(message: string): ValidationError {
  return new ValidationError('invalid cursor', [{ pointer: 'query.cursor', message }], 'query');
}

export class CursorCodec {
  private readonly secret: Buffer;

  constructor(secret: string) {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
      throw new RangeError(`the cursor secret must be at least ${MIN_SECRET_LENGTH} characters`);
    }
    this.secret = Buffer.from(secret, 'utf8');
  }

  /** A cursor for the page after `lastEvaluatedKey`, or undefined when there is no next page. */
  encode(binding: CursorBinding, lastEvaluatedKey: Record<string, unknown> | undefined): string | undefined {
    if (!lastEvaluatedKey) return undefined;
    const json = JSON.stringify(checkKey(lastEvaluatedKey));
    return `${Buffer.from(json, 'utf8').toString('base64url')}.${this.mac(binding, json).toString('base64url')}`;
  }

  /** The key a cursor carries, if it was made by `encode` for the same binding; else a ValidationError. */
  decode(binding: CursorBinding, cursor: string): CursorKey {
    if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH) {
      throw invalidCursor('cursor is empty or too long');
    }
    const parts = cursor.split('.');
    if (parts.length !== 2 || !parts.every((part) => /^[A-Za-z0-9_-]+$/.test(part))) {
      throw invalidCursor('cursor is malformed');
    }
    const [payload, signature] = parts;
    const json = Buffer.from(payload, 'base64url').toString('utf8');
    // Compare encodings, not decoded bytes: base64 decoding ignores the spare bits of the last character, so an
    // edited cursor could otherwise decode to the same bytes and pass.
    const canonicalPayload = Buffer.from(json, 'utf8').toString('base64url');
    const expected = Buffer.from(this.mac(binding, json).toString('base64url'), 'utf8');
    const given = Buffer.from(signature, 'utf8');
    if (canonicalPayload !== payload || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw invalidCursor('cursor does not belong to this list');
    }
    try {
      return checkKey(JSON.parse(json));
    } catch {
      throw invalidCursor('cursor is malformed');
    }
  }

  private mac(binding: CursorBinding, json: string): Buffer {
    return createHmac('sha256', this.secret).update(`${VERSION}\n${binding.tenantId}\n${binding.list}\n${json}`).digest();
  }
}

function checkKey(key: unknown): CursorKey {
  if (typeof key !== 'object' || key === null || Array.isArray(key)) throw new TypeError('a cursor key must be an object');
  const entries = Object.entries(key);
  if (entries.length === 0 || entries.some(([, value]) => typeof value !== 'string' && typeof value !== 'number')) {
    throw new TypeError('a cursor key holds string or number attributes only');
  }
  return Object.fromEntries(entries) as CursorKey;
}
