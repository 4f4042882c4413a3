import { Aws, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { SECRET_TENANT_TAG, tenantSecretPrefix } from '../../functions/governance/credential-store';
import { TENANT_SESSION_TAG } from '../../functions/isolation/session-tag';
import type { PlatformFunction } from './platform-function';

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
  readonly prefix: string;

  constructor(scope: Construct, id: string, props: TenantCredentialStoreProps) {
    super(scope, id);
    this.prefix = props.prefix;
    this.key = new kms.Key(this, 'Key', {
      description: `Encrypts tenants' own model-provider credentials (${props.prefix})`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
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
