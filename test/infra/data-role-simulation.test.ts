import { PLATFORM_FUNCTION_TAG, PlatformNames } from '../../lib/naming';
import { refusalOf, tenantScope } from '../../functions/isolation/tenant-guard';
import { SECRET_TENANT_TAG, secretNameOf } from '../../functions/governance/credential-store';
import { ITEM_ACTIONS, READ_ACTIONS, TENANT_SESSION_TAG } from '../../lib/constructs/data-access-roles';
import { dataAccessOf, REGION_FUNCTION_NAMES, type RegionFunctionName } from '../../lib/stacks/region-stack';
import {
  concreteArn,
  resolveIntrinsics,
  rolePolicyDocuments,
  simulate,
  simulateDataRequest,
  TEST_ACCOUNT_ID,
  type DataRequest,
  type PolicyDocument,
  type SimulationOutcome,
} from '../support/iam-simulation';
import { buildFixture, logicalIdOf, templateOf, CONFIG } from './support/platform-fixture';
import { resolvePolicyIntrinsics } from './support/policy-intrinsics';

/**
 * The data roles' policies as synthesized, evaluated by an IAM simulator: what a tenant session and the directory,
 * platform and issuer registry sessions can and cannot do to the table. One region suffices: both region stacks are built by the same code, and
 * data-access.test.ts checks that every region's policies have the same statements.
 */
const region = 'eu-central-1';
const fixture = buildFixture();
const stack = fixture.stacks.regions.get(region)!;
const { json } = templateOf(stack);
const env = { region };

const tableArn = concreteArn(json, logicalIdOf(stack.table.table), env);
const indexArn = `${tableArn}/index/byCollection`;
const policiesOf = (roleLogicalId: string): PolicyDocument[] => resolvePolicyIntrinsics(rolePolicyDocuments(json, roleLogicalId), json, env);
const tenantRoleId = logicalIdOf(stack.dataAccess.tenantData.role);
const directoryRoleId = logicalIdOf(stack.dataAccess.directoryData.role);
const platformRoleId = logicalIdOf(stack.dataAccess.platformData.role);
const issuersRoleId = logicalIdOf(stack.dataAccess.issuersData.role);
const tenantPolicies = policiesOf(tenantRoleId);
const directoryPolicies = policiesOf(directoryRoleId);
const platformPolicies = policiesOf(platformRoleId);
const issuersPolicies = policiesOf(issuersRoleId);
const WRITE_ACTIONS = ITEM_ACTIONS.filter((action) => !(READ_ACTIONS as readonly string[]).includes(action));
const ISSUER_KEY = 'P#ISSUER#https%3A%2F%2Fcognito-idp.eu-central-1.amazonaws.com%2Feu-central-1_abc';

async function expectOutcome(policies: PolicyDocument[], request: DataRequest, allowed: boolean): Promise<SimulationOutcome> {
  const outcome = await simulateDataRequest(policies, request);
  // A context key the simulator does not know (a typo) would be dropped silently and prove nothing.
  expect(outcome.ignoredContextKeys).toEqual([]);
  expect({ request, result: outcome.result }).toEqual({ request, result: allowed ? 'Allowed' : expect.stringMatching(/Denied$/) });
  return outcome;
}

const acme = { [TENANT_SESSION_TAG]: 'acme' };

