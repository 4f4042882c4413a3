import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileSystem } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import {
  ONBOARDING_DETAIL_TYPES,
  ONBOARDING_EVENT_SOURCE,
  PROVISIONING_DETAIL_TYPES,
  PROVISIONING_EVENT_SOURCE,
} from '../../functions/tenants/onboarding.events';
import { ISSUER_REGISTRATION_RESOURCE_TYPE } from '../../lib/constructs/issuer-registrar';
import { BUILD_SOURCE_COPY_OPTIONS } from '../../lib/constructs/onboarding-pipeline';
import { CONTROL_PLANE_FUNCTION_NEEDS } from '../../lib/cross-region-access';
import { PlatformNames } from '../../lib/naming';
import { PLATFORM_ADMIN_GROUP } from '../../lib/stacks/control-plane-stack';
import { REPO_ROOT } from '../../lib/source-paths';
import { TEST_ACCOUNT_ID } from '../support/iam-simulation';
import { renderIntrinsics } from './support/intrinsics';
import { buildFixture, CONFIG, logicalIdOf, templateOf } from './support/platform-fixture';
import { ownedStatements } from './support/iam-statements';

const fixture = buildFixture();
const stack = fixture.stacks.controlPlane;
const { template, json } = templateOf(stack);
const names = new PlatformNames(CONFIG.stage);

/** A role's statements, one per resource, with intrinsics resolved. */
function statementsOf(roleId: string): Record<string, any>[] {
  return ownedStatements(json)
    .filter((owned) => owned.roles.includes(roleId))
    .flatMap((owned) => {
      const statement = renderIntrinsics(owned.statement, CONFIG.homeRegion);
      return (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]).map((resource: unknown) => ({ ...statement, Resource: resource }));
    });
}

/** The state machine's definition, parsed (CDK renders it as a Fn::Join of strings and references). */
function stateMachineDefinition(): { StartAt: string; QueryLanguage?: string; States: Record<string, any> } {
  const machine = json.Resources[logicalIdOf(stack.pipeline.stateMachine)];
  return JSON.parse(renderIntrinsics(machine.Properties!.DefinitionString, CONFIG.homeRegion));
}

