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
