import { Aws, Duration, RemovalPolicy, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { TENANT_ID_ATTRIBUTE_NAME } from '../../functions/identity/tenant-attribute';
import { cognitoDomainPrefixProblem } from '../config';

/** A group of the pool: one per role. */
export interface PoolGroup {
  readonly name: string;
  readonly description: string;
  /** Lower wins when a user is in several groups (Cognito's `cognito:preferred_role`). */
  readonly precedence: number;
}

/** A federated identity provider of the pool, in Cognito's own terms. */
export interface IdentityProviderDefinition {
  readonly name: string;
  readonly type: 'SAML' | 'OIDC';
  /** Cognito ProviderDetails (MetadataURL or MetadataFile; client_id, client_secret, oidc_issuer, ...). */
  readonly details: Readonly<Record<string, string>>;
  /** Email domains that route to the provider in the hosted UI. */
  readonly identifiers: readonly string[];
  /** Pool attribute → provider attribute. */
  readonly attributeMapping: Readonly<Record<string, string>>;
}

export type MfaPolicy = 'OFF' | 'OPTIONAL' | 'REQUIRED';

export interface HostedUserPoolProps {
  /** Pool name shown in the console. */
  readonly userPoolName: string;
  /** MFA policy; the second factor is TOTP (authenticator apps), never SMS. */
  readonly mfa: MfaPolicy;
  /**
   * Why MFA is not REQUIRED, for the cdk-nag record. Required when `mfa` is not REQUIRED.
   * @default - none
   */
  readonly mfaReason?: string;
  /**
   * Cognito feature plan: PLUS adds threat protection (compromised credentials, adaptive authentication), enforced.
   * @default 'essentials'
   */
  readonly featurePlan?: 'essentials' | 'plus';
  /**
   * Why the pool is not on the Plus plan, for the cdk-nag record. Required when `featurePlan` is not plus.
   * @default - none
   */
  readonly featurePlanReason?: string;
  /** The groups (roles) of the pool. */
  readonly groups: readonly PoolGroup[];
  /** Prefix of the Cognito hosted UI domain (`<prefix>.auth.<region>.amazoncognito.com`). */
  readonly domainPrefix: string;
  /** OAuth callback URLs of the console client. */
  readonly callbackUrls: readonly string[];
  /** Sign-out URLs of the console client. */
  readonly logoutUrls: readonly string[];
  /**
   * Give the pool the immutable custom attribute `tenantId` (readable, never writable by the client).
   * @default false
   */
  readonly tenantIdAttribute?: boolean;
  /**
   * A mutable custom attribute (name without `custom:`) that identity providers' attribute mappings fill with the
   * user's IdP groups, read by the pre-token trigger on a first SSO sign-in. Writable by the client, as Cognito
   * requires of mapped attributes; it decides nothing after the first sign-in (the member record does).
   * @default none
   */
  readonly groupsAttribute?: string;
  /**
   * Federated identity providers offered by the console client beside the pool's own users.
   * @default none
   */
  readonly identityProviders?: readonly IdentityProviderDefinition[];
  /**
   * Pre-token-generation trigger.
   * @default none
   */
  readonly preTokenGeneration?: lambda.IFunction;
  /**
   * Tags of the pool (Cognito evaluates `aws:ResourceTag` on them).
   * @default none
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Standard attributes an identity provider may fill: the console client may write them, nothing else. */
const FEDERATED_ATTRIBUTES: cognito.StandardAttributesMask = {
  email: true,
  fullname: true,
  givenName: true,
  familyName: true,
  preferredUsername: true,
  phoneNumber: true,
};

/**
 * A Cognito user pool for people who sign in through the hosted UI: invited users only (no self sign-up), email as
 * user name, a strong password policy, TOTP MFA, deletion protection and retained on removal (users are not
 * re-creatable), the hosted UI domain, one group per role, and one public app client for the console: authorization
 * code grant with PKCE (no client secret a browser could leak; Cognito has no switch that requires PKCE, the console
 * always sends a code challenge), no implicit grant, revocable refresh tokens, one-hour tokens.
 */
export class HostedUserPool extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  readonly domain: cognito.UserPoolDomain;
  readonly groups: readonly cognito.CfnUserPoolGroup[];
  readonly identityProviders: readonly cognito.CfnUserPoolIdentityProvider[];

  constructor(scope: Construct, id: string, props: HostedUserPoolProps) {
    super(scope, id);
    const featurePlan = props.featurePlan ?? 'essentials';
    if (props.mfa !== 'REQUIRED' && !props.mfaReason) throw new Error(`${this.node.path}: MFA is ${props.mfa}: give mfaReason`);
    if (featurePlan !== 'plus' && !props.featurePlanReason) throw new Error(`${this.node.path}: not on the Plus plan: give featurePlanReason`);

    this.userPool = this.createUserPool(props, featurePlan);
    for (const [key, value] of Object.entries(props.tags ?? {})) Tags.of(this.userPool).add(key, value);
    if (props.preTokenGeneration) this.userPool.addTrigger(cognito.UserPoolOperation.PRE_TOKEN_GENERATION, props.preTokenGeneration);

    this.groups = props.groups.map(
      (group) =>
        new cognito.CfnUserPoolGroup(this, `Group-${group.name}`, {
          userPoolId: this.userPool.userPoolId,
          groupName: group.name,
          description: group.description,
          precedence: group.precedence,
        }),
    );

    this.identityProviders = (props.identityProviders ?? []).map(
      (provider) =>
        new cognito.CfnUserPoolIdentityProvider(this, `Idp-${provider.name}`, {
          userPoolId: this.userPool.userPoolId,
          providerName: provider.name,
          providerType: provider.type,
          providerDetails: { ...provider.details },
          idpIdentifiers: provider.identifiers.length > 0 ? [...provider.identifiers] : undefined,
          attributeMapping: { ...provider.attributeMapping },
        }),
    );

    this.client = this.createConsoleClient(props);
    // The client names the providers: they must exist first.
    for (const provider of this.identityProviders) this.client.node.addDependency(provider);

    const domainProblem = cognitoDomainPrefixProblem(props.domainPrefix);
    if (domainProblem) throw new Error(`${this.node.path}: ${domainProblem}`);
    this.domain = this.userPool.addDomain('HostedUi', { cognitoDomain: { domainPrefix: props.domainPrefix } });

    if (props.mfa !== 'REQUIRED') {
      Validations.of(this.userPool).acknowledge({ id: 'AwsSolutions-COG2', reason: props.mfaReason as string });
    }
    if (featurePlan !== 'plus') {
      Validations.of(this.userPool).acknowledge({ id: 'AwsSolutions-COG8', reason: props.featurePlanReason as string });
    }
  }

  /** The pool: email sign-in, no self sign-up, strong passwords, the MFA and feature plan asked for, kept on deletion. */
  private createUserPool(props: HostedUserPoolProps, featurePlan: NonNullable<HostedUserPoolProps['featurePlan']>): cognito.UserPool {
    return new cognito.UserPool(this, 'UserPool', {
      userPoolName: props.userPoolName,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      keepOriginal: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      customAttributes: {
        ...(props.tenantIdAttribute ? { [TENANT_ID_ATTRIBUTE_NAME]: new cognito.StringAttribute({ minLen: 3, maxLen: 40, mutable: false }) } : {}),
        ...(props.groupsAttribute ? { [props.groupsAttribute]: new cognito.StringAttribute({ maxLen: 2048, mutable: true }) } : {}),
      },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
        passwordHistorySize: 5,
      },
      mfa: { OFF: cognito.Mfa.OFF, OPTIONAL: cognito.Mfa.OPTIONAL, REQUIRED: cognito.Mfa.REQUIRED }[props.mfa],
      ...(props.mfa === 'OFF' ? {} : { mfaSecondFactor: { otp: true, sms: false } }),
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: featurePlan === 'plus' ? cognito.FeaturePlan.PLUS : cognito.FeaturePlan.ESSENTIALS,
      ...(featurePlan === 'plus' ? { standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION } : {}),
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** The console's public client: code grant with PKCE, the pool's own sign-in and the tenant's providers. */
  private createConsoleClient(props: HostedUserPoolProps): cognito.UserPoolClient {
    const readAttributes = new cognito.ClientAttributes().withStandardAttributes({ ...FEDERATED_ATTRIBUTES, emailVerified: true });
    return this.userPool.addClient('ConsoleClient', {
      userPoolClientName: 'console',
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: [...props.callbackUrls],
        logoutUrls: [...props.logoutUrls],
      },
      supportedIdentityProviders: [
        cognito.UserPoolClientIdentityProvider.COGNITO,
        ...(props.identityProviders ?? []).map((provider) => cognito.UserPoolClientIdentityProvider.custom(provider.name)),
      ],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      readAttributes: props.tenantIdAttribute ? readAttributes.withCustomAttributes('tenantId') : readAttributes,
      writeAttributes: props.groupsAttribute
        ? new cognito.ClientAttributes().withStandardAttributes(FEDERATED_ATTRIBUTES).withCustomAttributes(props.groupsAttribute)
        : new cognito.ClientAttributes().withStandardAttributes(FEDERATED_ATTRIBUTES),
    });
  }

  /** The `iss` of the pool's tokens (CloudFormation's ProviderURL attribute lacks the scheme). */
  get issuer(): string {
    return `https://cognito-idp.${Stack.of(this).region}.${Aws.URL_SUFFIX}/${this.userPool.userPoolId}`;
  }

  /** Where the pool's signing keys are published. */
  get jwksUri(): string {
    return `${this.issuer}/.well-known/jwks.json`;
  }

  /** Base URL of the hosted UI. */
  get hostedUiUrl(): string {
    return this.domain.baseUrl();
  }
}