describe('control plane stack', () => {
  const adminPoolId = logicalIdOf(stack.adminAuth.userPool);

  it('is pinned to the home region', () => {
    // Assess
    expect(stack.region).toBe(CONFIG.homeRegion);
    expect(fixture.app.synth().getStackArtifact(stack.artifactId).environment.region).toBe(CONFIG.homeRegion);
  });

  it('keeps platform admins in their own pool: TOTP MFA required, Plus threat protection enforced, strong passwords, retained', () => {
    // Assess
    template.resourceCountIs('AWS::Cognito::UserPool', 1);
    template.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        UserPoolName: `${names.prefix}-platform-admins`,
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        MfaConfiguration: 'ON',
        EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
        UserPoolTier: 'PLUS',
        UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
        DeletionProtection: 'ACTIVE',
        Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireSymbols: true, RequireNumbers: true, RequireUppercase: true }) },
      }),
    });
    // Platform admins are no tenant's users: no tenantId attribute.
    expect(JSON.stringify(json.Resources[adminPoolId].Properties!.Schema ?? [])).not.toContain('tenantId');
  });

  it('has the platform-admin group, the hosted UI domain and a console client with authorization code + PKCE only', () => {
    // Assess
    template.resourceCountIs('AWS::Cognito::UserPoolGroup', 1);
    template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: PLATFORM_ADMIN_GROUP, UserPoolId: { Ref: adminPoolId } });
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: `${CONFIG.authDomainPrefix}-admin-${CONFIG.stage}` });
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      // The configured URLs, then the home region's console (its URL read from SSM when the stack deploys).
      CallbackURLs: [...CONFIG.console.callbackUrls, { 'Fn::Join': ['', [{ Ref: Match.anyValue() }, '/auth/callback']] }],
      LogoutURLs: [...CONFIG.console.logoutUrls, { 'Fn::Join': ['', [{ Ref: Match.anyValue() }, '/']] }],
      SupportedIdentityProviders: ['COGNITO'],
    });
  });

  it("registers the admin pool's issuer as the platform issuer in every region's registry", () => {
    // Prepare
    const registrations = Object.values(json.Resources).filter((resource) => resource.Type === ISSUER_REGISTRATION_RESOURCE_TYPE);
    const token = { 'Fn::GetAtt': [logicalIdOf(stack.issuerRegistrar.provider.node.findChild('framework-onEvent')), 'Arn'] };

    // Assess
    expect(registrations.map((registration) => registration.Properties!.Region).sort()).toEqual([...CONFIG.regions].sort());
    for (const registration of registrations) {
      expect(registration.Properties).toEqual({
        ServiceToken: token,
        Region: expect.any(String),
        Registration: {
          kind: 'platform',
          issuer: { 'Fn::Join': ['', [`https://cognito-idp.${CONFIG.homeRegion}.`, { Ref: 'AWS::URLSuffix' }, '/', { Ref: adminPoolId }]] },
          clientIds: [{ Ref: logicalIdOf(stack.adminAuth.client) }],
          jwksUri: expect.anything(),
        },
      });
    }
  });

  it('lets its registrar write only the issuer registries of the residency regions it is told of, through their issuer registry roles', () => {
    // Prepare
    const registrar = stack.functions['issuer-registration'];
    const env = json.Resources[logicalIdOf(registrar.function)].Properties!.Environment.Variables;

    // Act
    const assumed = statementsOf(logicalIdOf(registrar.role)).filter((statement) => String(statement.Action).includes('sts:'));

    // Assess
    expect(JSON.parse(renderIntrinsics(env.DATA_REGIONS, CONFIG.homeRegion))).toEqual(
      Object.fromEntries(
        CONFIG.regions.map((region) => [
          region,
          {
            tableName: names.tableName,
            issuersDataRoleArn: `arn:aws:iam::${TEST_ACCOUNT_ID}:role/${names.dataRoleName(region, 'issuers')}`,
          },
        ]),
      ),
    );
    expect(assumed.map((statement) => [statement.Action, statement.Resource]).sort()).toEqual(
      CONFIG.regions.map((region) => ['sts:AssumeRole', `arn:aws:iam::${TEST_ACCOUNT_ID}:role/${names.dataRoleName(region, 'issuers')}`]).sort(),
    );
    expect(renderIntrinsics(env.ISSUERS_DATA_ROLE_ARN, CONFIG.homeRegion)).toBe(
      `arn:aws:iam::${TEST_ACCOUNT_ID}:role/${names.dataRoleName(CONFIG.homeRegion, 'issuers')}`,
    );
    expect([env.TENANT_DATA_ROLE_ARN, env.DIRECTORY_DATA_ROLE_ARN, env.PLATFORM_DATA_ROLE_ARN]).toEqual([undefined, undefined, undefined]);
    expect(json.Resources[logicalIdOf(registrar.role)].Properties!.RoleName).toBe(names.controlPlaneRoleName('issuer-registration'));
  });

  it('starts the provisioning state machine on onboarding requests of its bus, with a dead-letter queue', () => {
    // Assess
    template.hasResourceProperties('AWS::Events::EventBus', { Name: names.onboardingBusName });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: logicalIdOf(stack.bus) },
      EventPattern: {
        source: [ONBOARDING_EVENT_SOURCE],
        'detail-type': [ONBOARDING_DETAIL_TYPES.provisioningRequested, ONBOARDING_DETAIL_TYPES.offboardingRequested],
      },
      Targets: [
        Match.objectLike({
          Arn: { Ref: logicalIdOf(stack.pipeline.stateMachine) },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf(stack.deadLetters), 'Arn'] } },
          RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 8 }),
        }),
      ],
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });

  it('deploys or deletes the tenant stack with CodeBuild and answers succeeded (with the endpoints), failed or offboarded', () => {
    // Act
    const definition = stateMachineDefinition();
    const states = definition.States;

    // Assess
    expect(definition.QueryLanguage).toBe('JSONata');
    expect(states.DeployTenantStack).toMatchObject({
      Resource: 'arn:aws:states:::codebuild:startBuild.sync',
      Next: 'AnswerProvisioned',
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'AnswerFailed' }],
      Arguments: {
        EnvironmentVariablesOverride: expect.arrayContaining([
          { Name: 'ACTION', Type: 'PLAINTEXT', Value: 'deploy' },
          { Name: 'TENANT_MANIFEST', Type: 'PLAINTEXT', Value: '{% $string($states.input.detail.manifest) %}' },
        ]),
      },
    });
    expect(states.DeleteTenantStack).toMatchObject({
      Resource: 'arn:aws:states:::codebuild:startBuild.sync',
      Next: 'AnswerOffboarded',
      Arguments: { EnvironmentVariablesOverride: expect.arrayContaining([{ Name: 'ACTION', Type: 'PLAINTEXT', Value: 'destroy' }]) },
    });
    const answers = Object.fromEntries(['AnswerProvisioned', 'AnswerFailed', 'AnswerOffboarded'].map((name) => [name, states[name].Arguments.Entries[0]]));
    expect(answers).toEqual({
      AnswerProvisioned: {
        EventBusName: `${logicalIdOf(stack.bus)}.Arn`,
        Source: PROVISIONING_EVENT_SOURCE,
        DetailType: PROVISIONING_DETAIL_TYPES.provisioningSucceeded,
        Detail: { tenantId: '{% $tenantId %}', auth: '{% $auth %}' },
      },
      AnswerFailed: expect.objectContaining({
        DetailType: PROVISIONING_DETAIL_TYPES.provisioningFailed,
        Detail: { tenantId: '{% $tenantId %}', reason: expect.stringContaining('$substring') },
      }),
      AnswerOffboarded: expect.objectContaining({ DetailType: PROVISIONING_DETAIL_TYPES.offboardingCompleted, Detail: { tenantId: '{% $tenantId %}' } }),
    });
    // The endpoints come from the variables the build exports, named as the provisioning event's schema names them.
    expect(states.DeployTenantStack.Assign.auth).toMatch(
      /"issuer".*ISSUER.*"userPoolId".*USER_POOL_ID.*"clientId".*USER_POOL_CLIENT_ID.*"hostedUiUrl".*HOSTED_UI_URL/,
    );
  });

  it('runs `cdk deploy` of just the tenant stack from the source asset, exporting the endpoints', () => {
    // Prepare
    const project = json.Resources[logicalIdOf(stack.pipeline.project)].Properties!;
    const buildSpec = JSON.parse(project.Source.BuildSpec);
    const script = buildSpec.phases.build.commands.join('\n');

    // Assess
    expect(project.Environment).toMatchObject({ Image: 'aws/codebuild/standard:8.0', PrivilegedMode: false });
    expect(project.Environment.EnvironmentVariables).toEqual(
      expect.arrayContaining([{ Name: 'PLATFORM_CONFIG', Type: 'PLAINTEXT', Value: JSON.stringify(CONFIG) }]),
    );
    expect(buildSpec.env['exported-variables']).toEqual(['USER_POOL_ID', 'USER_POOL_CLIENT_ID', 'ISSUER', 'HOSTED_UI_URL']);
    expect(script).toContain('npx cdk deploy "Tenant-${TENANT_ID}" --exclusively --require-approval never');
    expect(script).toContain('-c platform="$PLATFORM_CONFIG"');
    expect(script).toContain('aws cloudformation delete-stack');
    expect(project.Source.Type).toBe('S3');
  });

  it('ships only the CDK app, the functions and the manifests as the build source', () => {
    // Prepare: stage with the asset's own copy rules into a directory of this test alone, so that nothing else
    // the suite does to the cloud assembly directory can change what is listed.
    const target = fs.mkdtempSync(path.join(os.tmpdir(), 'build-source-'));

    // Act
    try {
      FileSystem.copyDirectory(REPO_ROOT, target, BUILD_SOURCE_COPY_OPTIONS);
      const entries = fs.readdirSync(target).sort();
      const handlers = fs.readdirSync(path.join(target, 'functions', 'api'));

      // Assess
      expect(entries).toEqual(['bin', 'cdk.json', 'functions', 'lib', 'package-lock.json', 'package.json', 'tenants', 'tsconfig.json']);
      expect(handlers).toContain('authorizer.ts');
      expect(fs.existsSync(path.join(target, 'node_modules'))).toBe(false);
    } finally {
      fs.rmSync(target, { recursive: true, force: true });
    }
  });

  it('lets the build assume only the CDK bootstrap deploy and publishing roles, and delete only tagged tenant pools', () => {
    // Act
    const statements = statementsOf(logicalIdOf(stack.pipeline.project.role!));

    // Assess
    const bootstrap = (kind: string, region: string) =>
      `arn:aws:iam::${TEST_ACCOUNT_ID}:role/cdk-${CONFIG.bootstrapQualifier}-${kind}-role-${TEST_ACCOUNT_ID}-${region}`;
    expect(
      statements
        .filter((s) => s.Action === 'sts:AssumeRole')
        .map((s) => s.Resource)
        .sort(),
    ).toEqual(CONFIG.regions.flatMap((region) => [bootstrap('deploy', region), bootstrap('file-publishing', region)]).sort());
    const pools = statements.filter((s) => JSON.stringify(s.Action).includes('cognito-idp'));
    expect(pools.map((s) => s.Resource).sort()).toEqual(CONFIG.regions.map((region) => `arn:aws:cognito-idp:${region}:${TEST_ACCOUNT_ID}:userpool/*`).sort());
    for (const statement of pools) {
      expect([...statement.Action].sort()).toEqual(['cognito-idp:DeleteUserPool', 'cognito-idp:UpdateUserPool']);
      expect(statement.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/pool-kind': 'tenant', 'aws:ResourceTag/stage': CONFIG.stage } });
    }
    expect(statements.some((s) => /^(\*|iam:|dynamodb:)/.test(String(s.Action)))).toBe(false);
  });

  it('applies the answers with the provisioning-events function, which reaches every region as the lifecycle needs', () => {
    // Prepare
    const fn = stack.functions['provisioning-events'];
    const env = json.Resources[logicalIdOf(fn.function)].Properties!.Environment.Variables;
    const roleId = logicalIdOf(fn.role);

    // Act
    const statements = statementsOf(roleId);

    // Assess
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: logicalIdOf(stack.bus) },
      EventPattern: { source: [PROVISIONING_EVENT_SOURCE] },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalIdOf(fn.function), 'Arn'] }, DeadLetterConfig: Match.anyValue() })],
    });
    expect(json.Resources[roleId].Properties!.RoleName).toBe(names.controlPlaneRoleName('provisioning-events'));
    expect(env).toMatchObject({ CONTROL_PLANE_REGION: CONFIG.homeRegion, DIRECTORY_REGIONS: CONFIG.regions.join(','), TABLE_NAME: names.tableName });
    expect(Object.keys(JSON.parse(renderIntrinsics(env.DATA_REGIONS, CONFIG.homeRegion))).sort()).toEqual([...CONFIG.regions].sort());
    const assumed = statements
      .filter((s) => JSON.stringify(s.Action).includes('sts:'))
      .map((s) => s.Resource)
      .sort();
    expect(assumed).toEqual(
      CONFIG.regions
        .flatMap((region) => [names.dataRoleName(region, 'tenant'), names.dataRoleName(region, 'platform')])
        .map((name) => `arn:aws:iam::${TEST_ACCOUNT_ID}:role/${name}`)
        .sort(),
    );
    expect(env.CURSOR_SECRET_ARN).toBeDefined();
    expect(CONTROL_PLANE_FUNCTION_NEEDS['provisioning-events'].data).toEqual(['tenant', 'platform']);
  });
});
