import type { Pluggable } from '@aws-sdk/types';
import { isIssuerKey, isPlatformKey, tenantPrefix } from '../data/keys';
import * as keys from '../data/table-keys';
import { PARTITION_KEY_ATTRIBUTES, TABLE_SCHEMA } from '../data/table.schema';

/**
 * The runtime guard: the IAM condition of the data roles, evaluated in the process before a request is sent.
 * In AWS it is a second wall behind IAM; locally, where DynamoDB Local ignores IAM, it is the wall.
 *
 * `leadingKeysOf` lists the partition-key values of a request as IAM's `dynamodb:LeadingKeys` sees them, and
 * `guardVerdict` applies the tenant data role's rule to them: `ForAllValues:StringLike T#<tenant>#*` plus
 * `Null dynamodb:LeadingKeys = false` (a request with no partition key, like Scan, is denied).
 */

/** Raised before sending a request that would touch keys outside the client's scope. Nothing was sent. */
export class TenantIsolationError extends Error {
  constructor(
    message: string,
    readonly commandName: string,
    readonly scope: string,
  ) {
    super(message);
    this.name = 'TenantIsolationError';
  }
}

type Json = Record<string, unknown>;

/** The DynamoDB operation of a command name: `GetItemCommand` → `GetItem`, DocumentClient's `GetCommand` → `GetItem`. */
export function operationOf(commandName: string): string {
  const bare = commandName.endsWith('Command') ? commandName.slice(0, -'Command'.length) : commandName;
  return DOCUMENT_CLIENT_OPERATIONS[bare] ?? bare;
}

const DOCUMENT_CLIENT_OPERATIONS: Record<string, string> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactGet: 'TransactGetItems',
  TransactWrite: 'TransactWriteItems',
};

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The string a key attribute holds, as IAM reads it: DocumentClient inputs carry plain values, low-level ones
 * `{ S: … }`. Anything else (missing, number, binary) cannot match a `T#…` pattern and is returned as a value that
 * matches none, so the request is denied rather than silently skipped.
 */
function keyString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isObject(value) && typeof value.S === 'string' && Object.keys(value).length === 1) return value.S;
  return '';
}

