import type { CredentialSecretStore } from '../../../functions/governance/credential-store';
import { SecretsManagerCredentialStore } from '../../../functions/governance/credential-store.secrets-manager';
import { copyCredentialSecrets } from '../../../functions/portability/credential-move';
import { FakeSecretsManager } from '../../support/fake-secrets-manager';

/**
 * A migration's copy of a tenant's credential secrets between two regions' stores (Secrets Manager faked at its SDK
 * boundary, one fake per region): the target answers as the source did, a run again changes nothing, a run cut short
 * is completed, and once the target serves the tenant a secret it holds is never overwritten.
 */

const PREFIX = 'agent-platform-test';
const TENANT = 'acme';

function regionStore(): CredentialSecretStore {
  const fake = new FakeSecretsManager(PREFIX);
  return new SecretsManagerCredentialStore({ prefix: PREFIX, kmsKeyId: 'alias/test', clientFor: fake.clientFor, lister: fake.lister });
}

const versionsOf = async (store: CredentialSecretStore, ids: readonly string[]) =>
  Promise.all(
    ids.map(async (id) => {
      const stored = await store.read(TENANT, id);
      return stored && [stored.current.value, stored.previous?.value];
    }),
  );

describe('copyCredentialSecrets', () => {
  it('copies each named secret with its previous version, and copies nothing when run again', async () => {
    // Prepare: one rotated secret (previous still kept), one plain, one the items do not name
    const [from, to] = [regionStore(), regionStore()];
    await from.put(TENANT, 'cred1', 'first value');
    await from.put(TENANT, 'cred1', 'rotated value');
    await from.put(TENANT, 'cred2', 'plain value');
    await from.put(TENANT, 'orphan', 'orphan value');
    const move = { tenantId: TENANT, credentialIds: ['cred1', 'cred2', 'gone'], from, to };

    // Act
    const copied = await copyCredentialSecrets(move);
    const again = await copyCredentialSecrets(move);

    // Assess
    expect([copied, again]).toEqual([2, 0]);
    expect(await versionsOf(to, ['cred1', 'cred2', 'gone', 'orphan'])).toEqual([
      ['rotated value', 'first value'],
      ['plain value', undefined],
      undefined,
      undefined,
    ]);
  });

  it('completes a copy cut short after the previous version, and leaves a target secret alone once the target serves the tenant', async () => {
    // Prepare: cred1 stopped after its previous version; cred2 was rotated in the target after the cut-over
    const [from, to] = [regionStore(), regionStore()];
    await from.put(TENANT, 'cred1', 'first value');
    await from.put(TENANT, 'cred1', 'rotated value');
    await to.put(TENANT, 'cred1', 'first value');
    await from.put(TENANT, 'cred2', 'old value');
    await to.put(TENANT, 'cred2', 'newer value');
    await from.put(TENANT, 'cred3', 'missing value');

    // Act
    const completed = await copyCredentialSecrets({ tenantId: TENANT, credentialIds: ['cred1'], from, to });
    const resumed = await copyCredentialSecrets({ tenantId: TENANT, credentialIds: ['cred2', 'cred3'], from, to, missingOnly: true });

    // Assess
    expect([completed, resumed]).toEqual([1, 1]);
    expect(await versionsOf(to, ['cred1', 'cred2', 'cred3'])).toEqual([
      ['rotated value', 'first value'],
      ['newer value', undefined],
      ['missing value', undefined],
    ]);
  });
});
