import { Stack } from 'aws-cdk-lib';
import { DataAccessRole, ITEM_ACTIONS, TENANT_SESSION_TAG } from '../../lib/constructs/data-access-roles';
import { dataAccessOf, REGION_FUNCTION_NAMES } from '../../lib/stacks/region-stack';
import { resolveIntrinsics, type CfnTemplate } from '../support/iam-simulation';
import { buildFixture, CONFIG, logicalIdOf, templateOf } from './support/platform-fixture';
import { dataActionsGranted, ownedStatements, rolesAssumedBy } from './support/iam-statements';

const fixture = buildFixture();
const functionNames = REGION_FUNCTION_NAMES;

/**
 * AWS-managed policies a role of the platform may carry, and why none of them reaches items: each is attached to a
 * service role of one AWS service and grants no DynamoDB item, stream or PartiQL action.
 */
const ALLOWED_MANAGED_POLICIES: Readonly<Record<string, string>> = {
  'arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs': 'apigateway.amazonaws.com',
  // Snapshots (CreateBackup, DescribeTable, StartAwsBackupJob); restores need ...ForRestores, which is not attached.
  'arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup': 'backup.amazonaws.com',
};

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
});

describe('every stack of the app', () => {
  const stacks = fixture.app.node.children.filter(Stack.isStack);
  const dataRoles = fixture.app.node.findAll().filter((c): c is DataAccessRole => c instanceof DataAccessRole);

  it.each(stacks.map((stack) => [stack.node.id, stack] as const))(
    '%s lets no role but its tenant and platform data roles perform a DynamoDB data action',
    (_id, stack) => {
      // Prepare
      const { json } = templateOf(stack);
      const allowed = dataRoles.filter((role) => Stack.of(role) === stack).map((role) => logicalIdOf(role.role));

      // Act
      const statements = ownedStatements(json);
      const holders = new Set(statements.filter((owned) => dataActionsGranted(owned.statement).length > 0).flatMap((owned) => owned.roles));

      // Assess
      expect(allowed).toEqual(expect.arrayContaining([...holders]));
      expect(statements.filter((owned) => owned.otherPrincipals.length > 0)).toEqual([]);
    },
  );
});

describe.each(CONFIG.regions)('data access in region %s', (region) => {
  const stack = fixture.stacks.regions.get(region)!;
  const { json } = templateOf(stack);
  const tableId = logicalIdOf(stack.table.table);
  const tenantRoleId = logicalIdOf(stack.dataAccess.tenantData.role);
  const platformRoleId = logicalIdOf(stack.dataAccess.platformData.role);
  const statements = ownedStatements(json);
  const executionRoleIds = new Map(functionNames.map((name) => [name, logicalIdOf(stack.functions[name].role)]));

  it('lets exactly the tenant and platform data roles perform DynamoDB data actions', () => {
    // Act
    const holders = new Set(statements.filter((owned) => dataActionsGranted(owned.statement).length > 0).flatMap((owned) => owned.roles));

    // Assess
    expect([...holders].sort()).toEqual([tenantRoleId, platformRoleId].sort());
    expect(statements.filter((owned) => owned.otherPrincipals.length > 0)).toEqual([]);
  });

  it('gives the data roles item actions only, on the table and its named indexes, under a LeadingKeys condition', () => {
    // Prepare
    const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };
    const expected = {
      [tenantRoleId]: { pattern: `T#\${aws:PrincipalTag/${TENANT_SESSION_TAG}}#*`, principalTagGuard: true },
      [platformRoleId]: { pattern: 'P#*', principalTagGuard: false },
    };

    for (const [roleId, { pattern, principalTagGuard }] of Object.entries(expected)) {
      // Act
      const own = statements.filter((owned) => owned.roles.includes(roleId));

      // Assess
      expect(own).toHaveLength(1);
      const statement = own[0].statement;
      expect([...statement.Action].sort()).toEqual([...ITEM_ACTIONS].sort());
      expect(statement.Action.join()).not.toMatch(/\*|Scan/);
      expect(statement.Resource).toEqual([tableArn, { 'Fn::Join': ['', [tableArn, '/index/byCollection']] }]);
      expect(statement.Condition).toEqual({
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [pattern] },
        Null: { 'dynamodb:LeadingKeys': 'false', ...(principalTagGuard ? { [`aws:PrincipalTag/${TENANT_SESSION_TAG}`]: 'false' } : {}) },
      });
      expect(json.Resources[roleId].Properties!.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('lets each execution role write its logs and traces and assume only the data roles its function needs', () => {
    for (const name of functionNames) {
      // Prepare
      const roleId = executionRoleIds.get(name)!;
      const access = dataAccessOf(name);
      const own = statements.filter((owned) => owned.roles.includes(roleId)).map((owned) => owned.statement);
      const logGroupArn = { 'Fn::GetAtt': [logicalIdOf(stack.functions[name].logGroup), 'Arn'] };

      // Assess
      expect(json.Resources[roleId].Properties!.ManagedPolicyArns).toBeUndefined();
      expect(rolesAssumedBy(json, 'lambda.amazonaws.com')).toContain(roleId);
      const expected = [
        { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: logGroupArn },
        { Effect: 'Allow', Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: '*' },
        ...(access.tenant
          ? [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: { 'Fn::GetAtt': [tenantRoleId, 'Arn'] } }]
          : []),
        ...(access.platform ? [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: { 'Fn::GetAtt': [platformRoleId, 'Arn'] } }] : []),
      ];
      expect(own).toEqual(expected);
    }
  });

  it('lets only the granted execution roles assume a data role, and the tenant role only with a TenantId tag', () => {
    // Prepare
    const trusted = (flag: 'tenant' | 'platform') =>
      functionNames.filter((name) => dataAccessOf(name)[flag]).map((name) => ({ 'Fn::GetAtt': [executionRoleIds.get(name)!, 'Arn'] }));
    const accountRoot = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] };

    // Assess
    expect(json.Resources[tenantRoleId].Properties!.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { AWS: expect.anything() },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: {
          ArnEquals: { 'aws:PrincipalArn': trusted('tenant') },
          StringLike: { [`aws:RequestTag/${TENANT_SESSION_TAG}`]: '?*' },
          'ForAllValues:StringEquals': { 'aws:TagKeys': [TENANT_SESSION_TAG] },
        },
      },
    ]);
    expect(json.Resources[platformRoleId].Properties!.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { AWS: expect.anything() },
        Action: 'sts:AssumeRole',
        Condition: { ArnEquals: { 'aws:PrincipalArn': trusted('platform') } },
      },
    ]);
    for (const roleId of [tenantRoleId, platformRoleId]) {
      const principal = json.Resources[roleId].Properties!.AssumeRolePolicyDocument.Statement[0].Principal.AWS;
      // The account is the principal; the ArnEquals condition narrows it to the execution roles.
      expect(resolveIntrinsics(principal, json, { region })).toBe(resolveIntrinsics(accountRoot, json, { region }));
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
