import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from '../core/errors';
import { etagOf, ifMatchAccepts } from '../core/request-conventions';
import { timeOrderedId } from '../data/ids';
import { withReplay, type MutationContext, type MutationResult } from '../data/mutation.context';
import type { MutationExecutor, StoredResponse } from '../data/mutation.executor';
import type { CredentialSecret } from '../models/model-provider';
import type { CredentialSecretStore } from './credential-store';
import type { ModelCredentialRepository } from './model-credential.repository';
import { secretPartOf, type CredentialBody, type ModelCredential } from './model-credential.schema';

/** Most credentials a tenant keeps (runs use the newest; the others wait to be deleted or made newest again). */
export const MAX_MODEL_CREDENTIALS = 10;

export interface ModelCredentialServiceDeps {
  readonly credentials: Pick<ModelCredentialRepository, 'get' | 'list' | 'put' | 'delete'>;
  readonly store: CredentialSecretStore;
  readonly mutations: Pick<MutationExecutor, 'execute' | 'findReplay'>;
  /** @default Date.now */
  readonly clock?: () => number;
  /**
   * Told when a secret could not be deleted or discarded around its item write (the caller gets the item write's own
   * outcome); the secret is left to the tenant's purge, which deletes every secret under its prefix. @default ignored
   */
  readonly onSecretLeft?: (error: unknown, secret: { readonly tenantId: string; readonly credentialId: string }) => void;
}

const stale = () => new PreconditionFailedError('the credential changed meanwhile: read it again');

/** What the provider adapters get of a body: the secret without its label. */
export function secretOf(body: CredentialBody): CredentialSecret {
  return body.kind === 'api-key'
    ? { kind: 'api-key', provider: body.provider, apiKey: body.apiKey }
    : { kind: 'aws-role', roleArn: body.roleArn, externalId: body.externalId };
}

/**
 * A tenant's own model-provider credentials: the secret goes to the credential store (encrypted, under the tenant's
 * prefix), the table keeps only what the API shows (id, kind, label, last four characters, dates). No answer and no
 * audit entry ever carries the secret.
 */
export class ModelCredentialService {
  private readonly clock: () => number;

