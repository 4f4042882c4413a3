import { TABLE_SCHEMA } from './table.schema';

/**
 * The conditions of the platform's writes, built in one place so their placeholders never collide and the same
 * rule is spelled once. Why not ElectroDB: it builds its own commands and transactions, while every tenant write
 * here is one TransactWriteItems assembled by the mutation executor (item, counters, idempotency record, audit
 * entry, chain head); its condition builders cannot be fed into that transaction without its executor too.
 */
export interface Condition {
  readonly expression: string;
  readonly names: Readonly<Record<string, string>>;
  readonly values?: Readonly<Record<string, unknown>>;
}

/** The item exists (its partition key attribute is present). */
export const itemExists: Condition = { expression: 'attribute_exists(#pk)', names: { '#pk': TABLE_SCHEMA.partitionKey } };

/** No item has this key yet. */
export const itemAbsent: Condition = { expression: 'attribute_not_exists(#pk)', names: { '#pk': TABLE_SCHEMA.partitionKey } };

/** The item is at this version (optimistic locking, the ETag of the API). */
export function versionIs(version: number): Condition {
  return { expression: '#version = :expectedVersion', names: { '#version': 'version' }, values: { ':expectedVersion': version } };
}

/**
 * The condition fields of a write: every condition must hold. Two conditions may share a placeholder only for the
 * same attribute or value; anything else would silently change one of them, so it throws.
 */
export function conditionOf(...conditions: readonly Condition[]) {
  const names = mergedPlaceholders(conditions.map((condition) => condition.names));
  const values = mergedPlaceholders(conditions.map((condition) => condition.values ?? {}));
  return {
    ConditionExpression: conditions.map((condition) => condition.expression).join(' AND '),
    ExpressionAttributeNames: names as Record<string, string>,
    ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
  };
}

function mergedPlaceholders(maps: readonly Readonly<Record<string, unknown>>[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const map of maps) {
    for (const [placeholder, value] of Object.entries(map)) {
      if (placeholder in merged && merged[placeholder] !== value) throw new Error(`conditions use ${placeholder} for two things`);
      merged[placeholder] = value;
    }
  }
  return merged;
}

/** Placeholders of a plain attribute name, named after it so conditions on one attribute agree. */
function placeholderOf(attribute: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(attribute)) throw new Error(`not a plain attribute name: ${attribute}`);
  return attribute;
}

/** The item has no such attribute. */
export function attributeAbsent(attribute: string): Condition {
  const name = placeholderOf(attribute);
  return { expression: `attribute_not_exists(#${name})`, names: { [`#${name}`]: attribute } };
}

/** The attribute holds this value. */
export function attributeIs(attribute: string, value: unknown): Condition {
  const name = placeholderOf(attribute);
  return { expression: `#${name} = :${name}Is`, names: { [`#${name}`]: attribute }, values: { [`:${name}Is`]: value } };
}

/** The attribute is greater than this value (numbers, or ISO times as strings). */
export function attributeAbove(attribute: string, value: unknown): Condition {
  const name = placeholderOf(attribute);
  return { expression: `#${name} > :${name}Above`, names: { [`#${name}`]: attribute }, values: { [`:${name}Above`]: value } };
}

/** The attribute is less than this value. */
export function attributeBelow(attribute: string, value: unknown): Condition {
  const name = placeholderOf(attribute);
  return { expression: `#${name} < :${name}Below`, names: { [`#${name}`]: attribute }, values: { [`:${name}Below`]: value } };
}

/** The attribute is at most this value. */
export function attributeAtMost(attribute: string, value: unknown): Condition {
  const name = placeholderOf(attribute);
  return { expression: `#${name} <= :${name}AtMost`, names: { [`#${name}`]: attribute }, values: { [`:${name}AtMost`]: value } };
}

/** The list (or string, set, map) attribute has this size. */
export function sizeIs(attribute: string, size: number): Condition {
  const name = placeholderOf(attribute);
  return { expression: `size(#${name}) = :${name}Size`, names: { [`#${name}`]: attribute }, values: { [`:${name}Size`]: size } };
}

/** At least one of the conditions holds. */
export function anyOf(...conditions: readonly Condition[]): Condition {
  if (conditions.length === 0) throw new Error('anyOf needs at least one condition');
  return {
    expression: `(${conditions.map((condition) => condition.expression).join(' OR ')})`,
    names: mergedPlaceholders(conditions.map((condition) => condition.names)) as Record<string, string>,
    values: mergedPlaceholders(conditions.map((condition) => condition.values ?? {})),
  };
}