function partitionKeyOf(record: unknown): string {
  return isObject(record) ? keyString(record[TABLE_SCHEMA.partitionKey]) : '';
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The partition key attribute of the table, or of the index a Query names. */
function partitionAttributeOf(indexName: unknown): string | undefined {
  if (indexName === undefined) return TABLE_SCHEMA.partitionKey;
  const index = Object.values(TABLE_SCHEMA.indexes).find((candidate) => candidate.indexName === indexName);
  return index?.partitionKey;
}

const KEY_CONDITION_TOKEN = /\s*(#[A-Za-z0-9_]+|:[A-Za-z0-9_]+|[A-Za-z_][A-Za-z0-9_.]*|<=|>=|<>|[=<>(),])/y;

/** Splits a key condition expression into tokens; undefined when it holds anything unexpected. */
function tokenize(expression: string): string[] | undefined {
  const tokens: string[] = [];
  KEY_CONDITION_TOKEN.lastIndex = 0;
  while (KEY_CONDITION_TOKEN.lastIndex < expression.length) {
    const start = KEY_CONDITION_TOKEN.lastIndex;
    const match = KEY_CONDITION_TOKEN.exec(expression);
    if (!match) {
      return expression.slice(start).trim() === '' ? tokens : undefined;
    }
    tokens.push(match[1]);
  }
  return tokens;
}

/** The partition key value a Query's key condition fixes (`<pk> = :v`, either way round), or ''. */
function queryLeadingKeys(input: Json): string[] {
  const attribute = partitionAttributeOf(input.IndexName);
  if (!attribute) return [];
  const names = isObject(input.ExpressionAttributeNames) ? input.ExpressionAttributeNames : {};
  const values = isObject(input.ExpressionAttributeValues) ? input.ExpressionAttributeValues : {};

  if (typeof input.KeyConditionExpression === 'string') {
    const tokens = tokenize(input.KeyConditionExpression);
    if (!tokens) return [''];
    const isAttribute = (token: string | undefined) => token !== undefined && (token.startsWith('#') ? names[token] === attribute : token === attribute);
    const found: string[] = [];
    tokens.forEach((token, i) => {
      if (token !== '=') return;
      const [left, right] = [tokens[i - 1], tokens[i + 1]];
      if (isAttribute(left) && right?.startsWith(':')) found.push(keyString(values[right]));
      else if (isAttribute(right) && left?.startsWith(':')) found.push(keyString(values[left]));
    });
    return found;
  }
  // The legacy form: KeyConditions: { pk: { ComparisonOperator: 'EQ', AttributeValueList: [v] } }.
  const legacy = isObject(input.KeyConditions) ? input.KeyConditions[attribute] : undefined;
  if (isObject(legacy) && legacy.ComparisonOperator === 'EQ') {
    return asArray(legacy.AttributeValueList).map(keyString);
  }
  return [];
}

/**
 * The partition-key values a DynamoDB request touches, as IAM's `dynamodb:LeadingKeys` sees them. Accepts the
 * command name of the low-level client (`GetItemCommand`), of the DocumentClient (`GetCommand`) or the bare
 * operation (`GetItem`), and inputs with plain or marshalled (`{ S: … }`) values. Scan, PartiQL and anything unknown
 * have no leading keys.
 */
export function leadingKeysOf(commandName: string, input: unknown): string[] {
  if (!isObject(input)) return [];
  switch (operationOf(commandName)) {
    case 'GetItem':
    case 'DeleteItem':
    case 'UpdateItem':
      return [partitionKeyOf(input.Key)];
    case 'PutItem':
      return [partitionKeyOf(input.Item)];
    case 'Query':
      return queryLeadingKeys(input);
    case 'BatchGetItem':
      return Object.values(isObject(input.RequestItems) ? input.RequestItems : {}).flatMap((table) =>
        asArray(isObject(table) ? table.Keys : undefined).map(partitionKeyOf),
      );
    case 'BatchWriteItem':
      return Object.values(isObject(input.RequestItems) ? input.RequestItems : {}).flatMap((requests) =>
        asArray(requests).map((request) => {
          if (!isObject(request)) return '';
          if (isObject(request.PutRequest)) return partitionKeyOf(request.PutRequest.Item);
          if (isObject(request.DeleteRequest)) return partitionKeyOf(request.DeleteRequest.Key);
          return '';
        }),
      );
    case 'TransactGetItems':
      return asArray(input.TransactItems).map((item) => (isObject(item) && isObject(item.Get) ? partitionKeyOf(item.Get.Key) : ''));
    case 'TransactWriteItems':
      return asArray(input.TransactItems).map((item) => {
        if (!isObject(item)) return '';
        if (isObject(item.Put)) return partitionKeyOf(item.Put.Item);
        for (const action of ['Update', 'Delete', 'ConditionCheck'] as const) {
          const part = item[action];
          if (isObject(part)) return partitionKeyOf(part.Key);
        }
        return '';
      });
    default:
      return [];
  }
}

/** A scope's rule for partition-key values, the same as its role's `dynamodb:LeadingKeys` pattern and actions. */
export interface KeyScope {
  /** Name for messages: `tenant acme`, `platform`. */
  readonly name: string;
  /** True when the value is inside the scope. */
  owns(partitionKeyValue: string): boolean;
  /** Only reads (GetItem, Query, BatchGetItem, TransactGetItems), as the role grants no write action. @default false */
  readonly readOnly?: boolean;
}

/** The scope of one tenant: `T#<tenantId>#*`. */
export function tenantScope(tenantId: string): KeyScope {
  const prefix = tenantPrefix(tenantId);
  return { name: `tenant ${tenantId}`, owns: (value) => value.startsWith(prefix) };
}

/**
 * The scope of the period close: one tenant's keys and the invoice-number counter of the issuing region, so an
 * invoice and its number are taken in one transaction.
 */
export function invoicingScope(tenantId: string, region: string): KeyScope {
  const tenant = tenantScope(tenantId);
  const counter = keys.invoiceNumbers(region).pk;
  return { name: `invoicing ${tenantId} in ${region}`, owns: (value) => tenant.owns(value) || value === counter };
}

/** The scope of the directory read role: reads of `P#*` (directory, slugs, email domains, issuer registry). */
export const directoryScope: KeyScope = { name: 'directory', owns: isPlatformKey, readOnly: true };

/** The scope of the platform data role: `P#*` except the issuer registry (`P#ISSUER#*`). */
export const platformScope: KeyScope = { name: 'platform', owns: (value) => isPlatformKey(value) && !isIssuerKey(value) };

/** The scope of the issuer registry role: `P#ISSUER#*` only. */
export const issuerRegistryScope: KeyScope = { name: 'issuer registry', owns: isIssuerKey };

/** Operations a read-only scope may send; IAM authorizes TransactGetItems as GetItem on each item. */
const READ_OPERATIONS: ReadonlySet<string> = new Set(['GetItem', 'Query', 'BatchGetItem', 'TransactGetItems']);

/** The IAM verdict in code: at least one leading key, and every one inside the scope. */
export function scopeAllows(leadingKeys: readonly string[], scope: KeyScope): boolean {
  return leadingKeys.length > 0 && leadingKeys.every((key) => scope.owns(key));
}

/**
 * Whether the tenant data role would allow a request with these leading keys: at least one key (`Null = false`)
 * and every key starting with `T#<tenantId>#` (`ForAllValues:StringLike`).
 */
export function guardVerdict(leadingKeys: readonly string[], tenantId: string): boolean {
  return scopeAllows(leadingKeys, tenantScope(tenantId));
}

/**
 * Index partition-key values a write would store. IAM does not see them (LeadingKeys covers the table's key only),
 * so without this check a tenant could put an item into another tenant's index collection. Put items (also in batches
 * and transactions) are read directly; an Update that sets an index partition key must set it from one value
 * placeholder (`SET collectionPk = :v`), else it yields '' and is denied.
 */
export function indexKeysWrittenBy(commandName: string, input: unknown): string[] {
  if (!isObject(input)) return [];
  const fromItem = (item: unknown) => INDEX_PARTITION_KEYS.flatMap((attribute) => (isObject(item) && attribute in item ? [keyString(item[attribute])] : []));
  switch (operationOf(commandName)) {
    case 'PutItem':
      return fromItem(input.Item);
    case 'UpdateItem':
      return updateIndexKeys(input);
    case 'BatchWriteItem':
      return Object.values(isObject(input.RequestItems) ? input.RequestItems : {}).flatMap((requests) =>
        asArray(requests).flatMap((request) => (isObject(request) && isObject(request.PutRequest) ? fromItem(request.PutRequest.Item) : [])),
      );
    case 'TransactWriteItems':
      return asArray(input.TransactItems).flatMap((item) => {
        if (!isObject(item)) return [];
        if (isObject(item.Put)) return fromItem(item.Put.Item);
        if (isObject(item.Update)) return updateIndexKeys(item.Update);
        return [];
      });
    default:
      return [];
  }
}

const INDEX_PARTITION_KEYS = PARTITION_KEY_ATTRIBUTES.filter((attribute) => attribute !== TABLE_SCHEMA.partitionKey);

const UPDATE_TOKEN = /\s*(#[A-Za-z0-9_]+|:[A-Za-z0-9_]+|[A-Za-z_][A-Za-z0-9_]*|\[\d+\]|\.|<=|>=|<>|[=<>()+,-])/y;

function updateIndexKeys(input: Json): string[] {
  if (typeof input.UpdateExpression !== 'string') {
    // The legacy AttributeUpdates form: { collectionPk: { Action: 'PUT', Value: v } }.
    const updates = isObject(input.AttributeUpdates) ? input.AttributeUpdates : {};
    return INDEX_PARTITION_KEYS.flatMap((attribute) => {
      const update = updates[attribute];
      if (!isObject(update)) return [];
      return update.Action === 'DELETE' ? [] : [keyString(update.Value)];
    });
  }
  const names = isObject(input.ExpressionAttributeNames) ? input.ExpressionAttributeNames : {};
  const values = isObject(input.ExpressionAttributeValues) ? input.ExpressionAttributeValues : {};
  const expression = input.UpdateExpression;
  const tokens: string[] = [];
  UPDATE_TOKEN.lastIndex = 0;
  while (UPDATE_TOKEN.lastIndex < expression.length) {
    const start = UPDATE_TOKEN.lastIndex;
    const match = UPDATE_TOKEN.exec(expression);
    if (!match) {
      if (expression.slice(start).trim() !== '') return [''];
      break;
    }
    tokens.push(match[1]);
  }
  const resolve = (token: string) => (token.startsWith('#') ? names[token] : token);
  const found: string[] = [];
  tokens.forEach((token, i) => {
    if (tokens[i + 1] !== '=' || !INDEX_PARTITION_KEYS.includes(String(resolve(token)))) return;
    // Only a top-level path `attr = :value` followed by `,`, a clause keyword or the end is understood.
    if (tokens[i - 1] === '.' || tokens[i - 1]?.startsWith('[')) return;
    const value = tokens[i + 2];
    const after = tokens[i + 3];
    const simple = value?.startsWith(':') && (after === undefined || after === ',' || /^(SET|REMOVE|ADD|DELETE)$/i.test(after));
    found.push(simple ? keyString(values[value]) : '');
  });
  return found;
}

/** The tables a request names (the IAM policy's resources are the one table and its indexes). */
export function tableNamesOf(commandName: string, input: unknown): string[] {
  if (!isObject(input)) return [];
  switch (operationOf(commandName)) {
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.keys(isObject(input.RequestItems) ? input.RequestItems : {});
    case 'TransactGetItems':
    case 'TransactWriteItems':
      return asArray(input.TransactItems).flatMap((item) =>
        isObject(item) ? Object.values(item).flatMap((part) => (isObject(part) ? [String(part.TableName)] : [])) : [],
      );
    default:
      return input.TableName === undefined ? [] : [String(input.TableName)];
  }
}

export interface GuardOptions {
  /**
   * The only table requests may name.
   * @default any table
   */
  readonly tableName?: string;
}

/** Why a request is refused in a scope, or undefined when it may be sent. */
export function refusalOf(commandName: string, input: unknown, scope: KeyScope, options: GuardOptions = {}): string | undefined {
  if (options.tableName !== undefined && tableNamesOf(commandName, input).some((name) => name !== options.tableName)) {
    return `${operationOf(commandName)} names a table other than the ${scope.name} scope's`;
  }
  if (scope.readOnly && !READ_OPERATIONS.has(operationOf(commandName))) {
    return `${operationOf(commandName)} is not a read, and the ${scope.name} scope only reads`;
  }
  const leadingKeys = leadingKeysOf(commandName, input);
  if (!scopeAllows(leadingKeys, scope)) {
    return leadingKeys.length === 0
      ? `${operationOf(commandName)} names no partition key the ${scope.name} scope can check`
      : `${operationOf(commandName)} touches partition keys outside the ${scope.name} scope`;
  }
  const indexKeys = indexKeysWrittenBy(commandName, input);
  if (!indexKeys.every((key) => scope.owns(key))) {
    return `${operationOf(commandName)} writes index keys outside the ${scope.name} scope`;
  }
  return undefined;
}

export const GUARD_MIDDLEWARE_NAME = 'tenantIsolationGuard';

/**
 * An SDK plugin that refuses, before anything is signed or sent (and before credentials are asked for), every
 * request outside the scope. It runs first in the initialize step, where the input is the caller's: plain values for
 * the DocumentClient (marshalling happens later, before serialization), `{ S: … }` for the low-level client.
 * Messages name the operation and the scope, never the key values.
 */
export function tenantGuardPlugin<Input extends object, Output extends object>(scope: KeyScope, options: GuardOptions = {}): Pluggable<Input, Output> {
  return {
    applyToStack(stack) {
      stack.add(
        (next, context) => async (args) => {
          const commandName = String(context.commandName ?? '');
          const refusal = refusalOf(commandName, args.input, scope, options);
          if (refusal) throw new TenantIsolationError(refusal, commandName, scope.name);
          return next(args);
        },
        { step: 'initialize', priority: 'high', name: GUARD_MIDDLEWARE_NAME, override: true },
      );
    },
  };
}
