import { Stack } from 'aws-cdk-lib';
import { PlatformTable } from '../../lib/constructs/platform-table';
import { RecoveryDrill } from '../../lib/constructs/recovery-drill';
import { TableStreamConsumer } from '../../lib/constructs/table-stream-consumer';
import { DATA_SCOPES, type DataScope } from '../../functions/data/data-scopes';
import { DataAccessRole, ITEM_ACTIONS, READ_ACTIONS, TENANT_SESSION_TAG } from '../../lib/constructs/data-access-roles';
import { MIGRATION_POOL_ACTIONS, TENANT_POOL_TAG } from '../../lib/constructs/platform-function';
import { mailSenderOf } from '../../lib/constructs/mail-identity';
import { LIST_CREDENTIAL_SECRETS_SID } from '../../lib/constructs/tenant-credential-store';
import { crossRegionCallers } from '../../lib/cross-region-access';
import { PlatformNames, PLATFORM_FUNCTION_TAG } from '../../lib/naming';
import { dataAccessOf, needsOf, REGION_FUNCTION_NAMES } from '../../lib/stacks/region-stack';
import { concreteArn, resolveIntrinsics, TEST_ACCOUNT_ID, type CfnTemplate } from '../support/iam-simulation';
import { buildFixture, CONFIG, logicalIdOf, templateOf } from './support/platform-fixture';
import { dataActionHolders, dataActionsGranted, isStreamReadOnly, ownedStatements, rolesAssumedBy, STREAM_READ_ACTIONS } from './support/iam-statements';
import { resolvePolicyIntrinsics } from './support/policy-intrinsics';

const fixture = buildFixture();
const functionNames = REGION_FUNCTION_NAMES;
const names = new PlatformNames(CONFIG.stage);

/**
 * AWS-managed policies a role of the platform may carry, and why none of them reaches items: each is attached to a
 * service role of one AWS service and grants no DynamoDB item, stream or PartiQL action.
 */
const ALLOWED_MANAGED_POLICIES: Readonly<Record<string, string>> = {
  'arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs': 'apigateway.amazonaws.com',
  // Snapshots (CreateBackup, DescribeTable, StartAwsBackupJob); restores need ...ForRestores, which is not attached.
  'arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup': 'backup.amazonaws.com',
  // Logs only, on CDK's console upload function (cdk-nag's acknowledgement list pins it to that function).
  'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole': 'lambda.amazonaws.com',
};

/**
 * Statements one per resource, in a stable order: CDK merges statements that differ only in their resources
 * (minimizePolicies), which says nothing about what is granted.
 */
function perResource(statements: readonly Record<string, any>[]): Record<string, unknown>[] {
  const split = statements.flatMap((statement) =>
    (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]).map((resource: unknown) => ({ ...statement, Resource: resource })),
  );
  const key = (statement: Record<string, unknown>) => JSON.stringify([statement.Resource, statement.Action]);
  return split.sort((a, b) => key(a).localeCompare(key(b)));
}

