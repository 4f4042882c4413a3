import { NotFoundError } from '../core/errors';
import { DEFAULT_PAGE_SIZE, type Page } from '../core/request-conventions';
import type { CursorCodec } from '../data/cursor';
import type { MutationContext, MutationResult } from '../data/mutation.context';
import type { MutationExecutor, StoredResponse } from '../data/mutation.executor';
import { newApiKey } from '../identity/api-key.secret';
import type { ApiKeyRepository } from './api-key.repository';
import type { ApiKey, ApiKeyRecord, CreateApiKeyBody } from './api-key.schema';

export interface ApiKeyServiceOptions {
  readonly keys: Pick<ApiKeyRepository, 'find' | 'list' | 'createWrite' | 'revokeWrite'>;
  readonly mutations: Pick<MutationExecutor, 'execute'>;
  readonly cursors: CursorCodec;
  /** @default the system clock */
  readonly clock?: () => Date;
  /** @default `newApiKey` with crypto randomness */
  readonly newKey?: typeof newApiKey;
}

const DAY_MS = 86_400_000;

/** Without the hash: what the API shows of a key. */
export function presentApiKey({ secretHash: _hash, ...key }: ApiKeyRecord): ApiKey {
  return key;
}

/**
 * API keys of machine clients: made with one tenant role, shown once, stored as a hash, listed by their prefix,
 * revoked for good. Every change is one audited mutation of the tenant.
 */
export class ApiKeyService {
  private readonly clock: () => Date;
  private readonly newKey: typeof newApiKey;

  constructor(private readonly options: ApiKeyServiceOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.newKey = options.newKey ?? newApiKey;
  }

  /**
   * Makes a key. The answer carries the key itself; what is stored with an Idempotency-Key does not, so a retry
   * gets the key's record without its secret (the secret exists nowhere but in the first answer).
   */
  async create(context: MutationContext, body: CreateApiKeyBody): Promise<MutationResult> {
    const { tenantId } = context;
    const made = this.newKey(tenantId);
    const now = this.clock();
    const record: ApiKeyRecord = {
      tenantId,
      keyId: made.keyId,
      name: body.name,
      role: body.role,
      prefix: made.prefix,
      secretHash: made.secretHash,
      createdAt: now.toISOString(),
      createdBy: context.actor,
      ...(context.memberId ? { ownerUserId: context.memberId } : {}),
      ...(body.expiresInDays ? { expiresOn: new Date(now.getTime() + body.expiresInDays * DAY_MS).toISOString() } : {}),
    };
    const stored: StoredResponse = {
      status: 201,
      body: presentApiKey(record),
      headers: { location: `/v1/tenants/${tenantId}/api-keys/${record.keyId}` },
    };
    const outcome = await this.options.mutations.execute({
      tenantId,
      event: {
        actor: context.actor,
        action: 'api-key.create',
        target: `api-key/${record.keyId}`,
        requestId: context.requestId,
        change: { keyId: record.keyId, name: record.name, role: record.role, expiresOn: record.expiresOn },
      },
      writes: [this.options.keys.createWrite(record)],
      ...(context.idempotency ? { idempotency: context.idempotency, response: stored } : {}),
    });
    if (outcome.replayed) return { response: outcome.response, replayed: true };
    return { response: { ...stored, body: { ...presentApiKey(record), key: made.key } }, replayed: false };
  }

  /** A page of the tenant's keys (revoked ones included, marked by `revokedAt`). */
  async list(tenantId: string, query: { readonly limit?: number; readonly cursor?: string }): Promise<Page<ApiKey>> {
    const binding = { tenantId, list: 'api-keys' };
    const start = query.cursor ? this.options.cursors.decode(binding, query.cursor) : undefined;
    const page = await this.options.keys.list(tenantId, query.limit ?? DEFAULT_PAGE_SIZE, start);
    const nextCursor = this.options.cursors.encode(binding, page.lastEvaluatedKey);
    return { items: page.items.map(presentApiKey), ...(nextCursor ? { nextCursor } : {}) };
  }

  /** Revokes a key; revoking a revoked key changes nothing and succeeds. The authorizer refuses it at once. */
  async revoke(context: MutationContext, keyId: string): Promise<MutationResult> {
    const { tenantId } = context;
    const current = await this.options.keys.find(tenantId, keyId);
    if (!current) throw new NotFoundError(`API key ${keyId} not found`);
    const response: StoredResponse = { status: 204 };
    if (current.revokedAt) return { response, replayed: false };
    const outcome = await this.options.mutations.execute({
      tenantId,
      event: { actor: context.actor, action: 'api-key.revoke', target: `api-key/${keyId}`, requestId: context.requestId, change: { keyId } },
      writes: [this.options.keys.revokeWrite(tenantId, keyId, this.clock().toISOString(), context.actor)],
      ...(context.idempotency ? { idempotency: context.idempotency, response } : {}),
    });
    return outcome.replayed ? { response: outcome.response, replayed: true } : { response, replayed: false };
  }
}
