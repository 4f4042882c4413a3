import type { PolicyDocument } from 'aws-lambda';

/**
 * Evaluates the IAM policy a Lambda authorizer returns against the request's method ARN, as API Gateway does:
 * an explicit Deny wins, otherwise an Allow that covers the ARN lets the request through, otherwise it is denied.
 */

const INVOKE = 'execute-api:Invoke';

function asList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/** IAM string matching: `*` any run of characters, `?` one character, case-sensitive. */
function globMatches(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(value);
}

function actionMatches(pattern: string): boolean {
  return globMatches(pattern.toLowerCase(), INVOKE.toLowerCase());
}

function statementCovers(statement: Record<string, unknown>, methodArn: string): boolean {
  const actions = asList(statement.Action);
  const notActions = asList(statement.NotAction);
  const actionOk = actions.length > 0 ? actions.some(actionMatches) : notActions.length > 0 && !notActions.some(actionMatches);
  const resources = asList(statement.Resource);
  const notResources = asList(statement.NotResource);
  const resourceOk =
    resources.length > 0
      ? resources.some((pattern) => globMatches(pattern, methodArn))
      : notResources.length > 0 && !notResources.some((pattern) => globMatches(pattern, methodArn));
  return actionOk && resourceOk;
}

/** True when the policy allows invoking the method ARN. */
export function policyAllows(policy: PolicyDocument | undefined, methodArn: string): boolean {
  const statements = (policy?.Statement ?? []) as unknown as Record<string, unknown>[];
  const covering = statements.filter((statement) => statementCovers(statement, methodArn));
  if (covering.some((statement) => statement.Effect === 'Deny')) return false;
  return covering.some((statement) => statement.Effect === 'Allow');
}

/** The method ARN API Gateway puts in authorizer events: the real request path, not the resource template. */
export function methodArnOf(parts: {
  readonly region: string;
  readonly accountId: string;
  readonly apiId: string;
  readonly stage: string;
  readonly method: string;
  readonly path: string;
}): string {
  return `arn:aws:execute-api:${parts.region}:${parts.accountId}:${parts.apiId}/${parts.stage}/${parts.method}${parts.path}`;
}
