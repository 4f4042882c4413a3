import * as z from '../core/zod';

/**
 * What DynamoDB can store of the JSON a client gives, for the schemas of fields kept as given (settings, metadata,
 * a tool's input schema). A value outside it fails the write itself, which would answer 500 where the client is at
 * fault: the document client refuses numbers it cannot write exactly (beyond a safe integer's magnitude), DynamoDB
 * refuses magnitudes under 1e-130 ("Number underflow") and an empty name in a map, at any depth ("Empty attribute name").
 */
const MIN_MAGNITUDE = 1e-130;
const NUMBER_RANGE = `numbers must be 0 or between 1e-130 and ${Number.MAX_SAFE_INTEGER} in magnitude`;

function storableNumber(value: number): boolean {
  const magnitude = Math.abs(value);
  return magnitude === 0 || (magnitude >= MIN_MAGNITUDE && magnitude <= Number.MAX_SAFE_INTEGER);
}

/** A number the table stores as given. */
export const storableNumberSchema = z.number().check(z.refine(storableNumber, NUMBER_RANGE));

/** A name of a map entry the table stores: not empty. */
export const storableNameSchema = z.string().check(z.minLength(1, 'names must not be empty'));

/** The first part of a JSON value the table cannot store, with its path (`a.b`), or undefined when it stores all of it. */
export function unstorablePart(value: unknown, path = ''): string | undefined {
  if (typeof value === 'number') return storableNumber(value) ? undefined : `${path || 'the value'}: ${NUMBER_RANGE}`;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [name, entry] of Object.entries(value)) {
    const at = Array.isArray(value) ? `${path}[${name}]` : path ? `${path}.${name}` : name;
    if (!Array.isArray(value) && name === '') return `${path || 'the value'}: names must not be empty`;
    const problem = unstorablePart(entry, at);
    if (problem) return problem;
  }
  return undefined;
}
