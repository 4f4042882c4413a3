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

/** The condition fields of a write: every condition must hold. */
export function conditionOf(...conditions: readonly Condition[]) {
  const values = Object.assign({}, ...conditions.map((condition) => condition.values ?? {}));
  return {
    ConditionExpression: conditions.map((condition) => condition.expression).join(' AND '),
    ExpressionAttributeNames: Object.assign({}, ...conditions.map((condition) => condition.names)) as Record<string, string>,
    ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values as Record<string, unknown> } : {}),
  };
}
