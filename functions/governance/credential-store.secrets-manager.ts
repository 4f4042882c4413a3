import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { assertTenantSecret, SECRET_TENANT_TAG, secretNameOf, type CredentialSecretStore, type SecretVersion, type StoredSecret } from './credential-store';

export interface SecretsManagerCredentialStoreOptions {
  /** A client signed with the tenant's session (the tenant data role tagged `TenantId=<tenantId>`). */
  readonly clientFor: (tenantId: string) => Pick<SecretsManagerClient, 'send'>;
  /** The platform's secret name prefix. */
  readonly prefix: string;
  /** The KMS key new secrets are encrypted with. @default none: registering a credential fails, reading works */
  readonly kmsKeyId?: string;
}

const PREVIOUS = 'AWSPREVIOUS';

/**
 * Tenant credentials in AWS Secrets Manager: one secret per credential, named under the tenant's prefix, tagged with
 * the tenant and encrypted with the platform's credential key. Every call is signed with the tenant's own session, so
 * IAM (the tenant data role's policy: name prefix and tag both equal to the session tag) refuses another tenant's
 * secret even if the runtime guard let a wrong name through. Rotation uses the service's stages: a new value becomes
 * AWSCURRENT and the old one AWSPREVIOUS, which is removed once the new one has worked.
 */
export class SecretsManagerCredentialStore implements CredentialSecretStore {
  constructor(private readonly options: SecretsManagerCredentialStoreOptions) {}

  async put(tenantId: string, credentialId: string, value: string): Promise<string> {
    const name = this.nameOf(tenantId, credentialId);
    const client = this.options.clientFor(tenantId);
    if (!this.options.kmsKeyId) throw new Error('CREDENTIAL_KMS_KEY_ID is not set: tenant credentials cannot be stored');
    try {
      const created = await client.send(
        new CreateSecretCommand({ Name: name, SecretString: value, KmsKeyId: this.options.kmsKeyId, Tags: [{ Key: SECRET_TENANT_TAG, Value: tenantId }] }),
      );
      return created.VersionId ?? '';
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'ResourceExistsException') throw error;
    }
    const rotated = await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
    return rotated.VersionId ?? '';
  }

  async read(tenantId: string, credentialId: string): Promise<StoredSecret | undefined> {
    const name = this.nameOf(tenantId, credentialId);
    const [current, previous] = await Promise.all([this.version(tenantId, name, 'AWSCURRENT'), this.version(tenantId, name, PREVIOUS)]);
    if (!current) return undefined;
    return previous ? { current, previous } : { current };
  }

  async retire(tenantId: string, credentialId: string, versionId: string): Promise<void> {
    const name = this.nameOf(tenantId, credentialId);
    try {
      await this.options
        .clientFor(tenantId)
        .send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: PREVIOUS, RemoveFromVersionId: versionId }));
    } catch (error) {
      // Another instance retired it first, or a newer rotation moved the stage: nothing left to do.
      if (!(error instanceof Error) || !['InvalidParameterException', 'ResourceNotFoundException'].includes(error.name)) throw error;
    }
  }

  async delete(tenantId: string, credentialId: string): Promise<void> {
    const name = this.nameOf(tenantId, credentialId);
    try {
      await this.options.clientFor(tenantId).send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'ResourceNotFoundException') throw error;
    }
  }

  private nameOf(tenantId: string, credentialId: string): string {
    const name = secretNameOf(this.options.prefix, tenantId, credentialId);
    assertTenantSecret(this.options.prefix, tenantId, name);
    return name;
  }

  private async version(tenantId: string, name: string, stage: string): Promise<SecretVersion | undefined> {
    try {
      const { VersionId, SecretString } = await this.options.clientFor(tenantId).send(new GetSecretValueCommand({ SecretId: name, VersionStage: stage }));
      return VersionId && SecretString ? { versionId: VersionId, value: SecretString } : undefined;
    } catch (error) {
      if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  }
}
