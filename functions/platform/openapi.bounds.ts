/**
 * Bounds the JSON schemas of the OpenAPI document states where zod leaves them implicit, so client generators and
 * gateways see them: the longest string an anchored pattern or a format admits becomes `maxLength`, and every
 * integer gets the `format` (int32 or int64) its range fits. Nothing here widens what the server accepts; a string
 * the server refuses by pattern is only refused earlier by the schema.
 */

type Json = Record<string, unknown>;

/** Longest text of string formats the API uses (ISO 8601 timestamps with up to nanoseconds, RFC 5321 addresses, URLs). */
const FORMAT_MAX_LENGTH: Readonly<Record<string, number>> = { 'date-time': 40, date: 10, email: 320, uri: 2048, uuid: 36 };

/** The longest match of a regular expression source, or Infinity when it is unbounded or too complex to read. */
export function longestMatch(source: string): number {
  if (!source.startsWith('^') || !source.endsWith('$') || source.endsWith('\\$')) return Infinity;
  const parser = { text: source.slice(1, -1), at: 0 };
  const length = alternatives(parser);
  // A leading `(?=.{m,n}$)` bounds the whole match.
  const lookahead = /^\^\(\?=\.\{\d+,(\d+)\}\$\)/.exec(source);
  return parser.at === parser.text.length ? Math.min(length, lookahead ? Number(lookahead[1]) : Infinity) : Infinity;
}

function alternatives(p: { text: string; at: number }): number {
  let best = sequence(p);
  while (p.text[p.at] === '|') {
    p.at += 1;
    best = Math.max(best, sequence(p));
  }
  return best;
}

function sequence(p: { text: string; at: number }): number {
  let total = 0;
  while (p.at < p.text.length && p.text[p.at] !== '|' && p.text[p.at] !== ')') {
    const atom = atomLength(p);
    total += atom * quantifier(p);
  }
  return total;
}

function atomLength(p: { text: string; at: number }): number {
  const char = p.text[p.at];
  if (char === '\\') {
    p.at += 2;
    return 1;
  }
  if (char === '[') {
    const end = classEnd(p.text, p.at);
    if (end < 0) return Infinity;
    p.at = end + 1;
    return 1;
  }
  if (char === '(') {
    const lookaround = /^\(\?<?[=!]/.test(p.text.slice(p.at));
    p.at += p.text.startsWith('(?:', p.at) ? 3 : lookaround ? (p.text[p.at + 2] === '<' ? 4 : 3) : 1;
    const inner = alternatives(p);
    if (p.text[p.at] !== ')') return Infinity;
    p.at += 1;
    return lookaround ? 0 : inner;
  }
  p.at += 1;
  // Anchors (inside lookarounds) match no character.
  return char === '^' || char === '$' ? 0 : 1;
}

function classEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i += 1;
    else if (text[i] === ']' && i > start + 1) return i;
  }
  return -1;
}

function quantifier(p: { text: string; at: number }): number {
  const rest = p.text.slice(p.at);
  const braces = /^\{(\d+)(,(\d*))?\}/.exec(rest);
  if (braces) {
    p.at += braces[0].length;
    if (braces[2] === undefined) return Number(braces[1]);
    return braces[3] === '' ? Infinity : Number(braces[3]);
  }
  if (rest[0] === '?') {
    p.at += 1;
    return 1;
  }
  if (rest[0] === '*' || rest[0] === '+') return Infinity;
  return 1;
}

const INT32_MAX = 2 ** 31 - 1;

/** Adds the implicit bounds to a schema and everything below it, in place. */
export function addImplicitBounds(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) addImplicitBounds(item);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const schema = node as Json;
  if (schema.type === 'string' && schema.maxLength === undefined && schema.enum === undefined && schema.const === undefined) {
    const fromFormat = typeof schema.format === 'string' ? FORMAT_MAX_LENGTH[schema.format] : undefined;
    const fromPattern = typeof schema.pattern === 'string' ? longestMatch(schema.pattern) : Infinity;
    const bound = Math.min(fromFormat ?? Infinity, fromPattern);
    if (Number.isFinite(bound)) schema.maxLength = bound;
  }
  if (schema.type === 'integer' && schema.format === undefined) {
    const fits32 = typeof schema.maximum === 'number' && schema.maximum <= INT32_MAX && typeof schema.minimum === 'number' && schema.minimum >= -INT32_MAX - 1;
    schema.format = fits32 ? 'int32' : 'int64';
  }
  for (const value of Object.values(schema)) addImplicitBounds(value);
}
