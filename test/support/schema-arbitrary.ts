import fc from 'fast-check';

/** The part of JSON Schema (as the OpenAPI document writes it) that the arbitraries below read. */
export interface JsonSchema {
  readonly $ref?: string;
  readonly type?: string | readonly string[];
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly oneOf?: readonly JsonSchema[];
  readonly anyOf?: readonly JsonSchema[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly propertyNames?: JsonSchema;
  readonly items?: JsonSchema;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly format?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
}

/** Resolves `#/components/schemas/<name>` references against the document. */
export type Resolve = (ref: string) => JsonSchema;

const MAX_DEPTH = 6;
const MAX_TEXT = 40;
const MAX_ITEMS = 3;

/**
 * Strings of a pattern, or (where one falls outside the length bounds) any string within them. No filters: a filter
 * that refuses most values makes fast-check retry synchronously, which no test timeout can interrupt.
 */
function patterned(pattern: string, minLength: number, maxLength: number): fc.Arbitrary<string> {
  const bounded = fc.string({ minLength, maxLength: Math.max(minLength, Math.min(maxLength, MAX_TEXT)) });
  let matching: fc.Arbitrary<string>;
  try {
    matching = fc.stringMatching(new RegExp(pattern));
  } catch {
    return bounded; // a pattern fast-check cannot generate from (a lookahead)
  }
  return fc.tuple(matching, bounded).map(([value, fallback]) => (value.length >= minLength && value.length <= maxLength ? value : fallback));
}

/** Values of `arbitrary` that fit `maxLength`, else a short `fallback`. */
function fitting(arbitrary: fc.Arbitrary<string>, maxLength: number, fallback: string): fc.Arbitrary<string> {
  return arbitrary.map((value) => (value.length <= maxLength ? value : fallback));
}

function stringOf(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = schema.maxLength ?? 10_000;
  if (schema.pattern) return patterned(schema.pattern, minLength, maxLength);
  switch (schema.format) {
    case 'date-time':
      return fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((date) => date.toISOString());
    case 'email':
      return fitting(fc.emailAddress(), maxLength, 'a@example.com');
    case 'uri':
      return fitting(fc.webUrl({ validSchemes: ['https'] }), maxLength, 'https://example.com');
    default:
      return fc.string({ minLength, maxLength: Math.max(minLength, Math.min(maxLength, MAX_TEXT)) });
  }
}

/**
 * Values of a request schema of the OpenAPI document: bodies and parameters the API should accept, at the edges of
 * what it accepts (lengths, bounds, enums, optional fields left out). Recursion stops at a depth, where any JSON goes.
 */
export function arbitraryOf(schema: JsonSchema, resolve: Resolve, depth = 0): fc.Arbitrary<unknown> {
  if (depth > MAX_DEPTH) return fc.jsonValue({ maxDepth: 1 });
  if (schema.$ref) return arbitraryOf(resolve(schema.$ref), resolve, depth + 1);
  if ('const' in schema) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) return fc.oneof(...alternatives.map((alternative) => arbitraryOf(alternative, resolve, depth + 1)));
  if (Array.isArray(schema.type)) return fc.oneof(...schema.type.map((type) => arbitraryOf({ ...schema, type }, resolve, depth + 1)));
  switch (schema.type) {
    case 'string':
      return stringOf(schema);
    case 'integer':
      return fc.integer({ min: schema.minimum ?? (schema.exclusiveMinimum ?? -1001) + 1, max: schema.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(arbitraryOf(schema.items ?? {}, resolve, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? MAX_ITEMS, MAX_ITEMS)),
      });
    case 'object':
      return objectOf(schema, resolve, depth);
    default:
      return schema.properties ? objectOf(schema, resolve, depth) : fc.jsonValue({ maxDepth: 2 });
  }
}

function objectOf(schema: JsonSchema, resolve: Resolve, depth: number): fc.Arbitrary<unknown> {
  const properties = Object.entries(schema.properties ?? {});
  const known = fc.record(Object.fromEntries(properties.map(([name, property]) => [name, arbitraryOf(property, resolve, depth + 1)])), {
    requiredKeys: [...(schema.required ?? [])],
  });
  if (typeof schema.additionalProperties !== 'object') return known;
  const names = schema.propertyNames
    ? (arbitraryOf({ type: 'string', ...schema.propertyNames }, resolve, depth + 1) as fc.Arbitrary<string>)
    : fc.string({ minLength: 1, maxLength: 12 });
  const extra = fc.dictionary(names, arbitraryOf(schema.additionalProperties, resolve, depth + 1), { maxKeys: MAX_ITEMS });
  return fc.tuple(extra, known).map(([more, fields]) => ({ ...more, ...(fields as object) }));
}
