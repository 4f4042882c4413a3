import { Aws, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { credentialKeyAlias, SECRET_TENANT_TAG, tenantSecretPrefix } from '../../functions/governance/credential-store';
import { TENANT_SESSION_TAG } from '../../functions/isolation/session-tag';
import type { PlatformFunction } from './platform-function';

/** The statement id of the purging function's one Secrets Manager permission (for tests and reviews). */
export const LIST_CREDENTIAL_SECRETS_SID = 'ListCredentialSecretNames';

export interface TenantCredentialStoreProps {
  /** The platform's secret name prefix (`agent-platform-<stage>`). */
  readonly prefix: string;
  /** The tenant data role, assumed with the `TenantId` session tag: the only way to a tenant's secrets. */
  readonly tenantDataRole: iam.IRole;
}

/**
 * Where tenants' own model-provider credentials are kept in a region: Secrets Manager secrets under
 * `<prefix>/tenants/<tenantId>/model-credentials/`, tagged with their tenant and encrypted with this construct's KMS
 * key. No function role may touch them: only a session of the tenant data role, and only the secrets whose name and
 * `TenantId` tag both equal its own `TenantId` session tag (creating one must tag it so). The key is used only through
 * Secrets Manager, for secrets of the same tenant's prefix (the encryption context names the secret).
 */
export class TenantCredentialStore extends Construct {
  readonly key: kms.Key;
  /** `alias/<prefix>/tenant-credentials` in every region: how a migration names the key of the region it moves secrets to. */
  readonly alias: kms.Alias;
  readonly prefix: string;

  constructor(scope: Construct, id: string, props: TenantCredentialStoreProps) {
    super(scope, id);
    this.prefix = props.prefix;
    this.key = new kms.Key(this, 'Key', {
      description: `Encrypts tenants' own model-provider credentials (${props.prefix})`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.alias = new kms.Alias(this, 'KeyAlias', { aliasName: credentialKeyAlias(props.prefix), targetKey: this.key });
    const ownSecrets = `arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:${tenantSecretPrefix(props.prefix, `\${aws:PrincipalTag/${TENANT_SESSION_TAG}}`)}*`;
    const ownTag = `\${aws:PrincipalTag/${TENANT_SESSION_TAG}}`;
    props.tenantDataRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'OwnTenantCredentialSecrets',
        actions: [
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
          'secretsmanager:DeleteSecret',
          'secretsmanager:DescribeSecret',
        ],
        resources: [ownSecrets],
        conditions: { StringEquals: { [`aws:ResourceTag/${SECRET_TENANT_TAG}`]: ownTag } },
      }),
    );
    props.tenantDataRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'CreateOwnTenantCredentialSecrets',
        actions: ['secretsmanager:CreateSecret', 'secretsmanager:TagResource'],
        resources: [ownSecrets],
        conditions: {
          StringEquals: { [`aws:RequestTag/${SECRET_TENANT_TAG}`]: ownTag },
          'ForAllValues:StringEquals': { 'aws:TagKeys': [SECRET_TENANT_TAG] },
        },
      }),
    );
    Validations.of(props.tenantDataRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${tenantSecretPrefix(props.prefix, `<aws:PrincipalTag/${TENANT_SESSION_TAG}>`)}*]`,
      reason:
        "One session's tenant only: the wildcard is the credential id (and the secret's random suffix) under the prefix named by the session's own TenantId tag, and the secret's TenantId tag must equal it too",
    });
    props.tenantDataRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'CredentialKeyThroughSecretsManager',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [this.key.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `secretsmanager.${Aws.REGION}.amazonaws.com` },
          StringLike: { 'kms:EncryptionContext:SecretARN': ownSecrets },
        },
      }),
    );
  }

  /** Tells the functions that register or use credentials where the store is. */
  bind(...functions: PlatformFunction[]): void {
    for (const fn of functions) {
      fn.function.addEnvironment('CREDENTIAL_STORE', 'secrets-manager');
      fn.function.addEnvironment('CREDENTIAL_SECRET_PREFIX', this.prefix);
      fn.function.addEnvironment('CREDENTIAL_KMS_KEY_ID', this.key.keyArn);
    }
  }
}

/**
 * Lets a function purge tenants' credential secrets (the offboarding purge, and a migration's purge of its source, in
 * every region). Its own role may only
 * list secret names: ListSecrets has no resource-level permission, so the statement names `*`, and it returns names
 * and tags, never a value. Each secret is deleted through the tenant data role's session, whose policy (above) allows
 * DeleteSecret only under the session tenant's own prefix on secrets tagged with it: the function's role gets no
 * DeleteSecret, and no session can delete outside one tenant's prefix.
 */
export function bindCredentialPurge(fn: PlatformFunction, prefix: string): void {
  fn.function.addEnvironment('CREDENTIAL_STORE', 'secrets-manager');
  fn.function.addEnvironment('CREDENTIAL_SECRET_PREFIX', prefix);
  const listing = new iam.Policy(fn, 'CredentialSecretListing', {
    statements: [new iam.PolicyStatement({ sid: LIST_CREDENTIAL_SECRETS_SID, actions: ['secretsmanager:ListSecrets'], resources: ['*'] })],
    roles: [fn.role],
  });
  Validations.of(listing).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      "ListSecrets has no resource-level permission: the offboarding purge lists the names under a tenant's prefix (names and tags only) and deletes each through that tenant's session",
  });
}
