import { CfnOutput, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { TENANT_ROLES, type TenantRole } from '../../functions/core/roles';
import { roleArnVariable } from '../../functions/data/data-scopes';
import { DEFAULT_SSO_ROLE_MAPPING, type TenantManifest } from '../../functions/tenants/tenant-manifest.schema';
import type { PlatformConfig } from '../config';
import { ImportedDataAccessRole, TENANT_SESSION_TAG } from '../constructs/data-access-roles';
import { HostedUserPool, type PoolGroup } from '../constructs/hosted-user-pool';
import { IssuerRegistration } from '../constructs/issuer-registrar';
import { PlatformFunction, TENANT_POOL_TAG } from '../constructs/platform-function';
import { tenantPoolName } from '../../functions/users/tenant-pools';
import { TenantApiKey } from '../constructs/tenant-api-key';
import { PLATFORM_FUNCTION_TAG, PlatformNames } from '../naming';
import { PRE_TOKEN_GENERATION_ENTRY } from '../source-paths';
import { tenantIdentityOf } from '../tenant-identity';

/** What each tenant role is for, shown in the Cognito console; precedence follows the order of TENANT_ROLES. */
const ROLE_DESCRIPTIONS: Readonly<Record<TenantRole, string>> = {
  'tenant-admin': 'Administers the tenant: users, invitations, API keys, settings, usage and audit',
  member: 'Creates and runs agents, memories and workflows',
  viewer: 'Reads agents, memories and workflows',
  auditor: "Reads the tenant's audit log",
};

/** The names of the outputs the onboarding pipeline reads (lib/constructs/onboarding-pipeline.ts). */
export const TENANT_STACK_OUTPUTS = {
  userPoolId: 'UserPoolId',
  clientId: 'UserPoolClientId',
  issuer: 'Issuer',
  hostedUiUrl: 'HostedUiUrl',
} as const;

export interface TenantStackProps extends Omit<StackProps, 'env'> {
  readonly config: PlatformConfig;
  /** The tenant's validated manifest. */
  readonly manifest: TenantManifest;
  /** The manifest's file as people know it (`tenants/acme.json`): problems name it. */
  readonly manifestFile: string;
  /** The manifest's folder, where SAML metadata files are. */
  readonly manifestDir: string;
  /**
   * Code of the pre-token-generation trigger instead of bundling its entry (tests).
   * @default - functions/api/pre-token-generation.ts bundled by esbuild
   */
  readonly functionCode?: lambda.Code;
}

/**
 * One tenant, pinned to its home region: its Cognito user pool (strong passwords, MFA per manifest, the immutable
 * `custom:tenantId` attribute, deletion protection, retained), the hosted UI domain, one group per tenant role, the
 * console's app client (authorization code + PKCE), the SAML and OIDC providers of its manifest, the pre-token
 * trigger that puts the tenant's claims into tokens, its API key in its plan's usage plan, and the registration of
 * its pool's issuer in the region's registry. Built from the manifest alone: nothing of another tenant.
 */
export class TenantStack extends Stack {
  readonly manifest: TenantManifest;
  readonly auth: HostedUserPool;
  readonly preTokenGeneration: PlatformFunction;
  readonly apiKey: TenantApiKey;
  readonly issuerRegistration: IssuerRegistration;

  constructor(scope: Construct, id: string, props: TenantStackProps) {
    const { config, manifest, manifestFile, manifestDir, functionCode, ...stackProps } = props;
    // Checked before the stack exists: a bad manifest fails synthesis naming the file and field.
    const identity = tenantIdentityOf(config, manifest, { manifestFile, manifestDir });
    const names = new PlatformNames(config.stage);
    super(scope, id, {
      ...stackProps,
      stackName: stackProps.stackName ?? names.tenantStackName(manifest.id),
      env: { region: manifest.homeRegion, ...(config.account ? { account: config.account } : {}) },
      description: stackProps.description ?? `Agent platform (${config.stage}): tenant ${manifest.id} (${manifest.slug}) in ${manifest.homeRegion}`,
    });
    this.manifest = manifest;
    Tags.of(this).add('tenant-id', manifest.id);

    this.preTokenGeneration = new PlatformFunction(this, 'PreTokenGeneration', {
      entry: PRE_TOKEN_GENERATION_ENTRY,
      description: `Agent platform (${config.stage}): pre-token-generation trigger of tenant ${manifest.id}`,
      code: functionCode,
      memorySize: 256,
    });
    this.bindPreTokenGeneration(names, manifest);

    const enterprise = manifest.plan === 'enterprise';
    const roleMapping = manifest.sso.roleMapping ?? DEFAULT_SSO_ROLE_MAPPING;
    const consoleRedirects = names.consoleRedirects(this);
    this.auth = new HostedUserPool(this, 'Auth', {
      userPoolName: tenantPoolName(names.stage, manifest.id),
      mfa: manifest.mfa,
      mfaReason: `The tenant's manifest (${manifestFile}) sets MFA to ${manifest.mfa}: the tenant decides for its users; users of its identity providers get the IdP's own MFA`,
      featurePlan: enterprise ? 'plus' : 'essentials',
      featurePlanReason: `Threat protection (Cognito Plus) is priced per active user and comes with the enterprise plan; this tenant is on the ${manifest.plan} plan`,
      groups: TENANT_ROLES.map((role, index): PoolGroup => ({ name: role, description: ROLE_DESCRIPTIONS[role], precedence: index })),
      domainPrefix: identity.domainPrefix,
      callbackUrls: [...identity.callbackUrls, consoleRedirects.callbackUrl],
      logoutUrls: [...identity.logoutUrls, consoleRedirects.logoutUrl],
      tenantIdAttribute: true,
      ...(roleMapping.attribute ? { groupsAttribute: roleMapping.attribute.slice('custom:'.length) } : {}),
      identityProviders: identity.identityProviders,
      preTokenGeneration: this.preTokenGeneration.function,
      tags: { [TENANT_POOL_TAG.key]: TENANT_POOL_TAG.value },
    });

    const registrarServiceToken = ssm.StringParameter.valueForStringParameter(this, names.issuerRegistrarParameter);
    this.apiKey = new TenantApiKey(this, 'UsageKey', { names, tenantId: manifest.id, plan: manifest.plan, registrarServiceToken });

    this.issuerRegistration = new IssuerRegistration(this, 'IssuerRegistration', {
      serviceToken: registrarServiceToken,
      region: manifest.homeRegion,
      registration: {
        kind: 'tenant',
        issuer: this.auth.issuer,
        tenantId: manifest.id,
        clientIds: [this.auth.client.userPoolClientId],
        jwksUri: this.auth.jwksUri,
      },
    });

    new CfnOutput(this, TENANT_STACK_OUTPUTS.userPoolId, { value: this.auth.userPool.userPoolId, description: "The tenant's user pool" });
    new CfnOutput(this, TENANT_STACK_OUTPUTS.clientId, { value: this.auth.client.userPoolClientId, description: "The console's app client" });
    new CfnOutput(this, TENANT_STACK_OUTPUTS.issuer, { value: this.auth.issuer, description: 'Issuer (iss) of the pool tokens' });
    new CfnOutput(this, TENANT_STACK_OUTPUTS.hostedUiUrl, { value: this.auth.hostedUiUrl, description: 'Base URL of the hosted UI' });
  }

  /**
   * The trigger names the tenant in every token and makes SSO users members on their first sign-in: it writes the
   * member through the home region's tenant data role, which trusts it by its role tags for this tenant only
   * (RegionStack, DataAccessRole.trustTaggedCallers).
   */
  private bindPreTokenGeneration(names: PlatformNames, manifest: TenantManifest): void {
    const fn = this.preTokenGeneration.function;
    fn.addEnvironment('TENANT_ID', manifest.id);
    fn.addEnvironment('TABLE_NAME', names.tableName);
    fn.addEnvironment('STAGE', names.stage);
    fn.addEnvironment(roleArnVariable('tenant'), names.dataRoleArn(manifest.homeRegion, 'tenant'));
    fn.addEnvironment('SSO_ROLE_MAPPING', JSON.stringify(manifest.sso.roleMapping ?? DEFAULT_SSO_ROLE_MAPPING));
    new ImportedDataAccessRole(names.dataRoleArn(manifest.homeRegion, 'tenant'), TENANT_SESSION_TAG).grantAssume(this.preTokenGeneration.role);
    Tags.of(this.preTokenGeneration.role).add(PLATFORM_FUNCTION_TAG, names.preTokenFunctionTag);
    Tags.of(this.preTokenGeneration.role).add(TENANT_SESSION_TAG, manifest.id);
  }
}
