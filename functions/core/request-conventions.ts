import { createHash } from 'node:crypto';
import * as z from './zod';
import { MalformedRequestError } from './errors';

/**
 * The conventions every resource route shares, written once: list pagination (`?limit=&cursor=` →
 * `{ items, nextCursor }`), optimistic locking (`ETag` / `If-Match`) and `Idempotency-Key`.
 */

/** Default and largest page size of every list. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Longest cursor: keys are small, and nothing should make the codec (data/cursor.ts) hash megabytes. */
export const MAX_CURSOR_LENGTH = 2048;

/** A cursor is `<base64url payload>.<base64url signature>`; anything else is refused before the codec reads it. */
const CURSOR_PATTERN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const PAGE_SIZE = /^(100|[1-9][0-9]?)$/;
const LIMIT_MESSAGE = `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`;

/**
 * `limit` and `cursor` of a list query, the one pagination contract of every list; spread into the route's query
 * schema, which is strict (an unknown parameter is a 400, on every list). `limit` arrives as text and is documented
 * as the integer it stands for.
 */
export const paginationQueryShape = {
  limit: z.optional(z.pipe(z.string().check(z.refine((text) => PAGE_SIZE.test(text), LIMIT_MESSAGE)), z.transform(Number))).check(
    z.meta({
      type: 'integer',
      format: 'int32',
      minimum: 1,
      maximum: MAX_PAGE_SIZE,
      default: DEFAULT_PAGE_SIZE,
      description: `Page size, 1 to ${MAX_PAGE_SIZE}.`,
    }),
  ),
  /** Opaque, signed and bound to the tenant and the list: the cursor codec (data/cursor.ts) checks the rest. */
  cursor: z
    .optional(z.string().check(z.maxLength(MAX_CURSOR_LENGTH), z.regex(CURSOR_PATTERN, 'cursor is malformed')))
    .check(z.meta({ description: 'The `nextCursor` of the previous page: opaque, valid only for the same list of the same tenant.' })),
};

export const paginationQuerySchema = z.strictObject(paginationQueryShape);

/** The response of a list: a page of items and, when there are more, the cursor of the next page. */
export function pageSchema<T extends z.core.$ZodType>(item: T) {
  return z.object({
    items: z.array(item).check(z.maxLength(MAX_PAGE_SIZE)),
    nextCursor: z.optional(z.string().check(z.maxLength(MAX_CURSOR_LENGTH))),
  });
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor?: string;
}

/** The strong ETag of a version: `"<version>"`. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/** What `If-Match` asks for: any current version (`*`), or one of the listed versions. */
export type IfMatch = { readonly any: true } | { readonly any: false; readonly versions: readonly number[] };

/**
 * Parses `If-Match` (header names lower-case): undefined when absent; `*` or a list of strong ETags made by
 * `etagOf`. Weak ETags never match (RFC 9110 strong comparison); anything else is a 400.
 */
export function parseIfMatch(headers: Readonly<Record<string, string>>): IfMatch | undefined {
  const raw = headers['if-match'];
  if (raw === undefined) return undefined;
  const value = raw.trim();
  if (value === '*') return { any: true };
  const tags = value.split(',').map((tag) => tag.trim());
  const versions: number[] = [];
  for (const tag of tags) {
    if (/^W\/"[^"]*"$/.test(tag)) continue;
    const match = /^"(\d{1,15})"$/.exec(tag);
    if (!match) throw new MalformedRequestError('If-Match must be * or a list of ETags such as "3"');
    versions.push(Number(match[1]));
  }
  return { any: false, versions };
}

/** True when the current version satisfies the request's `If-Match` (absent matches everything). */
export function ifMatchAccepts(ifMatch: IfMatch | undefined, version: number): boolean {
  return ifMatch === undefined || ifMatch.any || ifMatch.versions.includes(version);
}

/** What identifies a retried request: its key (scoped per tenant) and a fingerprint of what it asked. */
export interface IdempotencyRequest {
  readonly key: string;
  /** SHA-256 over the operation, its path parameters and its body: same key + other fingerprint = misuse. */
  readonly fingerprint: string;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * The request's `Idempotency-Key`, with the fingerprint of the request it came with; undefined without the header.
 * A key must be 1-255 visible ASCII characters (a UUID is the usual choice), else 400.
 */
export function idempotencyOf(request: {
  readonly headers: Readonly<Record<string, string>>;
  readonly route: { readonly operationId: string };
  readonly path: unknown;
  readonly body: unknown;
}): IdempotencyRequest | undefined {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) throw new MalformedRequestError('Idempotency-Key must be 1-255 visible ASCII characters');
  const fingerprint = createHash('sha256')
    .update(canonicalJson({ operationId: request.route.operationId, path: request.path, body: request.body ?? null }))
    .digest('hex');
  return { key, fingerprint };
}

/**
 * JSON with object keys sorted at every level and undefined members dropped: equal values always give equal text,
 * whatever order their keys were built in. Used for fingerprints and audit digests.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    return text === undefined ? 'null' : text;
  }
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const members = Object.keys(value)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${members.join(',')}}`;
}
