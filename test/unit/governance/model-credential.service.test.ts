import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConflictError, PreconditionFailedError } from '../../../functions/core/errors';
import type { MutationContext } from '../../../functions/data/mutation.context';
import type { Mutation, MutationExecutor } from '../../../functions/data/mutation.executor';
import type { CredentialSecretStore } from '../../../functions/governance/credential-store';
import { FileCredentialStore } from '../../../functions/governance/credential-store.file';
import { SecretsManagerCredentialStore } from '../../../functions/governance/credential-store.secrets-manager';
import { CredentialedModelProvider } from '../../../functions/governance/credentialed.model-provider';
import { ModelCredentialRepository } from '../../../functions/governance/model-credential.repository';
import type { ModelCredential } from '../../../functions/governance/model-credential.schema';
import { ModelCredentialService } from '../../../functions/governance/model-credential.service';
import type { ModelInvocation, ModelProvider } from '../../../functions/models/model-provider';
import { FakeSecretsManager } from '../../support/fake-secrets-manager';

const PREFIX = 'agent-platform-test';
const TENANT = 'acme';
const API_KEY = 'bedrock-api-key-0000000000-old';
const scratch = mkdtempSync(join(tmpdir(), 'credential-service-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The credential items in memory; the item write fails with `failure` (once) as the table would refuse it. */
class FakeItems {
  readonly items = new Map<string, ModelCredential>();
  failure: Error | undefined;
  private readonly builder = new ModelCredentialRepository(() => {
    throw new Error('no table here');
  }, 'table');

  readonly credentials = {
    get: async (_tenantId: string, credentialId: string) => this.items.get(credentialId),
    list: async () => [...this.items.values()],
    put: this.builder.put.bind(this.builder),
    delete: this.builder.delete.bind(this.builder),
  };

  readonly mutations: Pick<MutationExecutor, 'execute' | 'findReplay'> = {
    findReplay: async () => undefined,
    execute: async (mutation: Mutation) => {
      const failure = this.failure;
      this.failure = undefined;
      if (failure) throw failure;
      for (const write of mutation.writes ?? []) {
        if ('put' in write && write.put) {
          const item = write.put.Item as ModelCredential;
          this.items.set(item.credentialId, item);
        }
      }
      return { replayed: false, entry: {} as never };
    },
  };
}

/** Each store over a fresh backing store, with a way to count the secrets it holds. */
const STORES: readonly [string, () => { store: CredentialSecretStore; secretCount: () => Promise<number>; breakDelete: () => void }][] = [
  [
    'the file store',
    () => {
      const directory = mkdtempSync(join(scratch, 'files-'));
      const store = new FileCredentialStore(directory, PREFIX);
      return {
        store,
        // Counted by purging through a second store over the same files: each test counts last.
        secretCount: () => new FileCredentialStore(directory, PREFIX).deleteAll(TENANT),
        breakDelete: () => {
          store.delete = async () => {
            throw new Error('disk gone');
          };
        },
      };
    },
  ],
  [
    'the Secrets Manager store',
    () => {
      const fake = new FakeSecretsManager(PREFIX);
      const store = new SecretsManagerCredentialStore({ prefix: PREFIX, kmsKeyId: 'alias/test', clientFor: fake.clientFor, lister: fake.lister });
      return { store, secretCount: async () => fake.secrets.size, breakDelete: () => fake.failNext.set('DeleteSecretCommand', 'InternalServiceError') };
    },
  ],
];

const context = (ifMatch?: number): MutationContext => ({
  tenantId: TENANT,
  actor: 'user:u1',
  requestId: 'req-1',
  ...(ifMatch ? { ifMatch: { any: false, versions: [ifMatch] } } : {}),
});
const body = (apiKey: string) => ({ kind: 'api-key' as const, provider: 'bedrock' as const, apiKey });

/** The key a model call through the tenant's credential is made with. */
async function keyUsed(store: CredentialSecretStore, credentialId: string): Promise<string | undefined> {
  let used: string | undefined;
  const inner: ModelProvider = {
    name: 'bedrock',
    invoke: async (invocation: ModelInvocation) => {
      const secret = invocation.credential?.secret;
      used = secret?.kind === 'api-key' ? secret.apiKey : undefined;
      return { output: 'ok', usage: { inputTokens: 1, outputTokens: 1 } };
    },
  };
  await new CredentialedModelProvider({ inner, store, ttlMs: 0 }).invoke({
    modelId: 'bedrock.test',
    instructions: 'Be brief.',
    input: 'hello',
    metadata: { tenantId: TENANT },
    credential: { id: credentialId },
  });
  return used;
}

describe.each(STORES)('own model credentials over %s', (_name, makeStore) => {
  it('leaves no secret behind when the item write of a registration is refused, and answers the refusal', async () => {
    // Prepare
    const { store, secretCount } = makeStore();
    const fake = new FakeItems();
    const service = new ModelCredentialService({ credentials: fake.credentials, store, mutations: fake.mutations });
    fake.failure = new ConflictError('the tenant changed meanwhile');

    // Act
    const refused = await service.create(context(), body(API_KEY)).catch((error: unknown) => error);

    // Assess
    expect(refused).toBeInstanceOf(ConflictError);
    expect(fake.items.size).toBe(0);
    expect(await secretCount()).toBe(0);
  });

  it('answers the refusal of the item write even when deleting the secret fails too, and reports the secret left for the purge', async () => {
    // Prepare
    const { store, secretCount, breakDelete } = makeStore();
    const fake = new FakeItems();
    const undone: unknown[] = [];
    const service = new ModelCredentialService({
      credentials: fake.credentials,
      store,
      mutations: fake.mutations,
      onSecretLeft: (_error, secret) => undone.push(secret),
    });
    fake.failure = new ConflictError('the tenant changed meanwhile');
    breakDelete();

    // Act
    const refused = await service.create(context(), body(API_KEY)).catch((error: unknown) => error);

    // Assess
    expect(refused).toBeInstanceOf(ConflictError);
    expect(undone).toEqual([{ tenantId: TENANT, credentialId: expect.any(String) }]);
    expect(await secretCount()).toBe(1);
  });

  it('keeps the old secret current and usable when the item write of a rotation fails', async () => {
    // Prepare
    const { store } = makeStore();
    const fake = new FakeItems();
    const service = new ModelCredentialService({ credentials: fake.credentials, store, mutations: fake.mutations });
    const created = await service.create(context(), body(API_KEY));
    const { credentialId } = created.response.body as ModelCredential;
    fake.failure = new PreconditionFailedError('the credential changed meanwhile: read it again');

    // Act
    const refused = await service.rotate(context(1), credentialId, body(`${API_KEY}-new`)).catch((error: unknown) => error);

    // Assess: the old key is the only version, and model calls use it
    expect(refused).toBeInstanceOf(PreconditionFailedError);
    expect(await store.read(TENANT, credentialId)).toEqual({ current: { versionId: expect.any(String), value: expect.stringContaining(API_KEY) } });
    expect(await keyUsed(store, credentialId)).toBe(API_KEY);
    expect(fake.items.get(credentialId)).toMatchObject({ version: 1, last4: API_KEY.slice(-4) });
  });

  it('makes the new secret current once the item records the rotation, keeping the old one as the previous', async () => {
    // Prepare
    const { store } = makeStore();
    const fake = new FakeItems();
    const service = new ModelCredentialService({ credentials: fake.credentials, store, mutations: fake.mutations });
    const created = await service.create(context(), body(API_KEY));
    const { credentialId } = created.response.body as ModelCredential;

    // Act
    await service.rotate(context(1), credentialId, body(`${API_KEY}-new`));

    // Assess
    const stored = await store.read(TENANT, credentialId);
    expect([stored?.current.value, stored?.previous?.value].map((value) => JSON.parse(value ?? '{}').apiKey)).toEqual([`${API_KEY}-new`, API_KEY]);
    expect(await keyUsed(store, credentialId)).toBe(`${API_KEY}-new`);
    expect(fake.items.get(credentialId)).toMatchObject({ version: 2 });
  });

  it('stores the secret again when a credential imported from another region, without its secret, is rotated', async () => {
    // Prepare
    const { store } = makeStore();
    const fake = new FakeItems();
    const service = new ModelCredentialService({ credentials: fake.credentials, store, mutations: fake.mutations });
    const created = await service.create(context(), body(API_KEY));
    const { credentialId } = created.response.body as ModelCredential;
    await store.delete(TENANT, credentialId);

    // Act
    await service.rotate(context(1), credentialId, body(`${API_KEY}-new`));

    // Assess
    expect(await keyUsed(store, credentialId)).toBe(`${API_KEY}-new`);
  });

  it('deletes the secret with the credential, and answers the deletion even when the secret cannot be deleted', async () => {
    // Prepare
    const { store, secretCount, breakDelete } = makeStore();
    const fake = new FakeItems();
    const left: unknown[] = [];
    const service = new ModelCredentialService({
      credentials: fake.credentials,
      store,
      mutations: fake.mutations,
      onSecretLeft: (_e, secret) => left.push(secret),
    });
    const ids: string[] = [];
    for (const key of [API_KEY, `${API_KEY}-2`]) ids.push(((await service.create(context(), body(key))).response.body as ModelCredential).credentialId);

    // Act
    const removed = await service.remove(context(1), ids[0]);
    breakDelete();
    const removedAnyway = await service.remove(context(1), ids[1]);

    // Assess: the first secret is gone, the second is reported and left to the purge
    expect([removed.response.status, removedAnyway.response.status]).toEqual([204, 204]);
    expect(await store.read(TENANT, ids[0])).toBeUndefined();
    expect(left).toEqual([{ tenantId: TENANT, credentialId: ids[1] }]);
    expect(await secretCount()).toBe(1);
  });
});