describe('the IAM statement walker', () => {
  it('finds a dynamodb wildcard granted to an execution role through a separate policy', () => {
    // Prepare
    const template: CfnTemplate = {
      Resources: {
        Role: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Statement: [] } } },
        Policy: {
          Type: 'AWS::IAM::Policy',
          Properties: { Roles: [{ Ref: 'Role' }], PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' }] } },
        },
      },
    };

    // Act
    const granted = ownedStatements(template).flatMap((owned) => dataActionsGranted(owned.statement).map(() => owned.roles));

    // Assess
    expect(granted.flat()).toContain('Role');
    expect(dataActionsGranted({ Effect: 'Allow', Action: 'dynamodb:Get*' })).toEqual(['dynamodb:GetItem', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator']);
    expect(dataActionsGranted({ Effect: 'Allow', Action: '*' })).toContain('dynamodb:Scan');
    expect(dataActionsGranted({ Effect: 'Allow', NotAction: 's3:*' })).toContain('dynamodb:Scan');
    expect(dataActionsGranted({ Effect: 'Deny', Action: 'dynamodb:*' })).toEqual([]);
  });

  it('sets apart stream reads on the table stream only, and nothing that also reaches items or other resources', () => {
    // Prepare
    const stream = { 'Fn::GetAtt': ['Table', 'StreamArn'] };
    const statement = (Action: unknown, Resource: unknown) => ({
      roles: ['Role'],
      otherPrincipals: [],
      source: 'Policy',
      statement: { Effect: 'Allow', Action, Resource },
    });

    // Act
    const split = (Action: unknown, Resource: unknown) => {
      const { holders, streamReaders } = dataActionHolders([statement(Action, Resource)], [stream]);
      return { holders: [...holders], streamReaders: [...streamReaders] };
    };

    // Assess
    expect(split([...STREAM_READ_ACTIONS], stream)).toEqual({ holders: [], streamReaders: ['Role'] });
    expect(split(['dynamodb:GetRecords', 'dynamodb:GetItem'], stream)).toEqual({ holders: ['Role'], streamReaders: [] });
    expect(split('dynamodb:Get*', stream)).toEqual({ holders: ['Role'], streamReaders: [] });
    expect(split('dynamodb:GetRecords', '*')).toEqual({ holders: ['Role'], streamReaders: [] });
    expect(split('dynamodb:GetRecords', [stream, { 'Fn::GetAtt': ['Table', 'Arn'] }])).toEqual({ holders: ['Role'], streamReaders: [] });
    expect(isStreamReadOnly({ Effect: 'Allow', NotAction: 's3:*', Resource: stream }, [stream])).toBe(false);
  });
});

describe('every stack of the app', () => {
  const stacks = fixture.app.node.children.filter(Stack.isStack);
  const dataRoles = fixture.app.node.findAll().filter((c): c is DataAccessRole => c instanceof DataAccessRole);
  // The recovery drill's state machine restores into its scratch tables, whose items DynamoDB writes as the caller
  // (recovery-drill.test.ts checks it reaches no other table).
  const drills = fixture.app.node.findAll().filter((c): c is RecoveryDrill => c instanceof RecoveryDrill);

  const streamConsumers = fixture.app.node.findAll().filter((c): c is TableStreamConsumer => c instanceof TableStreamConsumer);
  const tables = fixture.app.node.findAll().filter((c): c is PlatformTable => c instanceof PlatformTable);

  it.each(stacks.map((stack) => [stack.node.id, stack] as const))(
    '%s lets no role but its data roles perform a DynamoDB data action, its stream consumers read only the stream',
    (_id, stack) => {
      // Prepare
      const { json } = templateOf(stack);
      const allowed = [
        ...dataRoles.filter((role) => Stack.of(role) === stack).map((role) => logicalIdOf(role.role)),
        ...drills.filter((drill) => Stack.of(drill) === stack).map((drill) => logicalIdOf(drill.stateMachine.role)),
      ];
      const consumers = streamConsumers.filter((consumer) => Stack.of(consumer) === stack).map((consumer) => logicalIdOf(consumer.consumer.role));
      const streamArns = tables.filter((table) => Stack.of(table) === stack).map((table) => ({ 'Fn::GetAtt': [logicalIdOf(table.table), 'StreamArn'] }));

      // Act
      const statements = ownedStatements(json);
      const { holders, streamReaders } = dataActionHolders(statements, streamArns);

      // Assess
      expect(allowed).toEqual(expect.arrayContaining([...holders]));
      expect(consumers).toEqual(expect.arrayContaining([...streamReaders]));
      expect(statements.filter((owned) => owned.otherPrincipals.length > 0)).toEqual([]);
    },
  );
});

