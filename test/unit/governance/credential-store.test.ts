import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secretNameOf, TenantSecretRefusedError, type CredentialSecretStore } from '../../../functions/governance/credential-store';
import { FileCredentialStore } from '../../../functions/governance/credential-store.file';
import { SecretsManagerCredentialStore } from '../../../functions/governance/credential-store.secrets-manager';
import { FakeSecretsManager } from '../../support/fake-secrets-manager';

const PREFIX = 'agent-platform-test';
const scratch = mkdtempSync(join(tmpdir(), 'credential-store-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Each adapter over a fresh backing store: the encrypted files, or Secrets Manager faked at its SDK boundary. */
const ADAPTERS: readonly [string, () => CredentialSecretStore][] = [
  ['the file store', () => new FileCredentialStore(mkdtempSync(join(scratch, 'files-')), PREFIX)],
  [
    'the Secrets Manager store',
    () => {
      const fake = new FakeSecretsManager(PREFIX);
      return new SecretsManagerCredentialStore({ prefix: PREFIX, kmsKeyId: 'alias/test', clientFor: fake.clientFor, lister: fake.lister });
    },
  ],
];

const valuesOf = async (store: CredentialSecretStore, tenantId: string, ids: readonly string[]) =>
  Promise.all(ids.map(async (id) => (await store.read(tenantId, id))?.current.value));

describe.each(ADAPTERS)('%s', (_name, makeStore) => {
  it("deletes every secret of a tenant and none of another tenant's, whose id the first one prefixes; again, nothing is left to delete", async () => {
    // Prepare: three secrets each (one rotated, one with a staged value) for acme, acme2 and globex
    const store = makeStore();
    const ids = ['cred1', 'cred2', 'cred3'];
    for (const tenantId of ['acme', 'acme2', 'globex']) {
      for (const id of ids) await store.put(tenantId, id, `${tenantId}/${id}`);
      await store.put(tenantId, 'cred1', `${tenantId}/cred1 rotated`);
      await store.stage(tenantId, 'cred2', `${tenantId}/cred2 staged`);
    }

    // Act
    const first = await store.deleteAll('acme');
    const again = await store.deleteAll('acme');

    // Assess
    expect([first, again]).toEqual([3, 0]);
    expect(await valuesOf(store, 'acme', ids)).toEqual([undefined, undefined, undefined]);
    for (const tenantId of ['acme2', 'globex']) {
      expect(await valuesOf(store, tenantId, ids)).toEqual([`${tenantId}/cred1 rotated`, `${tenantId}/cred2`, `${tenantId}/cred3`]);
    }
  });

  it('refuses to delete under a tenant id that could reach out of its prefix', async () => {
    const store = makeStore();
    for (const tenantId of ['..', 'acme/..', '', 'ACME']) await expect(store.deleteAll(tenantId)).rejects.toThrow(TenantSecretRefusedError);
  });

  it('keeps a staged value unread until it is promoted, then keeps the old one as the previous version', async () => {
    // Prepare
    const store = makeStore();
    await store.put('acme', 'cred1', 'old');

    // Act
    const staged = await store.stage('acme', 'cred1', 'new');
    const beforePromotion = await store.read('acme', 'cred1');
    await store.promote('acme', 'cred1', staged);
    await store.promote('acme', 'cred1', staged);

    // Assess
    expect(beforePromotion).toEqual({ current: { versionId: expect.any(String), value: 'old' } });
    expect(await store.read('acme', 'cred1')).toEqual({
      current: { versionId: staged, value: 'new' },
      previous: { versionId: beforePromotion?.current.versionId, value: 'old' },
    });
  });

  it('leaves the current value as it was when a staged value is discarded', async () => {
    // Prepare
    const store = makeStore();
    await store.put('acme', 'cred1', 'old');
    const before = await store.read('acme', 'cred1');

    // Act
    const staged = await store.stage('acme', 'cred1', 'new');
    await store.discard('acme', 'cred1', staged);
    await store.discard('acme', 'cred1', staged);

    // Assess
    expect(await store.read('acme', 'cred1')).toEqual(before);
  });
});

describe('the Secrets Manager store', () => {
  const setup = () => {
    const fake = new FakeSecretsManager(PREFIX);
    const store = new SecretsManagerCredentialStore({ prefix: PREFIX, kmsKeyId: 'alias/test', clientFor: fake.clientFor, lister: fake.lister });
    return { fake, store };
  };

  it("lists names with the function's own role and deletes each secret with the tenant's own session, without a recovery window", async () => {
    // Prepare: more secrets than one page of names
    const { fake, store } = setup();
    for (const id of ['a1', 'a2', 'a3', 'a4', 'a5']) await store.put('acme', id, id);
    await store.put('globex', 'g1', 'g1');
    fake.calls.length = 0;

    // Act
    const deleted = await store.deleteAll('acme');

    // Assess
    expect(deleted).toBe(5);
    expect([...fake.secrets.keys()]).toEqual([secretNameOf(PREFIX, 'globex', 'g1')]);
    const lists = fake.calls.filter((call) => call.command === 'ListSecretsCommand');
    expect(lists).toHaveLength(3);
    expect(lists.every((call) => 'functionRole' in call.principal)).toBe(true);
    const deletes = fake.calls.filter((call) => call.command === 'DeleteSecretCommand');
    expect(deletes.map((call) => call.principal)).toEqual(Array(5).fill({ tenantId: 'acme' }));
  });

  it('sends forced deletions, named under the tenant prefix, and filters the listing by that prefix', async () => {
    // Prepare
    const sent: unknown[] = [];
    const store = new SecretsManagerCredentialStore({
      prefix: PREFIX,
      clientFor: () => ({ send: async (command: unknown) => void sent.push(command) as never }),
      lister: {
        send: async (command: unknown) => {
          sent.push(command);
          return { SecretList: [{ Name: secretNameOf(PREFIX, 'acme', 'c1') }, { Name: secretNameOf(PREFIX, 'acme2', 'c1') }] } as never;
        },
      },
    });

    // Act
    await store.deleteAll('acme');

    // Assess: a name the listing wrongly returned (another tenant's) is never sent for deletion
    expect(sent.map((command) => (command as { input: unknown }).input)).toEqual([
      { Filters: [{ Key: 'name', Values: [`${PREFIX}/tenants/acme/model-credentials/`] }], IncludePlannedDeletion: true, MaxResults: 100 },
      { SecretId: secretNameOf(PREFIX, 'acme', 'c1'), ForceDeleteWithoutRecovery: true },
    ]);
  });

  it('refuses to purge without a client that may list names', async () => {
    const fake = new FakeSecretsManager(PREFIX);
    const store = new SecretsManagerCredentialStore({ prefix: PREFIX, clientFor: fake.clientFor });
    await expect(store.deleteAll('acme')).rejects.toThrow(/ListSecrets/);
  });

  it('succeeds again when a deletion was interrupted after some secrets went', async () => {
    // Prepare
    const { fake, store } = setup();
    for (const id of ['a1', 'a2', 'a3']) await store.put('acme', id, id);
    let deletions = 0;
    const send = fake.clientFor('acme').send;
    const flaky = new SecretsManagerCredentialStore({
      prefix: PREFIX,
      lister: fake.lister,
      clientFor: () => ({
        send: async (command: unknown) => {
          if (++deletions === 2) throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
          return send(command);
        },
      }),
    });

    // Act
    const interrupted = await flaky.deleteAll('acme').catch((error: Error) => error.name);
    const retried = await store.deleteAll('acme');

    // Assess
    expect(interrupted).toBe('ThrottlingException');
    expect(retried).toBe(2);
    expect(fake.secrets.size).toBe(0);
  });
});
