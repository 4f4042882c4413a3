import type { CfnTemplate } from '../../support/iam-simulation';

/**
 * Every identity-policy statement of a template with the principals (role logical ids) it applies to, wherever it is
 * written: inline in a role, in an AWS::IAM::Policy or in a customer-managed AWS::IAM::ManagedPolicy.
 */
export interface OwnedStatement {
  /** Logical ids of the roles the statement applies to. */
  readonly roles: readonly string[];
  /** Users or groups the statement applies to (the platform has none). */
  readonly otherPrincipals: readonly unknown[];
  /** Logical id of the resource the statement is written in. */
  readonly source: string;
  readonly statement: Readonly<Record<string, any>>;
}

const asArray = <T>(value: T | readonly T[] | undefined): readonly T[] =>
  value === undefined ? [] : Array.isArray(value) ? (value as readonly T[]) : [value as T];

const refIds = (list: unknown): string[] =>
  asArray(list as unknown[]).map((entry) => {
    if (entry && typeof entry === 'object' && 'Ref' in entry) return (entry as { Ref: string }).Ref;
    throw new Error(`policy attached to something other than a Ref: ${JSON.stringify(entry)}`);
  });

export function ownedStatements(template: CfnTemplate): OwnedStatement[] {
  const owned: OwnedStatement[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::IAM::Role') {
      for (const policy of props.Policies ?? []) {
        for (const statement of asArray(policy.PolicyDocument.Statement)) {
          owned.push({ roles: [id], otherPrincipals: [], source: id, statement });
        }
      }
    } else if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      const otherPrincipals = [...asArray(props.Users), ...asArray(props.Groups)];
      for (const statement of asArray(props.PolicyDocument.Statement)) {
        owned.push({ roles: refIds(props.Roles), otherPrincipals, source: id, statement });
      }
    }
  }
  return owned;
}

/** Whether an IAM action pattern (with `*` and `?` wildcards, case-insensitive) covers an action. */
export function actionPatternCovers(pattern: string, action: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return regex.test(action);
}

/**
 * DynamoDB actions that read or write items, or copy them out of the table (streams, exports, PartiQL, restores
 * into a new table).
 */
export const DYNAMODB_DATA_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:PartiQLSelect',
  'dynamodb:PartiQLInsert',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ExportTableToPointInTime',
  'dynamodb:RestoreTableFromBackup',
  'dynamodb:RestoreTableToPointInTime',
] as const;

/** The DynamoDB data actions an Allow statement grants (every one of them for `NotAction`, which allows the rest). */
export function dataActionsGranted(statement: Readonly<Record<string, any>>): string[] {
  if (statement.Effect !== 'Allow') return [];
  if (statement.NotAction !== undefined) return [...DYNAMODB_DATA_ACTIONS];
  const patterns = asArray<string>(statement.Action);
  return DYNAMODB_DATA_ACTIONS.filter((action) => patterns.some((pattern) => actionPatternCovers(pattern, action)));
}

/** Roles of the template with their trust policy's service principals. */
export function rolesAssumedBy(template: CfnTemplate, service: string): string[] {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::IAM::Role')
    .filter(([, r]) =>
      asArray<Record<string, any>>(r.Properties!.AssumeRolePolicyDocument.Statement).some((s) => asArray(s.Principal?.Service).includes(service)),
    )
    .map(([id]) => id);
}

/** What a consumer of a table's stream is granted: reading the stream's shards and records, nothing of the table. */
export const STREAM_READ_ACTIONS = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'] as const;

/**
 * Whether a statement grants stream reads only, and only on the given stream ARNs (as the template writes them):
 * every action is a stream read (no wildcard) and every resource is one of the streams.
 */
export function isStreamReadOnly(statement: Readonly<Record<string, any>>, streamArns: readonly unknown[]): boolean {
  if (statement.Effect !== 'Allow' || statement.NotAction !== undefined || statement.NotResource !== undefined) return false;
  const actions = asArray<string>(statement.Action);
  const resources = asArray<unknown>(statement.Resource);
  const streams = streamArns.map((arn) => JSON.stringify(arn));
  return (
    actions.length > 0 &&
    actions.every((action) => (STREAM_READ_ACTIONS as readonly string[]).includes(action)) &&
    resources.length > 0 &&
    resources.every((resource) => streams.includes(JSON.stringify(resource)))
  );
}

/**
 * The roles that may perform a DynamoDB data action, apart from stream reads confined to the given streams: those
 * are returned as `streamReaders`, every other data action (items, Scan, PartiQL, exports, stream reads elsewhere)
 * makes its role one of the `holders`.
 */
export function dataActionHolders(statements: readonly OwnedStatement[], streamArns: readonly unknown[]): { holders: Set<string>; streamReaders: Set<string> } {
  const holders = new Set<string>();
  const streamReaders = new Set<string>();
  for (const owned of statements) {
    if (dataActionsGranted(owned.statement).length === 0) continue;
    const target = isStreamReadOnly(owned.statement, streamArns) ? streamReaders : holders;
    for (const role of owned.roles) target.add(role);
  }
  return { holders, streamReaders };
}
