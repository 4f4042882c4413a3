import { USAGE_KEY_RELEASE_RESOURCE_TYPE } from '../../functions/billing/usage-key-release.resource';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Capture, Match } from 'aws-cdk-lib/assertions';
import { TENANT_ROLES } from '../../functions/core/roles';
import { usageIdentifierKey } from '../../functions/identity/usage-identifier';
import { ManifestError, parseManifest } from '../../functions/tenants/tenant-manifest.loader';
import type { TenantManifestInput } from '../../functions/tenants/tenant-manifest.schema';
import { ISSUER_REGISTRATION_RESOURCE_TYPE } from '../../lib/constructs/issuer-registrar';
import { TENANT_POOL_TAG } from '../../lib/constructs/platform-function';
import { PLATFORM_FUNCTION_TAG, PlatformNames } from '../../lib/naming';
import { addTenantStacks, loadTenantManifests } from '../../lib/platform-app';
import { TENANT_STACK_OUTPUTS, type TenantStack } from '../../lib/stacks/tenant-stack';
import { TEST_ACCOUNT_ID } from '../support/iam-simulation';
import { renderIntrinsics } from './support/intrinsics';
import { CDK_CONTEXT, CONFIG, logicalIdOf, STUB_CODE, templateOf } from './support/platform-fixture';

const names = new PlatformNames(CONFIG.stage);
const SAML_METADATA = '<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.initech.example"/>';

/** A manifest with every kind of SSO, written to a folder of its own with its SAML metadata file. */
const INITECH: TenantManifestInput = {
  id: 'initech',
  slug: 'initech',
  name: 'Initech',
  plan: 'team',
  homeRegion: 'us-east-1',
  emailDomains: ['initech.example'],
  admins: ['admin@initech.example'],
  mfa: 'REQUIRED',
  sso: {
    saml: [
      {
        name: 'Okta',
        metadataUrl: 'https://initech.okta.example/app/metadata',
        identifiers: ['initech.example'],
        attributeMapping: { email: 'mail', name: 'displayName' },
      },
      { name: 'Adfs', metadataFile: 'initech.saml.xml' },
    ],
    oidc: [
      {
        name: 'Entra',
        issuer: 'https://login.entra.example/initech/v2.0',
        clientId: 'initech-console',
        clientSecretRef: 'tenants/initech/entra-client-secret',
        scopes: ['openid', 'email'],
        identifiers: ['corp.initech.example'],
      },
    ],
  },
  console: { callbackUrls: ['https://console.initech.example/auth/callback'], logoutUrls: ['https://console.initech.example/'] },
};

/** The template's parameters (SSM parameters read at deployment appear as parameters). */
function parametersOf(template: object): Record<string, unknown> {
  return (template as { Parameters?: Record<string, unknown> }).Parameters ?? {};
}

