import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as z from '../core/zod';
import { assertTenantSecret, ownTenantPrefix, secretNameOf, type CredentialSecretStore, type SecretVersion, type StoredSecret } from './credential-store';

/** The schemas of a store file, built at first use: nothing runs at import, so a Lambda bundle leaves all of this out. */
function storeFileSchemas() {
  const sealed = z.object({ versionId: z.string(), iv: z.string(), tag: z.string(), data: z.string() });
  return { sealed, file: z.object({ name: z.string(), current: sealed, previous: z.optional(sealed), staged: z.optional(sealed) }) };
}
let schemas: ReturnType<typeof storeFileSchemas> | undefined;
type Sealed = z.infer<ReturnType<typeof storeFileSchemas>['sealed']>;
type StoreFile = z.infer<ReturnType<typeof storeFileSchemas>['file']>;

/**
 * The local credential store: one file per secret under `directory`, each version sealed with AES-256-GCM under a
 * 256-bit key kept in the directory (created on first use, readable by its owner only). The secret's name and the
 * version id are the additional authenticated data, so a sealed version copied into another tenant's file does not
 * open. The tenant guard refuses any name outside the tenant's prefix, as IAM does in AWS.
 */
export class FileCredentialStore implements CredentialSecretStore {
  private key: Promise<Buffer> | undefined;

  constructor(
    private readonly directory: string,
    private readonly prefix: string,
  ) {}

  async put(tenantId: string, credentialId: string, value: string): Promise<string> {
    const name = this.nameOf(tenantId, credentialId);
    const existing = await this.load(name);
    const versionId = randomUUID();
    const current = await this.seal(name, { versionId, value });
    await this.save(name, { name, current, ...(existing ? { previous: existing.current } : {}) });
    return versionId;
  }

  async stage(tenantId: string, credentialId: string, value: string): Promise<string> {
    const name = this.nameOf(tenantId, credentialId);
    const existing = await this.load(name);
    if (!existing) throw new Error(`secret ${name} does not exist: nothing to rotate`);
    const versionId = randomUUID();
    await this.save(name, { ...existing, staged: await this.seal(name, { versionId, value }) });
    return versionId;
  }

  async promote(tenantId: string, credentialId: string, versionId: string): Promise<void> {
    const name = this.nameOf(tenantId, credentialId);
    const file = await this.load(name);
    if (file?.current.versionId === versionId) return;
    if (file?.staged?.versionId !== versionId) throw new Error(`secret ${name} has no staged version ${versionId}`);
    await this.save(name, { name, current: file.staged, previous: file.current });
  }

  async discard(tenantId: string, credentialId: string, versionId: string): Promise<void> {
    const name = this.nameOf(tenantId, credentialId);
    const file = await this.load(name);
    if (file?.staged?.versionId !== versionId) return;
    const { staged: _discarded, ...rest } = file;
    await this.save(name, rest);
  }

  async read(tenantId: string, credentialId: string): Promise<StoredSecret | undefined> {
    const name = this.nameOf(tenantId, credentialId);
    const file = await this.load(name);
    if (!file) return undefined;
    const current = await this.open(name, file.current);
    return file.previous ? { current, previous: await this.open(name, file.previous) } : { current };
  }

  async retire(tenantId: string, credentialId: string, versionId: string): Promise<void> {
    const name = this.nameOf(tenantId, credentialId);
    const file = await this.load(name);
    if (file?.previous?.versionId !== versionId) return;
    const { previous: _retired, ...rest } = file;
    await this.save(name, rest);
  }

  async delete(tenantId: string, credentialId: string): Promise<void> {
    await rm(this.pathOf(this.nameOf(tenantId, credentialId)), { force: true });
  }

  /** Removes the tenant's folder: every secret file in it, and any temporary file a crashed write left. */
  async deleteAll(tenantId: string): Promise<number> {
    const folder = join(this.directory, ownTenantPrefix(this.prefix, tenantId));
    const files = await readdir(folder).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    await rm(folder, { recursive: true, force: true });
    return files.filter((file) => file.endsWith('.json')).length;
  }

  private nameOf(tenantId: string, credentialId: string): string {
    const name = secretNameOf(this.prefix, tenantId, credentialId);
    assertTenantSecret(this.prefix, tenantId, name);
    return name;
  }

  private pathOf(name: string): string {
    return join(this.directory, `${name}.json`);
  }

  private async load(name: string): Promise<StoreFile | undefined> {
    try {
      const file = (schemas ??= storeFileSchemas()).file.parse(JSON.parse(await readFile(this.pathOf(name), 'utf8')));
      return file.name === name ? file : undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Written to a temporary file and renamed, so a reader never sees half a secret. */
  private async save(name: string, file: StoreFile): Promise<void> {
    const path = this.pathOf(name);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const temporary = `${path}.${randomUUID()}.tmp`;
    await writeFile(temporary, JSON.stringify(file), { mode: 0o600 });
    await rename(temporary, path);
  }

  private async seal(name: string, version: SecretVersion): Promise<Sealed> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', await this.storeKey(), iv);
    cipher.setAAD(Buffer.from(`${name}\n${version.versionId}`));
    const data = Buffer.concat([cipher.update(version.value, 'utf8'), cipher.final()]);
    return { versionId: version.versionId, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  private async open(name: string, sealed: Sealed): Promise<SecretVersion> {
    const decipher = createDecipheriv('aes-256-gcm', await this.storeKey(), Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(`${name}\n${sealed.versionId}`));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    const value = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
    return { versionId: sealed.versionId, value };
  }

  /** The store's key: read from `<directory>/store.key`, or made there (exclusively) on first use. */
  private storeKey(): Promise<Buffer> {
    this.key ??= (async () => {
      const path = join(this.directory, 'store.key');
      await mkdir(this.directory, { recursive: true, mode: 0o700 });
      try {
        await writeFile(path, randomBytes(32), { mode: 0o600, flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const key = await readFile(path);
      if (key.length !== 32) throw new Error(`${path} is not a 256-bit key`);
      return key;
    })();
    return this.key;
  }
}
