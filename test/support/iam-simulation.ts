import { runSimulation, type EvaluationResult } from '@cloud-copilot/iam-simulate';

/**
 * IAM policy extraction from synthesized CloudFormation templates, and simulation of DynamoDB requests against
 * those policies with @cloud-copilot/iam-simulate (AGPL: tests only, never shipped code).
 *
 * The simulator needs concrete ARNs, so every `Ref`/`Fn::GetAtt`/`Fn::Join` in a policy is resolved to a
 * deterministic value: a resource's physical name is its logical id, in the test account and the stack's region.
 */

export const TEST_ACCOUNT_ID = '111122223333';
export const TEST_PARTITION = 'aws';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
  readonly Metadata?: Record<string, unknown>;
}

export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
}

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly Record<string, any>[];
}

/** Where a template is deployed, for pseudo parameters and ARNs. */
export interface TemplateEnvironment {
  readonly region: string;
  /** @default TEST_ACCOUNT_ID */
  readonly accountId?: string;
}

/** The concrete ARN a resource of the template gets in the simulation (`Fn::GetAtt [id, 'Arn']`). */
export function concreteArn(template: CfnTemplate, logicalId: string, env: TemplateEnvironment): string {
  const resource = template.Resources[logicalId];
  if (!resource) throw new Error(`no resource ${logicalId} in the template`);
  const account = env.accountId ?? TEST_ACCOUNT_ID;
  const p = TEST_PARTITION;
  switch (resource.Type) {
    case 'AWS::DynamoDB::GlobalTable':
    case 'AWS::DynamoDB::Table':
      return `arn:${p}:dynamodb:${env.region}:${account}:table/${logicalId}`;
    case 'AWS::IAM::Role':
      return `arn:${p}:iam::${account}:role/${logicalId}`;
    case 'AWS::Logs::LogGroup':
      return `arn:${p}:logs:${env.region}:${account}:log-group:${logicalId}:*`;
    case 'AWS::Lambda::Function':
      return `arn:${p}:lambda:${env.region}:${account}:function:${logicalId}`;
    case 'AWS::KMS::Key':
      return `arn:${p}:kms:${env.region}:${account}:key/${logicalId}`;
    case 'AWS::S3::Bucket':
      return `arn:${p}:s3:::${logicalId.toLowerCase()}`;
    default:
      throw new Error(`no concrete ARN for ${logicalId} of type ${resource.Type}`);
  }
}

/**
 * Replaces CloudFormation intrinsics by concrete values. Unknown intrinsics throw: a policy the resolver does not
 * understand must not be simulated as if it were something else.
 */
export function resolveIntrinsics<T>(value: T, template: CfnTemplate, env: TemplateEnvironment): T {
  const resolve = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(resolve);
    if (v === null || typeof v !== 'object') return v;
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 1) {
      const [key, arg] = entries[0];
      if (key === 'Ref') return resolveRef(arg as string);
      if (key === 'Fn::GetAtt') {
        const [logicalId, attribute] = arg as [string, string];
        if (attribute !== 'Arn') throw new Error(`cannot resolve Fn::GetAtt ${logicalId}.${attribute}`);
        return concreteArn(template, logicalId, env);
      }
      if (key === 'Fn::Join') {
        const [separator, parts] = arg as [string, unknown[]];
        return parts.map((part) => String(resolve(part))).join(separator);
      }
      if (key.startsWith('Fn::')) throw new Error(`cannot resolve intrinsic ${key}`);
    }
    return Object.fromEntries(entries.map(([k, inner]) => [k, resolve(inner)]));
  };
  const resolveRef = (name: string): string => {
    switch (name) {
      case 'AWS::Partition':
        return TEST_PARTITION;
      case 'AWS::Region':
        return env.region;
      case 'AWS::AccountId':
        return env.accountId ?? TEST_ACCOUNT_ID;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      default:
        if (!template.Resources[name]) throw new Error(`cannot resolve Ref ${name}`);
        return name;
    }
  };
  return resolve(value) as T;
}

/** The logical id of the resource synthesized at a construct path ending in `pathSuffix` (needs path metadata). */
export function logicalIdByPath(template: CfnTemplate, pathSuffix: string): string {
  const matches = Object.entries(template.Resources).filter(([, resource]) => {
    const path = resource.Metadata?.['aws:cdk:path'];
    return typeof path === 'string' && path.endsWith(pathSuffix);
  });
  if (matches.length !== 1) {
    throw new Error(`expected one resource at a path ending in ${pathSuffix}, found ${matches.length} (is path metadata on?)`);
  }
  return matches[0][0];
}

