import { TenantCache } from '../core/tenant-cache';
import { ModelInvocationError, type ModelInvocation, type ModelProvider, type ModelResult } from '../models/model-provider';
import type { CredentialSecretStore, SecretVersion, StoredSecret } from './credential-store';
import { credentialSecretSchema } from './model-credential.schema';

export interface CredentialedModelProviderOptions {
  readonly inner: ModelProvider;
  readonly store: Pick<CredentialSecretStore, 'read' | 'retire'>;
  /** How long a tenant's secret is kept in the container. @default 5 s; 0 reads it for every call */
  readonly ttlMs?: number;
  /** Told when a previous version could not be retired (the call itself succeeded). @default ignored */
  readonly onRetireError?: (error: unknown) => void;
}

/**
 * The model-provider port with the tenant's own credential put in: a call that names a credential (the model
 * governance names the tenant's newest) gets its secret from the credential store, read with the calling tenant's id
 * (in AWS with its own session, which IAM lets read only that tenant's secrets). After a rotation the new version
 * is tried first; should the provider refuse it, the previous one answers, so the rotation costs no failed step. The
 * first success with the new version retires the previous one.
 */
export class CredentialedModelProvider implements ModelProvider {
  readonly name: ModelProvider['name'];
  private readonly cache: TenantCache<{ readonly stored: StoredSecret | undefined }> | undefined;

  constructor(private readonly options: CredentialedModelProviderOptions) {
    this.name = options.inner.name;
    const ttlMs = options.ttlMs ?? 5_000;
    this.cache = ttlMs > 0 ? new TenantCache({ capacity: 1_000, ttlMs }) : undefined;
  }

  async invoke(invocation: ModelInvocation): Promise<ModelResult> {
    const ref = invocation.credential;
    const tenantId = invocation.metadata?.tenantId;
    if (!ref || ref.secret || !tenantId) return this.options.inner.invoke(invocation);
    const stored = await this.secretOf(tenantId, ref.id);
    if (!stored) throw new ModelInvocationError(`the tenant's model credential ${ref.id} has no secret here: register it again`);
    const call = (version: SecretVersion) =>
      this.options.inner.invoke({ ...invocation, credential: { id: ref.id, secret: credentialSecretSchema.parse(JSON.parse(version.value)) } });
    let result: ModelResult;
    try {
      result = await call(stored.current);
    } catch (error) {
      if (!stored.previous || !(error instanceof ModelInvocationError) || !error.credentialRejected) throw error;
      return { ...(await call(stored.previous)), credentialId: ref.id };
    }
    if (stored.previous) await this.retire(tenantId, ref.id, stored.previous.versionId);
    return { ...result, credentialId: ref.id };
  }

  private async secretOf(tenantId: string, credentialId: string): Promise<StoredSecret | undefined> {
    const load = async () => ({ stored: await this.options.store.read(tenantId, credentialId) });
    return (this.cache ? await this.cache.getOrLoad(tenantId, `credential:${credentialId}`, load) : await load()).stored;
  }

  private async retire(tenantId: string, credentialId: string, versionId: string): Promise<void> {
    try {
      await this.options.store.retire(tenantId, credentialId, versionId);
      this.cache?.delete(tenantId, `credential:${credentialId}`);
    } catch (error) {
      this.options.onRetireError?.(error);
    }
  }
}
