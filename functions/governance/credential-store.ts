import { tenantIdSchema } from '../core/tenant-id';

/**
 * The credential store port: where the secrets of tenants' model-provider credentials live, encrypted, apart from the
 * table. Adapters: AWS Secrets Manager under a KMS key (each secret named under its tenant's prefix and tagged with
 * its tenant, readable only by a session tagged with that tenant) and, locally, an AES-256-GCM encrypted file store.
 *
 * A secret has a current version and, after a rotation, the previous one, kept until the current one has been used
 * successfully once (or the credential is deleted): a rotation never leaves a run without a working secret. A rotation
 * is two steps: the new value is staged (stored, not yet used), then promoted once the credential's item records the
 * rotation; a rotation whose item write fails discards the staged value and the current one keeps working.
 */

/** One version of a secret. */
export interface SecretVersion {
  readonly versionId: string;
  readonly value: string;
}

/** A secret's versions in use. */
export interface StoredSecret {
  readonly current: SecretVersion;
  /** The version before the last rotation, until the current one has worked once. */
  readonly previous?: SecretVersion;
}

export interface CredentialSecretStore {
  /** Creates the secret, or makes `value` its new current version (the current one becomes the previous). */
  put(tenantId: string, credentialId: string, value: string): Promise<string>;
  /** Stores `value` as a new version that nobody reads yet; returns its version id for `promote` or `discard`. */
  stage(tenantId: string, credentialId: string, value: string): Promise<string>;
  /** Makes the staged version `versionId` current (the current one becomes the previous); no-op when it already is. */
  promote(tenantId: string, credentialId: string, versionId: string): Promise<void>;
  /** Forgets the staged version `versionId` (no-op when it is not staged): the current version stays as it was. */
  discard(tenantId: string, credentialId: string, versionId: string): Promise<void>;
  read(tenantId: string, credentialId: string): Promise<StoredSecret | undefined>;
  /** Forgets the previous version `versionId` (no-op when it is no longer the previous one). */
  retire(tenantId: string, credentialId: string, versionId: string): Promise<void>;
  /** Deletes every version at once (no recovery window: the tenant asked for it to be gone). */
  delete(tenantId: string, credentialId: string): Promise<void>;
  /**
   * Deletes every secret under the tenant's prefix, whether or not an item names it (offboarding: a secret left by a
   * failed registration goes too); returns how many went. Safe to run again.
   */
  deleteAll(tenantId: string): Promise<number>;
}

/**
 * The alias of a region's credential KMS key (every region has one by that name): how a function encrypts a secret it
 * creates in another region, whose key's ARN it is not told (a migration moving a tenant's secrets to its new region).
 */
export function credentialKeyAlias(prefix: string): string {
  return `alias/${prefix}/tenant-credentials`;
}

/** The tag that names a secret's tenant; IAM compares it with the caller's `TenantId` session tag. */
export const SECRET_TENANT_TAG = 'TenantId';

/** Where a tenant's credential secrets are named: `<prefix>/tenants/<tenantId>/model-credentials/`. */
export function tenantSecretPrefix(prefix: string, tenantId: string): string {
  return `${prefix}/tenants/${tenantId}/model-credentials/`;
}

/** The secret name of a tenant's credential. */
export function secretNameOf(prefix: string, tenantId: string, credentialId: string): string {
  return `${tenantSecretPrefix(prefix, tenantId)}${credentialId}`;
}

/** A secret name outside the tenant's prefix was asked for: refused before anything is sent. */
export class TenantSecretRefusedError extends Error {
  constructor(tenantId: string, name: string) {
    super(`secret ${name} is not tenant ${tenantId}'s`);
    this.name = 'TenantSecretRefusedError';
  }
}

/** The tenant's own prefix, after checking the tenant id cannot reach out of it (`..`, `/`, another tenant's prefix). */
export function ownTenantPrefix(prefix: string, tenantId: string): string {
  if (!tenantIdSchema.safeParse(tenantId).success) throw new TenantSecretRefusedError(tenantId, tenantSecretPrefix(prefix, tenantId));
  return tenantSecretPrefix(prefix, tenantId);
}

/** The runtime guard of both adapters: the name must be under the tenant's prefix, with no way out of it. */
export function assertTenantSecret(prefix: string, tenantId: string, name: string): void {
  const own = tenantSecretPrefix(prefix, tenantId);
  const rest = name.slice(own.length);
  if (!name.startsWith(own) || !/^[0-9A-Za-z]{1,64}$/.test(rest) || tenantId.includes('/')) throw new TenantSecretRefusedError(tenantId, name);
}