function refersTo(list: unknown, logicalId: string): boolean {
  return Array.isArray(list) && list.some((entry) => entry && typeof entry === 'object' && entry.Ref === logicalId);
}

/**
 * Every identity policy document of a role, unresolved: its inline policies and the AWS::IAM::Policy and
 * AWS::IAM::ManagedPolicy resources of the template attached to it. AWS-managed policies (by ARN) are not
 * included: see `managedPolicyArns`.
 */
export function rolePolicyDocuments(template: CfnTemplate, roleLogicalId: string): PolicyDocument[] {
  const role = template.Resources[roleLogicalId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleLogicalId} is not an AWS::IAM::Role`);
  const inline = (role.Properties?.Policies ?? []).map((policy: { PolicyDocument: PolicyDocument }) => policy.PolicyDocument);
  const attached = Object.values(template.Resources)
    .filter((r) => (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') && refersTo(r.Properties?.Roles, roleLogicalId))
    .map((r) => r.Properties!.PolicyDocument as PolicyDocument);
  return [...inline, ...attached];
}

/** The managed policy ARNs attached to a role, unresolved. */
export function managedPolicyArns(template: CfnTemplate, roleLogicalId: string): unknown[] {
  return template.Resources[roleLogicalId]?.Properties?.ManagedPolicyArns ?? [];
}

/** One request to simulate. */
export interface SimulatedRequest {
  readonly action: string;
  readonly resource: string;
  /** The calling principal. @default an assumed-role session in the test account */
  readonly principal?: string;
  /** Request context: condition keys and their values. */
  readonly context: Readonly<Record<string, string | readonly string[]>>;
  /** Resource policy of the target (a role's trust policy for sts:AssumeRole). @default none */
  readonly resourcePolicy?: PolicyDocument;
}

export interface SimulationOutcome {
  readonly allowed: boolean;
  readonly result: EvaluationResult;
  /** Context keys the simulator dropped because they do not apply: a misspelt key shows up here. */
  readonly ignoredContextKeys: readonly string[];
}

/** Simulates one request against identity policies (already resolved to concrete ARNs). */
export async function simulate(policies: readonly PolicyDocument[], request: SimulatedRequest): Promise<SimulationOutcome> {
  const results = await runSimulation(
    {
      identityPolicies: policies.map((policy, index) => ({ name: `policy-${index}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(request.resourcePolicy ? { resourcePolicy: request.resourcePolicy } : {}),
      request: {
        action: request.action,
        principal: request.principal ?? `arn:${TEST_PARTITION}:sts::${TEST_ACCOUNT_ID}:assumed-role/simulated/session`,
        resource: { resource: request.resource, accountId: TEST_ACCOUNT_ID },
        contextVariables: Object.fromEntries(Object.entries(request.context).map(([key, value]) => [key, typeof value === 'string' ? value : [...value]])),
      },
    },
    {},
  );
  if (results.resultType !== 'single') {
    throw new Error(`simulation of ${request.action} on ${request.resource} did not run as one request: ${JSON.stringify(results)}`);
  }
  return {
    allowed: results.overallResult === 'Allowed',
    result: results.overallResult,
    ignoredContextKeys: results.result.ignoredContextKeys ?? [],
  };
}

/** A DynamoDB data request of a session: which partition keys it touches and which principal tags it carries. */
export interface DataRequest {
  readonly action: string;
  /** Table or index ARN. */
  readonly resource: string;
  /** The session's principal tags (e.g. `{ TenantId: 'acme' }`). @default none */
  readonly principalTags?: Readonly<Record<string, string>>;
  /** Partition key values of the request (`dynamodb:LeadingKeys`). @default absent, as for a Scan */
  readonly leadingKeys?: readonly string[];
}

/** Simulates a DynamoDB data request against a role's (resolved) identity policies. */
export function simulateDataRequest(policies: readonly PolicyDocument[], request: DataRequest): Promise<SimulationOutcome> {
  const context: Record<string, string | readonly string[]> = {};
  for (const [tag, value] of Object.entries(request.principalTags ?? {})) context[`aws:PrincipalTag/${tag}`] = value;
  if (request.leadingKeys) context['dynamodb:LeadingKeys'] = request.leadingKeys;
  return simulate(policies, { action: request.action, resource: request.resource, context });
}