describe('tenant data role (simulated)', () => {
  it.each(ITEM_ACTIONS)('allows %s on the own tenant keys', async (action) => {
    await expectOutcome(tenantPolicies, { action, resource: tableArn, principalTags: acme, leadingKeys: ['T#acme#AGENT#a1'] }, true);
  });

  it('allows Query on the byCollection index under the own prefix', async () => {
    await expectOutcome(tenantPolicies, { action: 'dynamodb:Query', resource: indexArn, principalTags: acme, leadingKeys: ['T#acme#MEMORIES#a1'] }, true);
  });

  it('allows an invoice and its region number in one transaction, and no other platform key', async () => {
    const counter = 'P#INVOICE-NUMBERS#eu-central-1';
    await expectOutcome(tenantPolicies, { action: 'dynamodb:UpdateItem', resource: tableArn, principalTags: acme, leadingKeys: [counter] }, true);
    await expectOutcome(tenantPolicies, { action: 'dynamodb:PutItem', resource: tableArn, principalTags: acme, leadingKeys: ['P#TENANT#acme'] }, false);
    await expectOutcome(tenantPolicies, { action: 'dynamodb:PutItem', resource: tableArn, principalTags: acme, leadingKeys: ['P#ISSUER#x'] }, false);
  });

  it.each(ITEM_ACTIONS)("denies %s on another tenant's keys", async (action) => {
    await expectOutcome(tenantPolicies, { action, resource: tableArn, principalTags: acme, leadingKeys: ['T#globex#AGENT#a1'] }, false);
  });

  it.each([
    ['a longer tenant id with the same start', 'acme', 'T#acme2#AGENT#a1'],
    ['a shorter tenant id', 'acme2', 'T#acme#AGENT#a1'],
    ['the tenant id without its closing separator', 'acme', 'T#acme'],
    ['a platform key', 'acme', 'P#TENANT#acme'],
    ['a key without the tenant mark', 'acme', 'acme#AGENT#a1'],
  ])('denies the prefix trick: %s', async (_case, tenantId, key) => {
    await expectOutcome(
      tenantPolicies,
      { action: 'dynamodb:GetItem', resource: tableArn, principalTags: { [TENANT_SESSION_TAG]: tenantId }, leadingKeys: [key] },
      false,
    );
  });

  it.each(['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem'])('denies %s whose keys mix the own tenant with another', async (action) => {
    await expectOutcome(tenantPolicies, { action, resource: tableArn, principalTags: acme, leadingKeys: ['T#acme#AGENT#a1', 'T#globex#AGENT#a1'] }, false);
  });

  it('denies a session without the TenantId principal tag', async () => {
    await expectOutcome(tenantPolicies, { action: 'dynamodb:GetItem', resource: tableArn, leadingKeys: ['T#acme#AGENT#a1'] }, false);
  });

  it('denies a request that carries no partition key (the ForAllValues trap)', async () => {
    await expectOutcome(tenantPolicies, { action: 'dynamodb:GetItem', resource: tableArn, principalTags: acme }, false);
    await expectOutcome(tenantPolicies, { action: 'dynamodb:Query', resource: indexArn, principalTags: acme }, false);
  });

  // These carry no partition key (the simulator rightly ignores dynamodb:LeadingKeys for them): nothing to scope by.
  it.each(['dynamodb:Scan', 'dynamodb:PartiQLSelect', 'dynamodb:DescribeTable', 'dynamodb:DeleteTable', 'dynamodb:ExportTableToPointInTime'])(
    'denies %s',
    async (action) => {
      await expectOutcome(tenantPolicies, { action, resource: tableArn, principalTags: acme }, false);
    },
  );

  it('denies the own keys in another table', async () => {
    const otherTable = `arn:aws:dynamodb:${region}:${TEST_ACCOUNT_ID}:table/other`;
    await expectOutcome(tenantPolicies, { action: 'dynamodb:GetItem', resource: otherTable, principalTags: acme, leadingKeys: ['T#acme#AGENT#a1'] }, false);
  });

  it('cannot see index partition values: a Put of the own key whose collectionPk names another tenant is allowed (the runtime guard refuses it)', async () => {
    // Prepare: the request as IAM sees it: the table key (LeadingKeys) and the attribute names (dynamodb:Attributes)
    const item = { pk: 'T#acme#AGENT', sk: 'a1', collectionPk: 'T#globex#AGENTS' };

    // Act
    const outcome = await simulate(tenantPolicies, {
      action: 'dynamodb:PutItem',
      resource: tableArn,
      context: { [`aws:PrincipalTag/${TENANT_SESSION_TAG}`]: 'acme', 'dynamodb:LeadingKeys': [item.pk], 'dynamodb:Attributes': Object.keys(item) },
    });

    // Assess
    expect(outcome.ignoredContextKeys).toEqual([]);
    expect(outcome.allowed).toBe(true);
    expect(refusalOf('PutCommand', { TableName: 'any', Item: item }, tenantScope('acme'))).toMatch(/writes index keys outside/);
  });

  it('needs the Null guard: the same policy without it would allow a request with no partition key', async () => {
    // Prepare
    const withoutGuard = tenantPolicies.map((policy) => ({
      ...policy,
      Statement: policy.Statement.map((statement) => {
        const { Null: _guard, ...condition } = statement.Condition;
        return { ...statement, Condition: condition };
      }),
    }));

    // Act / Assess
    await expectOutcome(withoutGuard, { action: 'dynamodb:GetItem', resource: tableArn, principalTags: acme }, true);
  });
});