describe.each(CONFIG.regions)('data access in region %s', (region) => {
  const stack = fixture.stacks.regions.get(region)!;
  const { json } = templateOf(stack);
  const tableId = logicalIdOf(stack.table.table);
  const roleIds = Object.fromEntries(DATA_SCOPES.map((scope) => [scope, logicalIdOf(stack.dataAccess.byScope[scope].role)])) as Record<DataScope, string>;
  const statements = ownedStatements(json);
  const executionRoleIds = new Map(functionNames.map((name) => [name, logicalIdOf(stack.functions[name].role)]));

  const streamArn = { 'Fn::GetAtt': [tableId, 'StreamArn'] };

  it('lets exactly the four data roles (and on scratch tables the drill) perform DynamoDB data actions, and the memory-expiry and audit-sealer functions read the stream', () => {
    // Act
    const { holders, streamReaders } = dataActionHolders(statements, [streamArn]);

    // Assess: the recovery drill's roles reach only its scratch tables (recovery-drill.test.ts)
    const drillRoles = [logicalIdOf(stack.recoveryDrill.scratchRole.role), logicalIdOf(stack.recoveryDrill.stateMachine.role)];
    expect([...holders].sort()).toEqual([...Object.values(roleIds), ...drillRoles].sort());
    expect([...streamReaders].sort()).toEqual([logicalIdOf(stack.memoryExpiry.consumer.role), logicalIdOf(stack.auditSealing.consumer.role)].sort());
    expect(statements.filter((owned) => owned.otherPrincipals.length > 0)).toEqual([]);
  });

  it('gives the data roles item actions only, on the table and its named indexes, under LeadingKeys conditions', () => {
    // Prepare
    const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };
    const expected: Record<DataScope, { actions: readonly string[]; pattern: string; also?: string; excluded?: string; principalTagGuard?: true }> = {
      // The tenant sessions of the period close also take the region's invoice number (P#INVOICE-NUMBERS#<region>).
      tenant: { actions: ITEM_ACTIONS, pattern: `T#\${aws:PrincipalTag/${TENANT_SESSION_TAG}}#*`, also: 'P#INVOICE-NUMBERS#*', principalTagGuard: true },
      directory: { actions: READ_ACTIONS, pattern: 'P#*' },
      platform: { actions: ITEM_ACTIONS, pattern: 'P#*', excluded: 'P#ISSUER#*' },
      issuers: { actions: ITEM_ACTIONS, pattern: 'P#ISSUER#*' },
    };

    for (const [scope, { actions, pattern, also, excluded, principalTagGuard }] of Object.entries(expected)) {
      // Act
      const roleId = roleIds[scope as DataScope];
      // Its table statements (the tenant role also reads its own credential secrets: test/infra/tenant-credential-store.test.ts).
      const own = statements.filter((owned) => owned.roles.includes(roleId) && dataActionsGranted(owned.statement).length > 0);

      // Assess
      expect(own).toHaveLength(1);
      const statement = own[0].statement;
      expect({ scope, actions: [...statement.Action].sort() }).toEqual({ scope, actions: [...actions].sort() });
      expect(statement.Action.join()).not.toMatch(/\*|Scan/);
      expect(statement.Resource).toEqual([tableArn, { 'Fn::Join': ['', [tableArn, '/index/byCollection']] }]);
      expect(statement.Condition).toEqual({
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': also ? [pattern, also] : [pattern] },
        ...(excluded ? { 'ForAllValues:StringNotLike': { 'dynamodb:LeadingKeys': [excluded] } } : {}),
        Null: { 'dynamodb:LeadingKeys': 'false', ...(principalTagGuard ? { [`aws:PrincipalTag/${TENANT_SESSION_TAG}`]: 'false' } : {}) },
      });
      expect(json.Resources[roleId].Properties!.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('gives the directory role no action that writes', () => {
    // Act
    const actions: string[] = statements.filter((owned) => owned.roles.includes(roleIds.directory)).flatMap((owned) => dataActionsGranted(owned.statement));

    // Assess
    expect(actions.sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query']);
    expect(actions.filter((action) => /Put|Update|Delete|Write|ConditionCheck|PartiQL(Insert|Update|Delete)/.test(action))).toEqual([]);
  });

  it('lets only the functions named here assume each data role of the region', () => {
    // Prepare: the intent, spelt out rather than derived from the needs tables
    const expected: Record<DataScope, readonly string[]> = {
      tenant: [
        'agents',
        'api-keys',
        'audit',
        'audit-sealer',
        'authorizer',
        'governance',
        'job-consumer',
        'memories',
        'memory-expiry',
        'period-close',
        'portability',
        'recovery-drill',
        'retention-sweep',
        'run-consumer',
        'tenants',
        'throttle-recorder',
        'usage',
        'users',
        'workflows',
      ],
      directory: [
        'agents',
        'api-keys',
        'audit',
        'authorizer',
        'discovery',
        'governance',
        'memories',
        'portability',
        'recovery-drill',
        'retention-sweep',
        'run-consumer',
        'usage',
        'users',
        'workflows',
      ],
      // The job consumer cuts migrated tenants over in every directory copy and keeps the migration records; the
      // portability API records the migrations it starts.
      platform: ['job-consumer', 'period-close', 'portability', 'tenants'],
      // The registrar for the tenant stacks; the job consumer registers a migrated tenant's pool in its new region.
      issuers: ['issuer-registration', 'job-consumer'],
    };

    for (const scope of DATA_SCOPES) {
      // Act
      const assumers = functionNames.filter((name) =>
        statements.some(
          (owned) =>
            owned.roles.includes(executionRoleIds.get(name)!) &&
            [owned.statement.Action].flat().includes('sts:AssumeRole') &&
            JSON.stringify(owned.statement.Resource).includes(roleIds[scope]),
        ),
      );

      // Assess
      expect({ scope, assumers: [...assumers].sort() }).toEqual({ scope, assumers: [...expected[scope]].sort() });
    }
  });

  it('lets each execution role write its logs and traces, assume only the data roles its function needs and reach only what its needs name', () => {
    for (const name of functionNames) {
      // Prepare
      const roleId = executionRoleIds.get(name)!;
      const access = dataAccessOf(name);
      const needs = needsOf(name);
      const own = statements.filter((owned) => owned.roles.includes(roleId)).map((owned) => owned.statement);
      const logGroupArn = { 'Fn::GetAtt': [logicalIdOf(stack.functions[name].logGroup), 'Arn'] };
      const otherRegions = CONFIG.regions.filter((other) => other !== region);
      const remoteRole = (other: string, scope: DataScope) => `arn:aws:iam::${TEST_ACCOUNT_ID}:role/${names.dataRoleName(other, scope)}`;
      const scopes = DATA_SCOPES.filter((scope) => access[scope]);
      const assumeActions = (scope: DataScope) => (scope === 'tenant' ? ['sts:AssumeRole', 'sts:TagSession'] : 'sts:AssumeRole');

      const streamConsumer = [stack.memoryExpiry, stack.auditSealing].find((consumer) => consumer.consumer === stack.functions[name]);
      // The run worker reads the runs queue; it and the workflows API send to it.
      const runsQueueArn = resolvePolicyIntrinsics({ 'Fn::GetAtt': [logicalIdOf(stack.runs.queue), 'Arn'] }, json, { region });
      const runsQueue = name === 'run-consumer' ? 'consume' : name === 'workflows' ? 'send' : undefined;
      // The job worker reads the jobs queue, the portability API sends to it; both reach the bundles and their key.
      const jobsQueueArn = resolvePolicyIntrinsics({ 'Fn::GetAtt': [logicalIdOf(stack.jobs.queue), 'Arn'] }, json, { region });
      const jobsQueue = name === 'job-consumer' ? 'consume' : name === 'portability' ? 'send' : undefined;
      const bundles = 'portability' in needs && needs.portability;
      const backupStatus = 'backupStatus' in needs && needs.backupStatus;
      const drill = name === 'recovery-drill';
      const bucketArn = resolvePolicyIntrinsics({ 'Fn::GetAtt': [logicalIdOf(stack.exports.bucket), 'Arn'] }, json, { region });

      // Act
      const resolved = own.map((statement) => resolvePolicyIntrinsics(statement, json, { region }));

      // Assess
      expect(json.Resources[roleId].Properties!.ManagedPolicyArns).toBeUndefined();
      expect(rolesAssumedBy(json, 'lambda.amazonaws.com')).toContain(roleId);
      const expected = [
        { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: resolveIntrinsics(logGroupArn, json, { region }) },
        { Effect: 'Allow', Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: '*' },
        ...scopes.map((scope) => ({ Effect: 'Allow', Action: assumeActions(scope), Resource: concreteArn(json, roleIds[scope], { region }) })),
        ...(needs.allRegions
          ? otherRegions.flatMap((other) => scopes.map((scope) => ({ Effect: 'Allow', Action: assumeActions(scope), Resource: remoteRole(other, scope) })))
          : []),
        ...(drill
          ? [{ Effect: 'Allow', Action: assumeActions('tenant'), Resource: concreteArn(json, logicalIdOf(stack.recoveryDrill.scratchRole.role), { region }) }]
          : []),
        ...(backupStatus
          ? [
              {
                Sid: 'TableBackupStatus',
                Effect: 'Allow',
                Action: 'dynamodb:DescribeContinuousBackups',
                Resource: resolvePolicyIntrinsics({ 'Fn::GetAtt': [tableId, 'Arn'] }, json, { region }),
              },
            ]
          : []),
        ...(needs.cursors
          ? [
              {
                Effect: 'Allow',
                Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
                Resource: resolveIntrinsics({ Ref: logicalIdOf(stack.cursorSecret) }, json, { region }),
              },
            ]
          : []),
        ...(bundles
          ? [
              {
                Effect: 'Allow',
                Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
                Resource: resolveIntrinsics({ Ref: logicalIdOf(stack.bundleSecret) }, json, { region }),
              },
              {
                Sid: 'TenantBundles',
                Effect: 'Allow',
                Action: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
                Resource: `${bucketArn}/tenants/*`,
              },
            ]
          : []),
        // Migrations put their bundle in the target region's export bucket: migration bundles of the other regions only.
        ...('migrations' in needs && needs.migrations
          ? otherRegions.map((other) => ({
              Sid: 'MigrationBundles',
              Effect: 'Allow',
              Action: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
              Resource: `arn:aws:s3:::${names.exportBucketName(other, TEST_ACCOUNT_ID)}/tenants/*/exports/migration-*`,
            }))
          : []),
        // …and make the tenant's key in the target's usage plans: keys and their usage-plan membership of the other regions only.
        ...('migrations' in needs && needs.migrations
          ? otherRegions.flatMap((other) => [
              ...['/apikeys', '/usageplans'].map((path) => ({
                Sid: 'MigrationFindUsagePlansAndKeys',
                Effect: 'Allow',
                Action: 'apigateway:GET',
                Resource: `arn:aws:apigateway:${other}::${path}`,
              })),
              ...['/apikeys', '/usageplans/*/keys'].map((path) => ({
                Sid: 'MigrationMakeUsageKeys',
                Effect: 'Allow',
                Action: 'apigateway:POST',
                Resource: `arn:aws:apigateway:${other}::${path}`,
              })),
              {
                Sid: 'MigrationMoveUsagePlanKeys',
                Effect: 'Allow',
                Action: 'apigateway:DELETE',
                Resource: `arn:aws:apigateway:${other}::/usageplans/*/keys/*`,
              },
            ])
          : []),
        ...(jobsQueue
          ? [
              {
                Effect: 'Allow',
                Action:
                  jobsQueue === 'consume'
                    ? ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage']
                    : ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
                Resource: jobsQueueArn,
              },
            ]
          : []),
        ...(needs.onboardingEvents
          ? [
              {
                Effect: 'Allow',
                Action: 'events:PutEvents',
                Resource: `arn:aws:events:${CONFIG.homeRegion}:${TEST_ACCOUNT_ID}:event-bus/${names.onboardingBusName}`,
              },
            ]
          : []),
        // …and move the tenant's users between its pools of the residency regions (its own included: the source).
        ...('migrations' in needs && needs.migrations
          ? [
              { Sid: 'MigrationFindTenantPools', Effect: 'Allow', Action: 'cognito-idp:ListUserPools', Resource: '*' },
              ...CONFIG.regions.map((pooled) => ({
                Sid: 'MigrationMoveTenantPoolUsers',
                Effect: 'Allow',
                Action: [...MIGRATION_POOL_ACTIONS].sort(),
                Resource: `arn:aws:cognito-idp:${pooled}:${TEST_ACCOUNT_ID}:userpool/*`,
                Condition: { StringEquals: { [`aws:ResourceTag/${TENANT_POOL_TAG.key}`]: TENANT_POOL_TAG.value } },
              })),
            ]
          : []),
        ...(needs.tenantPools
          ? [
              {
                Sid: 'TenantPoolUsers',
                Effect: 'Allow',
                Action: expect.arrayContaining(['cognito-idp:AdminCreateUser', 'cognito-idp:AdminDisableUser']),
                Resource: `arn:aws:cognito-idp:${region}:${TEST_ACCOUNT_ID}:userpool/*`,
                Condition: { StringEquals: { [`aws:ResourceTag/${TENANT_POOL_TAG.key}`]: TENANT_POOL_TAG.value } },
              },
            ]
          : []),
        ...(needs.mail
          ? [
              {
                Sid: 'SendMail',
                Effect: 'Allow',
                Action: 'ses:SendEmail',
                Resource: `arn:aws:ses:${region}:${TEST_ACCOUNT_ID}:identity/${mailSenderOf(CONFIG).identityName}`,
              },
            ]
          : []),
        ...('usageKeys' in needs && needs.usageKeys
          ? [
              { Sid: 'FindUsagePlansAndKeys', Effect: 'Allow', Action: 'apigateway:GET', Resource: `arn:aws:apigateway:${region}::/apikeys` },
              { Sid: 'FindUsagePlansAndKeys', Effect: 'Allow', Action: 'apigateway:GET', Resource: `arn:aws:apigateway:${region}::/usageplans` },
              ...['/usageplans/*/keys', '/usageplans/*/keys/*'].map((path) => ({
                Sid: 'MoveUsagePlanKeys',
                Effect: 'Allow',
                Action: ['apigateway:DELETE', 'apigateway:POST'],
                Resource: `arn:aws:apigateway:${region}::${path}`,
              })),
            ]
          : []),
        ...('usageKeyRelease' in needs && needs.usageKeyRelease
          ? [
              { Sid: 'FindUsageKeys', Effect: 'Allow', Action: 'apigateway:GET', Resource: `arn:aws:apigateway:${region}::/apikeys` },
              { Sid: 'ReleaseMigrationUsageKeys', Effect: 'Allow', Action: 'apigateway:DELETE', Resource: `arn:aws:apigateway:${region}::/apikeys/*` },
            ]
          : []),
        // A migration purges the source's credential secrets: it lists their names (deletes through tenant sessions).
        ...('migrations' in needs && needs.migrations
          ? [{ Sid: LIST_CREDENTIAL_SECRETS_SID, Effect: 'Allow', Action: 'secretsmanager:ListSecrets', Resource: '*' }]
          : []),
        ...(needs.modelInvocation
          ? [`arn:aws:bedrock:${region}::foundation-model/*`, `arn:aws:bedrock:${region}:${TEST_ACCOUNT_ID}:inference-profile/*`].map((Resource) => ({
              Sid: 'InvokeModels',
              Effect: 'Allow',
              Action: 'bedrock:InvokeModel',
              Resource,
            }))
          : []),
        ...(streamConsumer
          ? [
              { Effect: 'Allow', Action: [...STREAM_READ_ACTIONS], Resource: resolvePolicyIntrinsics(streamArn, json, { region }) },
              {
                Effect: 'Allow',
                Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
                Resource: resolvePolicyIntrinsics({ 'Fn::GetAtt': [logicalIdOf(streamConsumer.failureQueue), 'Arn'] }, json, { region }),
              },
            ]
          : []),
        ...(runsQueue
          ? [
              {
                Effect: 'Allow',
                Action: [
                  ...(runsQueue === 'consume' ? ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage'] : []),
                  'sqs:GetQueueAttributes',
                  'sqs:GetQueueUrl',
                  ...(runsQueue === 'consume' ? ['sqs:ReceiveMessage'] : []),
                  'sqs:SendMessage',
                ],
                Resource: runsQueueArn,
              },
            ]
          : []),
      ];
      expect({ name, statements: perResource(resolved) }).toEqual({ name, statements: perResource(expected) });
    }
  });

  it('lets only the granted execution roles and the cross-region callers assume a data role, the tenant role only with a TenantId tag', () => {
    // Prepare
    const trusted = (scope: DataScope) => [
      ...functionNames.filter((name) => dataAccessOf(name)[scope]).map((name) => concreteArn(json, executionRoleIds.get(name)!, { region })),
      ...crossRegionCallers(CONFIG)
        .filter((caller) => caller.scopes.includes(scope) && !(caller.home.kind === 'region' && caller.home.region === region))
        .map((caller) => `arn:aws:iam::${TEST_ACCOUNT_ID}:role/${caller.roleName}`),
    ];
    const accountRoot = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] };
    const trustOf = (roleId: string) =>
      resolveIntrinsics(json.Resources[roleId].Properties!.AssumeRolePolicyDocument.Statement, json, { region }).map((statement: Record<string, any>) => ({
        ...statement,
        ...(statement.Condition.ArnEquals
          ? { Condition: { ...statement.Condition, ArnEquals: { 'aws:PrincipalArn': [...statement.Condition.ArnEquals['aws:PrincipalArn']].sort() } } }
          : {}),
      }));

    // Assess
    expect(trustOf(roleIds.tenant)).toEqual([
      {
        Effect: 'Allow',
        Principal: { AWS: expect.anything() },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: {
          ArnEquals: { 'aws:PrincipalArn': trusted('tenant').sort() },
          StringLike: { [`aws:RequestTag/${TENANT_SESSION_TAG}`]: '?*' },
          'ForAllValues:StringEquals': { 'aws:TagKeys': [TENANT_SESSION_TAG] },
        },
      },
      {
        // The tenant pools' pre-token triggers, deployed later: each for the tenant of its own role tag only.
        Sid: 'TaggedTenantCallers',
        Effect: 'Allow',
        Principal: { AWS: expect.anything() },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: {
          StringEquals: {
            [`aws:PrincipalTag/${PLATFORM_FUNCTION_TAG}`]: new PlatformNames(CONFIG.stage).preTokenFunctionTag,
            [`aws:RequestTag/${TENANT_SESSION_TAG}`]: `\${aws:PrincipalTag/${TENANT_SESSION_TAG}}`,
          },
          'ForAllValues:StringEquals': { 'aws:TagKeys': [TENANT_SESSION_TAG] },
        },
      },
    ]);
    for (const scope of ['directory', 'platform', 'issuers'] as const) {
      expect({ scope, trust: trustOf(roleIds[scope]) }).toEqual({
        scope,
        trust: [
          {
            Effect: 'Allow',
            Principal: { AWS: expect.anything() },
            Action: 'sts:AssumeRole',
            Condition: { ArnEquals: { 'aws:PrincipalArn': trusted(scope).sort() } },
          },
        ],
      });
    }
    for (const roleId of Object.values(roleIds)) {
      const principal = json.Resources[roleId].Properties!.AssumeRolePolicyDocument.Statement[0].Principal.AWS;
      // The account is the principal; the ArnEquals condition narrows it to the execution roles.
      expect(resolveIntrinsics(principal, json, { region })).toBe(resolveIntrinsics(accountRoot, json, { region }));
    }
  });

  it('names its table, data roles and cross-region functions as the other stacks expect them', () => {
    // Assess
    for (const scope of DATA_SCOPES) expect(json.Resources[roleIds[scope]].Properties!.RoleName).toBe(names.dataRoleName(region, scope));
    expect(json.Resources[tableId].Properties!.TableName).toBe(names.tableName);
    for (const name of functionNames) {
      const roleName = json.Resources[executionRoleIds.get(name)!].Properties!.RoleName;
      expect({ name, roleName }).toEqual({ name, roleName: needsOf(name).allRegions ? names.functionRoleName(region, name) : undefined });
    }
  });

  it('attaches no AWS-managed policy except to the service roles of API Gateway logging and AWS Backup', () => {
    for (const [roleId, role] of Object.entries(json.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Role')) {
      for (const arn of role.Properties!.ManagedPolicyArns ?? []) {
        // Prepare
        const resolved = resolveIntrinsics(arn, json, { region }) as string;

        // Assess
        expect(Object.keys(ALLOWED_MANAGED_POLICIES)).toContain(resolved);
        expect(rolesAssumedBy(json, ALLOWED_MANAGED_POLICIES[resolved])).toContain(roleId);
      }
    }
  });
});