function writeManifests(documents: readonly TenantManifestInput[], files: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenants-'));
  for (const document of documents) fs.writeFileSync(path.join(dir, `${document.slug}.json`), JSON.stringify(document));
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

function tenantApp(documents: readonly TenantManifestInput[], files: Record<string, string> = {}) {
  const dir = writeManifests(documents, files);
  const app = new App({ context: CDK_CONTEXT });
  return addTenantStacks(app, CONFIG, { ...loadTenantManifests(dir), label: 'tenants' }, STUB_CODE);
}

describe('tenant stack', () => {
  const stacks = tenantApp([INITECH], { 'initech.saml.xml': SAML_METADATA });
  const stack = stacks.get('initech')!;
  const { template, json } = templateOf(stack);
  const poolId = logicalIdOf(stack.auth.userPool);

  it("is pinned to the tenant's home region and named after its id", () => {
    // Assess
    expect(stack.region).toBe('us-east-1');
    expect(stack.stackName).toBe(names.tenantStackName('initech'));
    expect(stack.node.id).toBe(names.tenantStackId('initech'));
  });

  it('has one user pool: invited users only, strong passwords, MFA per manifest (TOTP), tenantId attribute, retained', () => {
    // Assess
    template.resourceCountIs('AWS::Cognito::UserPool', 1);
    template.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        UserPoolName: `${names.prefix}-tenant-initech`,
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        UsernameAttributes: ['email'],
        DeletionProtection: 'ACTIVE',
        MfaConfiguration: 'ON',
        EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
        UserPoolTier: 'ESSENTIALS',
        Policies: {
          PasswordPolicy: {
            MinimumLength: 12,
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
            TemporaryPasswordValidityDays: 3,
            PasswordHistorySize: 5,
          },
        },
        Schema: Match.arrayWith([Match.objectLike({ Name: 'tenantId', AttributeDataType: 'String', Mutable: false })]),
        UserPoolTags: Match.objectLike({ [TENANT_POOL_TAG.key]: TENANT_POOL_TAG.value, 'tenant-id': 'initech' }),
      }),
    });
  });

  it('has the four tenant role groups', () => {
    // Assess
    template.resourceCountIs('AWS::Cognito::UserPoolGroup', TENANT_ROLES.length);
    TENANT_ROLES.forEach((role, precedence) => {
      template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: role, Precedence: precedence, UserPoolId: { Ref: poolId } });
    });
  });

  it("has the console's public client: authorization code with PKCE only, the manifest's URLs and providers, no secret", () => {
    // Prepare
    const providers = new Capture();

    // Assess
    template.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      UserPoolId: { Ref: poolId },
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      // The manifest's, then the region's console (its URL read from SSM when the stack deploys).
      CallbackURLs: ['https://console.initech.example/auth/callback', { 'Fn::Join': ['', [{ Ref: Match.anyValue() }, '/auth/callback']] }],
      LogoutURLs: ['https://console.initech.example/', { 'Fn::Join': ['', [{ Ref: Match.anyValue() }, '/']] }],
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      SupportedIdentityProviders: providers,
      WriteAttributes: Match.not(Match.arrayWith(['custom:tenantId'])),
      ReadAttributes: Match.arrayWith(['custom:tenantId']),
    });
    expect(providers.asArray().sort()).toEqual(['Adfs', 'COGNITO', 'Entra', 'Okta']);
  });

  it('has the hosted UI domain of its slug', () => {
    // Assess
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: `${CONFIG.authDomainPrefix}-${CONFIG.stage}-initech`,
      UserPoolId: { Ref: poolId },
    });
  });

  it("federates the manifest's SAML and OIDC providers with their attribute mappings and identifiers", () => {
    // Assess
    template.resourceCountIs('AWS::Cognito::UserPoolIdentityProvider', 3);
    template.hasResourceProperties('AWS::Cognito::UserPoolIdentityProvider', {
      ProviderName: 'Okta',
      ProviderType: 'SAML',
      ProviderDetails: { MetadataURL: 'https://initech.okta.example/app/metadata' },
      IdpIdentifiers: ['initech.example'],
      AttributeMapping: { email: 'mail', name: 'displayName' },
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolIdentityProvider', {
      ProviderName: 'Adfs',
      ProviderType: 'SAML',
      ProviderDetails: { MetadataFile: SAML_METADATA },
      AttributeMapping: { email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress' },
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolIdentityProvider', {
      ProviderName: 'Entra',
      ProviderType: 'OIDC',
      ProviderDetails: {
        client_id: 'initech-console',
        oidc_issuer: 'https://login.entra.example/initech/v2.0',
        authorize_scopes: 'openid email',
        attributes_request_method: 'GET',
        client_secret: '{{resolve:secretsmanager:tenants/initech/entra-client-secret:SecretString:::}}',
      },
      IdpIdentifiers: ['corp.initech.example'],
      AttributeMapping: { email: 'email' },
    });
  });

  it('never holds an OIDC client secret, only the reference CloudFormation resolves at deployment', () => {
    // Assess
    const secrets = JSON.stringify(json).match(/"client_secret":"[^"]*"/g) ?? [];
    expect(secrets).toEqual(['"client_secret":"{{resolve:secretsmanager:tenants/initech/entra-client-secret:SecretString:::}}"']);
  });

  it("puts the tenant claims into tokens with its own pre-token trigger, which reaches only its tenant's data", () => {
    // Prepare
    const fnId = logicalIdOf(stack.preTokenGeneration.function);

    // Assess
    template.hasResourceProperties('AWS::Cognito::UserPool', { LambdaConfig: { PreTokenGeneration: { 'Fn::GetAtt': [fnId, 'Arn'] } } });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Environment: {
        Variables: Match.objectLike({
          TENANT_ID: 'initech',
          TABLE_NAME: names.tableName,
          SSO_ROLE_MAPPING: JSON.stringify({ groups: {}, default: 'member' }),
        }),
      },
    });
    const fnEnv = json.Resources[fnId].Properties!.Environment.Variables;
    const homeTenantRole = `arn:aws:iam::${TEST_ACCOUNT_ID}:role/${names.dataRoleName(stack.manifest.homeRegion, 'tenant')}`;
    expect(renderIntrinsics(fnEnv.TENANT_DATA_ROLE_ARN, stack.manifest.homeRegion)).toBe(homeTenantRole);
    // The home region's tenant data role trusts the trigger by these tags, for this tenant only.
    const roleTags = json.Resources[logicalIdOf(stack.preTokenGeneration.role)].Properties!.Tags;
    expect(roleTags).toEqual(
      expect.arrayContaining([
        { Key: PLATFORM_FUNCTION_TAG, Value: names.preTokenFunctionTag },
        { Key: 'TenantId', Value: 'initech' },
      ]),
    );
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
      Principal: 'cognito-idp.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [poolId, 'Arn'] },
    });
    const policies = Object.values(json.Resources).filter((resource) => resource.Type === 'AWS::IAM::Policy');
    const actions = policies.flatMap((policy) => policy.Properties!.PolicyDocument.Statement.flatMap((s: { Action: string | string[] }) => s.Action));
    expect(actions.sort()).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sts:AssumeRole',
      'sts:TagSession',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
    const assumed = policies.flatMap((policy) =>
      policy.Properties!.PolicyDocument.Statement.filter((s: { Action: unknown }) => JSON.stringify(s.Action).includes('sts:')),
    );
    expect(assumed.map((s: { Resource: unknown }) => renderIntrinsics(s.Resource, stack.manifest.homeRegion))).toEqual([homeTenantRole]);
  });

  it("binds the tenant's API key to its plan's usage plan of the region, found through the region's SSM parameter", () => {
    // Prepare
    const usagePlan = new Capture();

    // Assess
    template.hasResourceProperties('AWS::ApiGateway::ApiKey', { Enabled: true, Value: usageIdentifierKey(CONFIG.stage, 'initech') });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlanKey', {
      KeyId: { Ref: logicalIdOf(stack.apiKey.apiKey) },
      KeyType: 'API_KEY',
      UsagePlanId: { Ref: usagePlan },
    });
    expect(parametersOf(json)[usagePlan.asString()]).toEqual({
      Type: 'AWS::SSM::Parameter::Value<String>',
      Default: names.usagePlanParameter('team'),
    });
  });

  it("makes its API key only after the region's registrar released the key a migration made for the tenant there", () => {
    // Prepare
    const serviceToken = new Capture();
    const releaseId = logicalIdOf(stack.apiKey.release);

    // Assess: the release names the tenant, through the registrar's service token; the key waits for it
    template.hasResourceProperties(USAGE_KEY_RELEASE_RESOURCE_TYPE, { ServiceToken: { Ref: serviceToken }, TenantId: 'initech' });
    expect(parametersOf(json)[serviceToken.asString()]).toEqual({ Type: 'AWS::SSM::Parameter::Value<String>', Default: names.issuerRegistrarParameter });
    expect((json.Resources[logicalIdOf(stack.apiKey.apiKey)] as { DependsOn?: string[] }).DependsOn).toEqual(expect.arrayContaining([releaseId]));
  });

  it("registers its pool's issuer and client in its own region's registry, through the region's registrar", () => {
    // Prepare
    const serviceToken = new Capture();

    // Assess
    template.hasResourceProperties(ISSUER_REGISTRATION_RESOURCE_TYPE, {
      ServiceToken: { Ref: serviceToken },
      Region: 'us-east-1',
      Registration: {
        kind: 'tenant',
        tenantId: 'initech',
        issuer: { 'Fn::Join': ['', ['https://cognito-idp.us-east-1.', { Ref: 'AWS::URLSuffix' }, '/', { Ref: poolId }]] },
        clientIds: [{ Ref: logicalIdOf(stack.auth.client) }],
        jwksUri: { 'Fn::Join': ['', ['https://cognito-idp.us-east-1.', { Ref: 'AWS::URLSuffix' }, '/', { Ref: poolId }, '/.well-known/jwks.json']] },
      },
    });
    expect(parametersOf(json)[serviceToken.asString()]).toEqual({ Type: 'AWS::SSM::Parameter::Value<String>', Default: names.issuerRegistrarParameter });
  });

  it('outputs the login endpoints the provisioning pipeline reports', () => {
    // Assess
    expect(Object.keys((json as { Outputs?: object }).Outputs ?? {}).sort()).toEqual(Object.values(TENANT_STACK_OUTPUTS).sort());
  });

  it('puts an enterprise tenant on the Plus plan with threat protection enforced', () => {
    // Prepare
    const globex = templateOf(tenantApp([{ ...INITECH, id: 'globex2', slug: 'globex2', plan: 'enterprise', sso: undefined }]).get('globex2')!);

    // Assess
    globex.template.hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
    });
  });
});