  constructor(private readonly deps: ModelCredentialServiceDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  list(tenantId: string): Promise<ModelCredential[]> {
    return this.deps.credentials.list(tenantId);
  }

  async get(tenantId: string, credentialId: string): Promise<ModelCredential> {
    const credential = await this.deps.credentials.get(tenantId, credentialId);
    if (!credential) throw new NotFoundError(`credential ${credentialId} not found`);
    return credential;
  }

  /** Registers a credential: it becomes the one the tenant's runs use. */
  async create(context: MutationContext, body: CredentialBody): Promise<MutationResult> {
    const { tenantId } = context;
    return withReplay(this.deps.mutations, context, async () => {
      const existing = await this.deps.credentials.list(tenantId);
      if (existing.length >= MAX_MODEL_CREDENTIALS) throw new ConflictError(`the tenant has ${existing.length} credentials; delete one first`);
      const now = this.clock();
      const credential: ModelCredential = {
        credentialId: timeOrderedId(now),
        kind: body.kind,
        ...(body.label ? { label: body.label } : {}),
        last4: secretPartOf(body).slice(-4),
        version: 1,
        createdAt: new Date(now).toISOString(),
      };
      const undo = () => this.tidy(tenantId, credential.credentialId, () => this.deps.store.delete(tenantId, credential.credentialId));
      const response = presented(tenantId, 201, credential);
      try {
        await this.deps.store.put(tenantId, credential.credentialId, JSON.stringify(secretOf(body)));
        const outcome = await this.write(context, 'create', credential, this.deps.credentials.put(tenantId, credential, stale), response);
        // A concurrent retry with the same key registered it first: this secret has no item and never will.
        if (outcome.replayed) await undo();
        return outcome;
      } catch (error) {
        // Nothing names the secret: deleted before the item write's error is answered (a put that failed half-way too).
        await undo();
        throw error;
      }
    });
  }

  /**
   * Rotates the secret: the new value is staged, the item records the rotation, and only then is the new value made
   * current (the old one is kept until the new one has worked once). A refused or failed item write discards the
   * staged value: the old secret stays current and working.
   */
  async rotate(context: MutationContext, credentialId: string, body: CredentialBody): Promise<MutationResult> {
    const { tenantId } = context;
    return withReplay(this.deps.mutations, context, async () => {
      const current = await this.get(tenantId, credentialId);
      if (!ifMatchAccepts(context.ifMatch, current.version)) throw new PreconditionFailedError(`credential ${credentialId} is at version ${current.version}`);
      if (body.kind !== current.kind) {
        throw new ValidationError(
          `credential ${credentialId} is an ${current.kind} credential`,
          [{ pointer: 'body.kind', message: `must be ${current.kind}` }],
          'body',
        );
      }
      const next: ModelCredential = {
        ...current,
        ...(body.label ? { label: body.label } : {}),
        last4: secretPartOf(body).slice(-4),
        version: current.version + 1,
        rotatedAt: new Date(this.clock()).toISOString(),
      };
      const write = () => this.write(context, 'rotate', next, this.deps.credentials.put(tenantId, next, stale), presented(tenantId, 200, next));
      const value = JSON.stringify(secretOf(body));
      // A credential imported from another region has no secret here: the rotation stores it again, with nothing to keep.
      if (!(await this.deps.store.read(tenantId, credentialId))) {
        await this.deps.store.put(tenantId, credentialId, value);
        return write();
      }
      return this.withStagedSecret(tenantId, credentialId, value, write);
    });
  }

  /**
   * Stages the new value, writes the item, and only then makes the value current. A refused or failed write (or a
   * replay) discards it; should the promotion itself fail, the old value stays current and a new rotation follows.
   */
  private async withStagedSecret(tenantId: string, credentialId: string, value: string, write: () => Promise<MutationResult>): Promise<MutationResult> {
    const staged = await this.deps.store.stage(tenantId, credentialId, value);
    const discard = () => this.tidy(tenantId, credentialId, () => this.deps.store.discard(tenantId, credentialId, staged));
    let outcome: MutationResult;
    try {
      outcome = await write();
    } catch (error) {
      await discard();
      throw error;
    }
    if (outcome.replayed) await discard();
    else await this.deps.store.promote(tenantId, credentialId, staged);
    return outcome;
  }

  /** Deletes the credential and every version of its secret; runs then use the next newest, or the platform's access. */
  async remove(context: MutationContext, credentialId: string): Promise<MutationResult> {
    const { tenantId } = context;
    return withReplay(this.deps.mutations, context, async () => {
      const current = await this.get(tenantId, credentialId);
      if (!ifMatchAccepts(context.ifMatch, current.version)) throw new PreconditionFailedError(`credential ${credentialId} is at version ${current.version}`);
      const outcome = await this.write(context, 'delete', current, this.deps.credentials.delete(tenantId, credentialId, current.version, stale), {
        status: 204,
      });
      await this.tidy(tenantId, credentialId, () => this.deps.store.delete(tenantId, credentialId));
      return outcome;
    });
  }

  /** Runs a secret write that follows the item write's outcome; its failure is reported, never thrown over that outcome. */
  private async tidy(tenantId: string, credentialId: string, compensate: () => Promise<void>): Promise<void> {
    try {
      await compensate();
    } catch (error) {
      this.deps.onSecretLeft?.(error, { tenantId, credentialId });
    }
  }

  private async write(
    context: MutationContext,
    action: string,
    credential: ModelCredential,
    write: ReturnType<ModelCredentialRepository['put']>,
    response: StoredResponse,
  ): Promise<MutationResult> {
    const { credentialId, kind, last4, version } = credential;
    const outcome = await this.deps.mutations.execute({
      tenantId: context.tenantId,
      event: {
        actor: context.actor,
        action: `model-credential.${action}`,
        target: `model-credential/${credentialId}`,
        requestId: context.requestId,
        change: { credentialId, kind, last4, version },
      },
      writes: [write],
      ...(context.idempotency ? { idempotency: context.idempotency } : {}),
      response,
    });
    return outcome.replayed ? { response: outcome.response, replayed: true } : { response, replayed: false };
  }
}

function presented(tenantId: string, status: number, credential: ModelCredential): StoredResponse {
  return {
    status,
    body: credential,
    headers: {
      etag: etagOf(credential.version),
      ...(status === 201 ? { location: `/v1/tenants/${tenantId}/model-credentials/${credential.credentialId}` } : {}),
    },
  };
}