describe('platform data role (simulated)', () => {
  it.each(ITEM_ACTIONS)('allows %s on platform keys', async (action) => {
    await expectOutcome(platformPolicies, { action, resource: tableArn, leadingKeys: ['P#TENANT#acme'] }, true);
  });

  it('allows Query of the tenants collection on the byCollection index', async () => {
    await expectOutcome(platformPolicies, { action: 'dynamodb:Query', resource: indexArn, leadingKeys: ['P#TENANTS'] }, true);
  });

  it.each(ITEM_ACTIONS)('denies %s on tenant keys, whatever the session tags', async (action) => {
    await expectOutcome(platformPolicies, { action, resource: tableArn, leadingKeys: ['T#acme#TENANT'] }, false);
    await expectOutcome(platformPolicies, { action, resource: tableArn, principalTags: acme, leadingKeys: ['T#acme#TENANT'] }, false);
  });

  it('denies keys that mix platform and tenant partitions', async () => {
    await expectOutcome(platformPolicies, { action: 'dynamodb:BatchGetItem', resource: tableArn, leadingKeys: ['P#TENANT#acme', 'T#acme#TENANT'] }, false);
  });

  it.each(['dynamodb:Scan', 'dynamodb:GetItem'])('denies %s without a partition key', async (action) => {
    await expectOutcome(platformPolicies, { action, resource: tableArn }, false);
  });

  it.each(ITEM_ACTIONS)('denies %s on the issuer registry, alone or among other platform keys', async (action) => {
    await expectOutcome(platformPolicies, { action, resource: tableArn, leadingKeys: [ISSUER_KEY] }, false);
    await expectOutcome(platformPolicies, { action, resource: tableArn, leadingKeys: ['P#SLUG#acme', ISSUER_KEY] }, false);
  });

  it('needs the StringNotLike condition: without it the same policy would let it register an issuer', async () => {
    // Prepare
    const withoutExclusion = platformPolicies.map((policy) => ({
      ...policy,
      Statement: policy.Statement.map((statement) => {
        const { 'ForAllValues:StringNotLike': _excluded, ...condition } = statement.Condition;
        return { ...statement, Condition: condition };
      }),
    }));

    // Act / Assess
    await expectOutcome(withoutExclusion, { action: 'dynamodb:PutItem', resource: tableArn, leadingKeys: [ISSUER_KEY] }, true);
  });
});

describe('directory read role (simulated)', () => {
  it.each(READ_ACTIONS)('allows %s on platform keys, the issuer registry included', async (action) => {
    await expectOutcome(directoryPolicies, { action, resource: tableArn, leadingKeys: ['P#TENANT#acme'] }, true);
    await expectOutcome(directoryPolicies, { action, resource: tableArn, leadingKeys: [ISSUER_KEY] }, true);
  });

  it('allows Query of the tenants collection on the byCollection index', async () => {
    await expectOutcome(directoryPolicies, { action: 'dynamodb:Query', resource: indexArn, leadingKeys: ['P#TENANTS'] }, true);
  });

  it.each(WRITE_ACTIONS)('denies %s on every platform key', async (action) => {
    for (const key of ['P#TENANT#acme', 'P#SLUG#acme', ISSUER_KEY]) {
      await expectOutcome(directoryPolicies, { action, resource: tableArn, leadingKeys: [key] }, false);
    }
  });

  it.each(READ_ACTIONS)('denies %s on tenant keys and without a partition key', async (action) => {
    await expectOutcome(directoryPolicies, { action, resource: tableArn, principalTags: acme, leadingKeys: ['T#acme#TENANT'] }, false);
    await expectOutcome(directoryPolicies, { action, resource: tableArn }, false);
  });
});