describe('tenant manifests at synthesis', () => {
  it.each([
    [{ homeRegion: 'eu-west-1' }, /tenants\/initech\.json: homeRegion: eu-west-1 is not a residency region/],
    [{ console: { callbackUrls: ['http://console.initech.example/cb'] } }, /tenants\/initech\.json: console\.callbackUrls\[0\]: must be an https URL/],
    [{ slug: 'laws' }, /tenants\/laws\.json: slug: .*contains a word Cognito reserves/],
    [
      { sso: { saml: [{ name: 'Okta', metadataUrl: 'https://idp.example/m', attributeMapping: { 'custom:tenantId': 'tid' } }] } },
      /sso\.saml\[0\]\.attributeMapping\.custom:tenantId: custom:tenantId is set by the platform/,
    ],
    [{ sso: { saml: [{ name: 'Google', metadataUrl: 'https://idp.example/m' }] } }, /sso\.saml\[0\]\.name: Google is a name Cognito reserves/],
    [{ sso: { saml: [{ name: 'Adfs', metadataFile: 'missing.xml' }] } }, /sso\.saml\[0\]\.metadataFile: cannot read missing\.xml beside the manifest/],
    [
      {
        sso: {
          oidc: [
            { name: 'Entra', issuer: 'https://login.example', clientId: 'c', clientSecretRef: 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:entra' },
          ],
        },
      },
      /sso\.oidc\[0\]\.clientSecretRef: the secret is in eu-central-1; the tenant's pool is in us-east-1/,
    ],
    [
      {
        sso: {
          saml: [{ name: 'A', metadataUrl: 'https://a.example/m', identifiers: ['initech.example'] }],
          oidc: [{ name: 'B', issuer: 'https://b.example', clientId: 'c', clientSecretRef: 's', identifiers: ['initech.example'] }],
        },
      },
      /sso\.oidc\[0\]\.identifiers\[0\]: initech\.example already routes to A/,
    ],
  ] as [Partial<TenantManifestInput>, RegExp][])('fails naming the file and field: %j', (change, message) => {
    // Act
    const build = () => tenantApp([{ ...INITECH, ...change }]);

    // Assess
    expect(build).toThrow(ManifestError);
    expect(build).toThrow(message);
  });

  it('fails on a manifest the schema refuses, naming the file and field', () => {
    // Prepare
    const dir = writeManifests([{ ...INITECH, sso: { oidc: [{ ...INITECH.sso!.oidc![0], issuer: 'not a url' }] } }]);

    // Act
    const load = () => loadTenantManifests(dir);

    // Assess
    expect(load).toThrow(/initech\.json: sso\.oidc\[0\]\.issuer: /);
  });

  it('refuses two tenants whose hosted UI domains would clash', () => {
    // Prepare
    const manifest = parseManifest({ ...INITECH, sso: undefined }, 'initech.json');
    const app = new App({ context: CDK_CONTEXT });

    // Act
    const build = () =>
      addTenantStacks(app, CONFIG, { manifests: [manifest, { ...manifest, id: 'initech-2' }], dir: os.tmpdir(), label: 'tenants' }, STUB_CODE);

    // Assess
    expect(build).toThrow(/tenants\/initech\.json: slug: hosted UI domain .* is already that of tenants\/initech\.json/);
  });

  it('builds the demo manifests of tenants/', () => {
    // Act
    const demo = loadTenantManifests();
    const stacks = addTenantStacks(new App({ context: CDK_CONTEXT }), CONFIG, demo, STUB_CODE);

    // Assess
    expect([...stacks.values()].map((stack: TenantStack) => [stack.manifest.id, stack.region])).toEqual(
      demo.manifests.map((manifest) => [manifest.id, manifest.homeRegion]),
    );
  });
});
