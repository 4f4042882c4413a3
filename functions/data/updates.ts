import { conditionOf, type Condition } from './conditions';

/**
 * Update expressions, built in one place like the conditions (conditions.ts): every attribute name goes through a
 * `#` placeholder (so reserved words such as `status`, `count` or `name` never reach the expression) and every value
 * through a `:` placeholder, numbered so they never collide with each other or with the placeholders of the
 * conditions they are combined with.
 */
export interface ItemUpdate {
  /** `SET #a = :v`: attributes given these values. */
  readonly set?: Readonly<Record<string, unknown>>;
  /** `SET #a = #a + :v`: numeric attributes that must exist, moved by these amounts (a version, a counter). */
  readonly increment?: Readonly<Record<string, number>>;
  /** `SET #a = list_append(#a, :v)`: list attributes that must exist, extended at their end by these elements. */
  readonly append?: Readonly<Record<string, readonly unknown[]>>;
  /** `ADD #a :v`: numeric attributes moved by these amounts, starting from 0 when absent. */
  readonly add?: Readonly<Record<string, number>>;
  /** `REMOVE #a`: attributes removed. */
  readonly remove?: readonly string[];
}

/** The fields of an UpdateItem (or a transaction's Update) that apply `update` when every condition holds. */
export function updateOf(update: ItemUpdate, ...conditions: readonly Condition[]) {
  const condition = conditions.length > 0 ? conditionOf(...conditions) : undefined;
  const names: Record<string, string> = { ...condition?.ExpressionAttributeNames };
  const values: Record<string, unknown> = { ...condition?.ExpressionAttributeValues };
  let next = 0;
  const fresh = (taken: Record<string, unknown>, mark: '#' | ':') => {
    while (`${mark}u${next}` in taken) next += 1;
    return `${mark}u${next}`;
  };
  const aliasOf = (attribute: string) => {
    const existing = Object.entries(names).find(([, name]) => name === attribute)?.[0];
    if (existing) return existing;
    const placeholder = fresh(names, '#');
    names[placeholder] = attribute;
    return placeholder;
  };
  const placeholderFor = (value: unknown) => {
    const placeholder = fresh(values, ':');
    values[placeholder] = value;
    return placeholder;
  };
  const sets = [
    ...Object.entries(update.set ?? {}).map(([attribute, value]) => `${aliasOf(attribute)} = ${placeholderFor(value)}`),
    ...Object.entries(update.increment ?? {}).map(([attribute, by]) => {
      const name = aliasOf(attribute);
      return `${name} = ${name} + ${placeholderFor(by)}`;
    }),
    ...Object.entries(update.append ?? {}).map(([attribute, elements]) => {
      const name = aliasOf(attribute);
      return `${name} = list_append(${name}, ${placeholderFor(elements)})`;
    }),
  ];
  const adds = Object.entries(update.add ?? {}).map(([attribute, by]) => `${aliasOf(attribute)} ${placeholderFor(by)}`);
  const removes = (update.remove ?? []).map(aliasOf);
  const clauses = [
    sets.length > 0 ? `SET ${sets.join(', ')}` : '',
    removes.length > 0 ? `REMOVE ${removes.join(', ')}` : '',
    adds.length > 0 ? `ADD ${adds.join(', ')}` : '',
  ].filter((clause) => clause !== '');
  if (clauses.length === 0) throw new Error('an update changes at least one attribute');
  const attributes = [
    ...Object.keys(update.set ?? {}),
    ...Object.keys(update.increment ?? {}),
    ...Object.keys(update.append ?? {}),
    ...Object.keys(update.add ?? {}),
    ...(update.remove ?? []),
  ];
  if (new Set(attributes).size !== attributes.length) throw new Error(`an update names an attribute twice: ${attributes.join(', ')}`);
  return {
    UpdateExpression: clauses.join(' '),
    ...(condition ? { ConditionExpression: condition.ConditionExpression } : {}),
    ExpressionAttributeNames: names,
    ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
  };
}

/** The expression fields of a built update (an `updateOf` result, possibly with its table and key). */
export interface BuiltUpdate {
  readonly UpdateExpression?: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, unknown>;
}

const CLAUSE_KEYWORDS = ['SET', 'REMOVE', 'ADD', 'DELETE'] as const;

/** The actions of each clause of an update expression built by `updateOf` (placeholders only, so no keyword hides in a name). */
function clausesOf(expression: string): Map<string, string[]> {
  const clauses = new Map<string, string[]>();
  const parts = expression.split(/\b(SET|REMOVE|ADD|DELETE)\b/).map((part) => part.trim());
  for (let i = 1; i < parts.length; i += 2) clauses.set(parts[i], [...(clauses.get(parts[i]) ?? []), parts[i + 1]]);
  return clauses;
}

/**
 * `built` with `extra` merged into its clauses (one SET, one REMOVE… as DynamoDB requires), under placeholders of
 * their own: for the write path to add attributes to an update a caller built. The attributes of `extra` must not
 * be named by `built` (two actions on one path are refused by DynamoDB), which the caller checks.
 */
export function mergedUpdate<T extends BuiltUpdate>(built: T, extra: ItemUpdate): T {
  const added = updateOf(extra);
  const rename = (text: string) => text.replace(/([#:])u(\d+)/g, '$1merged$2');
  const renamed = <V>(map: Record<string, V> | undefined) => Object.fromEntries(Object.entries(map ?? {}).map(([key, value]) => [rename(key), value]));
  const names = renamed(added.ExpressionAttributeNames);
  const values = renamed(added.ExpressionAttributeValues);
  const taken = [...Object.keys(names), ...Object.keys(values)].filter(
    (key) => key in (built.ExpressionAttributeNames ?? {}) || key in (built.ExpressionAttributeValues ?? {}),
  );
  if (taken.length > 0) throw new Error(`a merged update reuses placeholders ${taken.join(', ')}`);
  const clauses = clausesOf(built.UpdateExpression ?? '');
  for (const [keyword, actions] of clausesOf(rename(added.UpdateExpression))) clauses.set(keyword, [...(clauses.get(keyword) ?? []), ...actions]);
  const mergedValues = { ...built.ExpressionAttributeValues, ...values };
  return {
    ...built,
    UpdateExpression: CLAUSE_KEYWORDS.flatMap((keyword) => (clauses.has(keyword) ? [`${keyword} ${clauses.get(keyword)?.join(', ')}`] : [])).join(' '),
    ExpressionAttributeNames: { ...built.ExpressionAttributeNames, ...names },
    ...(Object.keys(mergedValues).length > 0 ? { ExpressionAttributeValues: mergedValues } : {}),
  };
}