describe('issuer registry role (simulated)', () => {
  it.each(ITEM_ACTIONS)('allows %s on issuer registrations', async (action) => {
    await expectOutcome(issuersPolicies, { action, resource: tableArn, leadingKeys: [ISSUER_KEY] }, true);
  });

  it.each(ITEM_ACTIONS)('denies %s on any other platform key, on tenant keys and on a mix', async (action) => {
    for (const leadingKeys of [['P#TENANT#acme'], ['P#ISSUERS'], ['T#acme#APIKEY'], [ISSUER_KEY, 'P#SLUG#acme']]) {
      await expectOutcome(issuersPolicies, { action, resource: tableArn, leadingKeys }, false);
    }
  });
});

describe('execution roles (simulated)', () => {
  it.each(REGION_FUNCTION_NAMES)('the %s function role reaches no item by itself', async (name) => {
    // Prepare
    const policies = policiesOf(logicalIdOf(stack.functions[name].role));

    // Act / Assess
    for (const action of ITEM_ACTIONS) {
      for (const leadingKeys of [['T#acme#AGENT#a1'], ['P#TENANT#acme'], undefined]) {
        await expectOutcome(policies, { action, resource: tableArn, principalTags: acme, leadingKeys }, false);
      }
    }
    await expectOutcome(policies, { action: 'dynamodb:Scan', resource: tableArn }, false);
  });

  it("lets the memory-expiry function read the table's stream and no other", async () => {
    // Prepare
    const policies = policiesOf(logicalIdOf(stack.memoryExpiry.consumer.role));
    const streamArn = resolvePolicyIntrinsics<unknown>({ 'Fn::GetAtt': [logicalIdOf(stack.table.table), 'StreamArn'] }, json, env) as string;
    const otherStream = `arn:aws:dynamodb:${region}:${TEST_ACCOUNT_ID}:table/Other/stream/2026-01-01T00:00:00.000`;

    // Act / Assess
    for (const action of ['dynamodb:DescribeStream', 'dynamodb:GetShardIterator', 'dynamodb:GetRecords']) {
      await expectOutcome(policies, { action, resource: streamArn }, true);
      await expectOutcome(policies, { action, resource: otherStream }, false);
    }
  });
});

