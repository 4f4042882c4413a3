import type { CredentialSecretStore } from '../governance/credential-store';

/**
 * A migration's move of a tenant's model-provider credential secrets. The secrets live in each region's credential
 * store, never in the table, so the bundle does not carry them (nor may it: an admin can download a bundle); the
 * migration copies them from the source's store to the target's, store to store, for the credentials the imported
 * items name, and the purge of the source deletes them there.
 */

export interface CredentialSecretMove {
  readonly tenantId: string;
  /** The credentials the tenant's items name in the target (after the import). */
  readonly credentialIds: readonly string[];
  readonly from: Pick<CredentialSecretStore, 'read'>;
  readonly to: Pick<CredentialSecretStore, 'read' | 'put'>;
  /**
   * The target serves the tenant already (a run resumed after its cut-over): only secrets it lacks are copied, since
   * the tenant may have rotated one there since. @default false: the target's secrets are made the source's
   */
  readonly missingOnly?: boolean;
}

/**
 * Copies the secrets, the previous version (of a rotation still in flight) before the current one, so the target
 * answers as the source did. Safe to run again: a secret whose current value the target has already is skipped, and
 * one the source no longer has (purged by a run that got further) is left as the target has it. Returns how many
 * were copied.
 */
export async function copyCredentialSecrets(move: CredentialSecretMove): Promise<number> {
  const { tenantId, from, to } = move;
  let copied = 0;
  for (const credentialId of move.credentialIds) {
    const source = await from.read(tenantId, credentialId);
    if (!source) continue;
    const target = await to.read(tenantId, credentialId);
    if (target && (move.missingOnly || target.current.value === source.current.value)) continue;
    if (source.previous && !target) await to.put(tenantId, credentialId, source.previous.value);
    await to.put(tenantId, credentialId, source.current.value);
    copied += 1;
  }
  return copied;
}
