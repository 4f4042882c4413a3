import type { Pluggable } from '@aws-sdk/types';

/**
 * The document client picks the DynamoDB type of a value by its `constructor` (`Object`, `Map`, `Set`, `String`, ...).
 * A JSON object with an entry named `constructor` (a tenant setting, a memory's metadata, a property of a tool's input
 * schema) has its own `constructor`, so it fails to marshall, or with `{"name": "String"}` inside marshalls as another
 * type. Turned into a `Map` of the same entries, it marshalls as the map it is and reads back as the same object.
 */

function isJsonObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * `value` with every JSON object that has an entry named `constructor`, at any depth, as a `Map` of its entries: the
 * same value (not a copy) when none has; `value` itself is never changed.
 */
export function withConstructorEntriesAsMaps(value: unknown): unknown {
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const safe = withConstructorEntriesAsMaps(value[i]);
      if (safe !== value[i]) (copy ??= [...value])[i] = safe;
    }
    return copy ?? value;
  }
  if (!isJsonObject(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [name, entry] of Object.entries(value)) {
    const safe = withConstructorEntriesAsMaps(entry);
    if (safe !== entry) (copy ??= { ...value })[name] = safe;
  }
  const result = copy ?? value;
  return Object.hasOwn(result, 'constructor') ? new Map(Object.entries(result)) : result;
}

/** Applies `withConstructorEntriesAsMaps` to every command's input before the document client marshalls it. */
export function constructorEntriesAsMaps<Input extends object, Output extends object>(): Pluggable<Input, Output> {
  return {
    applyToStack(stack) {
      stack.add((next) => (args) => next({ ...args, input: withConstructorEntriesAsMaps(args.input) as Input }), {
        step: 'initialize',
        name: 'constructorEntriesAsMaps',
        override: true,
      });
    },
  };
}