describe('data role trust (simulated)', () => {
  const trustOf = (roleId: string): PolicyDocument => resolveIntrinsics(json.Resources[roleId].Properties!.AssumeRolePolicyDocument, json, env);
  /** A caller: its role ARN and identity policies. */
  interface Caller {
    readonly roleArn: string;
    readonly policies: PolicyDocument[];
    /** Tags of the caller's role (`aws:PrincipalTag/…`). @default none */
    readonly tags?: Readonly<Record<string, string>>;
  }
  const executionRole = (name: RegionFunctionName): Caller => {
    const roleId = logicalIdOf(stack.functions[name].role);
    return { roleArn: concreteArn(json, roleId, env), policies: policiesOf(roleId) };
  };

  /** sts:AssumeRole (and sts:TagSession when tags are passed) as AWS evaluates it: caller's policies and the trust policy. */
  async function assume(caller: Caller, targetRoleId: string, tags: Record<string, string>): Promise<boolean> {
    const context: Record<string, string | string[]> = { 'aws:PrincipalArn': caller.roleArn };
    for (const [key, value] of Object.entries(caller.tags ?? {})) context[`aws:PrincipalTag/${key}`] = value;
    if (Object.keys(tags).length > 0) context['aws:TagKeys'] = Object.keys(tags);
    for (const [key, value] of Object.entries(tags)) context[`aws:RequestTag/${key}`] = value;
    const actions = Object.keys(tags).length > 0 ? ['sts:AssumeRole', 'sts:TagSession'] : ['sts:AssumeRole'];
    let allowed = true;
    for (const action of actions) {
      const outcome = await simulate(caller.policies, {
        action,
        resource: concreteArn(json, targetRoleId, env),
        principal: `${caller.roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/session`,
        context,
        resourcePolicy: trustOf(targetRoleId),
      });
      expect(outcome.ignoredContextKeys).toEqual([]);
      allowed &&= outcome.allowed;
    }
    return allowed;
  }

  it.each(REGION_FUNCTION_NAMES.filter((name) => dataAccessOf(name).tenant))(
    'lets the %s function assume the tenant data role with exactly a TenantId session tag',
    async (name) => {
      expect(await assume(executionRole(name), tenantRoleId, { [TENANT_SESSION_TAG]: 'acme' })).toBe(true);
      expect(await assume(executionRole(name), tenantRoleId, {})).toBe(false);
      expect(await assume(executionRole(name), tenantRoleId, { [TENANT_SESSION_TAG]: '' })).toBe(false);
      expect(await assume(executionRole(name), tenantRoleId, { [TENANT_SESSION_TAG]: 'acme', Extra: 'x' })).toBe(false);
    },
  );

  it('does not let another role of the account assume a data role, even one allowed sts:AssumeRole on everything', async () => {
    const other: Caller = {
      roleArn: `arn:aws:iam::${TEST_ACCOUNT_ID}:role/SomeOtherRole`,
      policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: '*' }] }],
    };
    expect(await assume(other, tenantRoleId, { [TENANT_SESSION_TAG]: 'acme' })).toBe(false);
    for (const roleId of [directoryRoleId, platformRoleId, issuersRoleId]) expect(await assume(other, roleId, {})).toBe(false);
  });

  it("lets a tenant pool's pre-token trigger (a role of another stack, known by its tags) assume the tenant data role for its own tenant only", async () => {
    const trigger = (tags: Record<string, string>): Caller => ({
      roleArn: `arn:aws:iam::${TEST_ACCOUNT_ID}:role/Tenant-acme-PreTokenGenerationRole`,
      policies: [
        {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: concreteArn(json, tenantRoleId, env) }],
        },
      ],
      tags,
    });
    const acmeTrigger = trigger({ [PLATFORM_FUNCTION_TAG]: new PlatformNames(CONFIG.stage).preTokenFunctionTag, [TENANT_SESSION_TAG]: 'acme' });
    expect(await assume(acmeTrigger, tenantRoleId, { [TENANT_SESSION_TAG]: 'acme' })).toBe(true);
    expect(await assume(acmeTrigger, tenantRoleId, { [TENANT_SESSION_TAG]: 'globex' })).toBe(false);
    expect(await assume(acmeTrigger, tenantRoleId, { [TENANT_SESSION_TAG]: 'acme', Extra: 'x' })).toBe(false);
    expect(await assume(trigger({ [TENANT_SESSION_TAG]: 'acme' }), tenantRoleId, { [TENANT_SESSION_TAG]: 'acme' })).toBe(false);
    expect(
      await assume(trigger({ [PLATFORM_FUNCTION_TAG]: 'another-function', [TENANT_SESSION_TAG]: 'acme' }), tenantRoleId, { [TENANT_SESSION_TAG]: 'acme' }),
    ).toBe(false);
    for (const roleId of [directoryRoleId, platformRoleId, issuersRoleId]) expect(await assume(acmeTrigger, roleId, {})).toBe(false);
  });

  it.each(REGION_FUNCTION_NAMES.filter((name) => !dataAccessOf(name).tenant))('does not let the %s function assume the tenant data role', async (name) => {
    expect(await assume(executionRole(name), tenantRoleId, { [TENANT_SESSION_TAG]: 'acme' })).toBe(false);
  });

  it.each([
    ['directory', directoryRoleId],
    ['platform', platformRoleId],
    ['issuers', issuersRoleId],
  ] as const)('lets exactly the functions that need it assume the %s data role', async (scope, roleId) => {
    for (const name of REGION_FUNCTION_NAMES) {
      expect({ name, allowed: await assume(executionRole(name), roleId, {}) }).toEqual({ name, allowed: dataAccessOf(name)[scope] });
    }
  });

  it('lets only the tenants group, the period close (suspensions), the portability group and the job consumer (migrations) assume the platform data role and only the issuer registrar and the job consumer (a migrated pool) the issuer registry role', async () => {
    const assumers = async (roleId: string) => {
      const allowed: string[] = [];
      for (const name of REGION_FUNCTION_NAMES) if (await assume(executionRole(name), roleId, {})) allowed.push(name);
      return allowed;
    };
    expect(await assumers(platformRoleId)).toEqual(['tenants', 'portability', 'period-close', 'job-consumer']);
    expect(await assumers(issuersRoleId)).toEqual(['issuer-registration', 'job-consumer']);
  });
});

