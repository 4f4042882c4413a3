import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  assertTenantSecret,
  ownTenantPrefix,
  SECRET_TENANT_TAG,
  secretNameOf,
  type CredentialSecretStore,
  type SecretVersion,
  type StoredSecret,
} from './credential-store';

export interface SecretsManagerCredentialStoreOptions {
  /** A client signed with the tenant's session (the tenant data role tagged `TenantId=<tenantId>`). */
  readonly clientFor: (tenantId: string) => Pick<SecretsManagerClient, 'send'>;
  /** The platform's secret name prefix. */
  readonly prefix: string;
  /** The KMS key new secrets are encrypted with. @default none: registering a credential fails, reading works */
  readonly kmsKeyId?: string;
  /**
   * A client signed with the purging function's own role, which may list secret names (ListSecrets cannot be limited
   * to a prefix by IAM, so tenant sessions never get it); deletions still go through the tenant's session.
   * @default none: `deleteAll` refuses
   */
  readonly lister?: Pick<SecretsManagerClient, 'send'>;
}

const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';
const PENDING = 'AWSPENDING';

/** Errors that mean a stage is no longer where a call expected it, or the secret is gone: nothing left to do. */
const GONE = ['InvalidParameterException', 'ResourceNotFoundException'];

/**
 * Tenant credentials in AWS Secrets Manager: one secret per credential, named under the tenant's prefix, tagged with
 * the tenant and encrypted with the platform's credential key. Every call is signed with the tenant's own session, so
 * IAM (the tenant data role's policy: name prefix and tag both equal to the session tag) refuses another tenant's
 * secret even if the runtime guard let a wrong name through. Rotation uses the service's stages: a new value becomes
 * AWSCURRENT and the old one AWSPREVIOUS, which is removed once the new one has worked; a staged value waits as
 * AWSPENDING, which nobody reads, until it is promoted.
 *
 * Deletion skips the recovery window (ForceDeleteWithoutRecovery): a tenant deleting a credential or leaving the
 * platform asks for its secret to be gone, a secret pending deletion can be neither read nor used by anyone, and its
 * item is gone already, so a recovered secret would be an orphan. Forcing is also what makes a retried deletion
 * succeed: Secrets Manager answers a forced deletion of a deleted secret without an error.
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

  async stage(tenantId: string, credentialId: string, value: string): Promise<string> {
    const name = this.nameOf(tenantId, credentialId);
    const staged = await this.options.clientFor(tenantId).send(new PutSecretValueCommand({ SecretId: name, SecretString: value, VersionStages: [PENDING] }));
    return staged.VersionId ?? '';
  }

  async promote(tenantId: string, credentialId: string, versionId: string): Promise<void> {
    const name = this.nameOf(tenantId, credentialId);
    const client = this.options.clientFor(tenantId);
    const { VersionIdsToStages } = await client.send(new DescribeSecretCommand({ SecretId: name }));
    const current = Object.entries(VersionIdsToStages ?? {}).find(([, stages]) => stages.includes(CURRENT))?.[0];
    if (current === versionId) return;
    // Moving AWSCURRENT away from a version makes Secrets Manager label that version AWSPREVIOUS.
    await client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: name,
        VersionStage: CURRENT,
        MoveToVersionId: versionId,
        ...(current ? { RemoveFromVersionId: current } : {}),
      }),
    );
    await this.unlabel(tenantId, name, PENDING, versionId);
  }

  async discard(tenantId: string, credentialId: string, versionId: string): Promise<void> {
    await this.unlabel(tenantId, this.nameOf(tenantId, credentialId), PENDING, versionId);
  }

  async read(tenantId: string, credentialId: string): Promise<StoredSecret | undefined> {
    const name = this.nameOf(tenantId, credentialId);
    const [current, previous] = await Promise.all([this.version(tenantId, name, CURRENT), this.version(tenantId, name, PREVIOUS)]);
    if (!current) return undefined;
    return previous ? { current, previous } : { current };
  }

  async retire(tenantId: string, credentialId: string, versionId: string): Promise<void> {
    await this.unlabel(tenantId, this.nameOf(tenantId, credentialId), PREVIOUS, versionId);
  }

  async delete(tenantId: string, credentialId: string): Promise<void> {
    await this.forceDelete(tenantId, this.nameOf(tenantId, credentialId));
  }

  async deleteAll(tenantId: string): Promise<number> {
    const names = await this.namesUnder(ownTenantPrefix(this.options.prefix, tenantId));
    for (const name of names) await this.forceDelete(tenantId, name);
    return names.length;
  }

  /** Every secret name under `own`, those scheduled for deletion included (forcing their deletion ends the wait). */
  private async namesUnder(own: string): Promise<string[]> {
    const { lister } = this.options;
    if (!lister) throw new Error("this function has no ListSecrets client: it cannot delete a tenant's secrets");
    const names: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await lister.send(
        new ListSecretsCommand({
          Filters: [{ Key: 'name', Values: [own] }],
          IncludePlannedDeletion: true,
          MaxResults: 100,
          ...(NextToken ? { NextToken } : {}),
        }),
      );
      // The name filter is a case-sensitive prefix match; checked again here, so a lax filter can never widen the purge.
      names.push(...(page.SecretList ?? []).flatMap(({ Name }) => (Name?.startsWith(own) ? [Name] : [])));
      NextToken = page.NextToken;
    } while (NextToken);
    return names;
  }

  private async forceDelete(tenantId: string, name: string): Promise<void> {
    try {
      await this.options.clientFor(tenantId).send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'ResourceNotFoundException') throw error;
    }
  }

  /** Removes `stage` from `versionId`; another instance did it first, or a newer rotation moved the stage: no-op. */
  private async unlabel(tenantId: string, name: string, stage: string, versionId: string): Promise<void> {
    try {
      await this.options.clientFor(tenantId).send(new UpdateSecretVersionStageCommand({ SecretId: name, VersionStage: stage, RemoveFromVersionId: versionId }));
    } catch (error) {
      if (!(error instanceof Error) || !GONE.includes(error.name)) throw error;
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