describe("tenants' own model credential secrets (simulated)", () => {
  const prefix = new PlatformNames(CONFIG.stage).prefix;
  const secretArn = (tenantId: string) =>
    `arn:aws:secretsmanager:${region}:${TEST_ACCOUNT_ID}:secret:${secretNameOf(prefix, tenantId, '01JCREDENTIAL0000000000000')}-AbCdEf`;
  const keyArn = concreteArn(json, logicalIdOf(stack.credentials.key), env);
  const secretRequest = async (
    policies: PolicyDocument[],
    action: string,
    resource: string,
    context: Record<string, string | readonly string[]>,
  ): Promise<boolean> => {
    const outcome = await simulate(policies, { action, resource, context });
    expect(outcome.ignoredContextKeys).toEqual([]);
    return outcome.allowed;
  };
  const session = (tenantId: string) => ({ [`aws:PrincipalTag/${TENANT_SESSION_TAG}`]: tenantId });
  const tagged = (tenantId: string) => ({ [`aws:ResourceTag/${SECRET_TENANT_TAG}`]: tenantId });
  const READS = ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage', 'secretsmanager:DeleteSecret'];

  it.each(READS)('allows %s on the own tenant secret, tagged with the own tenant', async (action) => {
    expect(await secretRequest(tenantPolicies, action, secretArn('acme'), { ...session('acme'), ...tagged('acme') })).toBe(true);
  });

  it.each(READS)("denies %s on another tenant's secret, whatever its tag", async (action) => {
    expect(await secretRequest(tenantPolicies, action, secretArn('globex'), { ...session('acme'), ...tagged('globex') })).toBe(false);
    expect(await secretRequest(tenantPolicies, action, secretArn('globex'), { ...session('acme'), ...tagged('acme') })).toBe(false);
    expect(await secretRequest(tenantPolicies, action, secretArn('acme2'), { ...session('acme'), ...tagged('acme2') })).toBe(false);
  });

  it('denies a secret under the own name that carries another tenant tag, and a session without its tag', async () => {
    expect(await secretRequest(tenantPolicies, 'secretsmanager:GetSecretValue', secretArn('acme'), { ...session('acme'), ...tagged('globex') })).toBe(false);
    expect(await secretRequest(tenantPolicies, 'secretsmanager:GetSecretValue', secretArn('acme'), tagged('acme'))).toBe(false);
  });

  it('allows creating a secret only under the own name and tagged with the own tenant alone', async () => {
    const create = (resource: string, requestTag: string, tagKeys: readonly string[]) =>
      secretRequest(tenantPolicies, 'secretsmanager:CreateSecret', resource, {
        ...session('acme'),
        [`aws:RequestTag/${SECRET_TENANT_TAG}`]: requestTag,
        'aws:TagKeys': tagKeys,
      });
    expect(await create(secretArn('acme'), 'acme', [SECRET_TENANT_TAG])).toBe(true);
    expect(await create(secretArn('acme'), 'globex', [SECRET_TENANT_TAG])).toBe(false);
    expect(await create(secretArn('globex'), 'acme', [SECRET_TENANT_TAG])).toBe(false);
    expect(await create(secretArn('acme'), 'acme', [SECRET_TENANT_TAG, 'Owner'])).toBe(false);
  });

  it("lets the credential key be used only through Secrets Manager, for the own tenant's secrets", () => {
    // The simulator does not evaluate encryption-context keys (it reports them ignored and denies), so the statement's
    // intent is read from the synthesized policy: the service route and the secret ARN under the session's own prefix.
    const statement = tenantPolicies.flatMap((policy) => policy.Statement).find((candidate) => candidate.Sid === 'CredentialKeyThroughSecretsManager');
    expect(statement).toMatchObject({
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: keyArn,
      Condition: {
        StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` },
        StringLike: { 'kms:EncryptionContext:SecretARN': secretArn('${aws:PrincipalTag/TenantId}').replace(/01JCREDENTIAL0000000000000-AbCdEf$/, '*') },
      },
    });
  });

  it('gives no platform-scoped data role any access to tenant secrets', async () => {
    for (const policies of [directoryPolicies, platformPolicies, issuersPolicies]) {
      expect(await secretRequest(policies, 'secretsmanager:GetSecretValue', secretArn('acme'), tagged('acme'))).toBe(false);
    }
  });
});
