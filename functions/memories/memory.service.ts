import { NotFoundError, PreconditionFailedError } from '../core/errors';
import { ifMatchAccepts, type Page } from '../core/request-conventions';
import { timeOrderedId } from '../data/ids';
import { withReplay, type MutationContext, type MutationResult, type Presenter } from '../data/mutation.context';
import type { MutationExecutor } from '../data/mutation.executor';
import { quotaCounters } from '../quotas/quota.counters';
import { StaleReadError, type MemoryRepository } from './memory.repository';
import { memoryBytes } from './memory.schema';
import type { CreateMemoryBody, ListMemoriesQuery, Memory, UpdateMemoryBody } from './memory.schema';

export interface MemoryServiceDeps {
  readonly executor: Pick<MutationExecutor, 'execute' | 'findReplay'>;
  /** The memory repository of a tenant (built on its scoped client). */
  readonly memories: (tenantId: string) => MemoryRepository;
  /** @default Date.now */
  readonly clock?: () => number;
}

/** How often a write without If-Match re-reads after losing a race before giving up with 412. */
const STALE_RETRIES = 3;

const target = (agentId: string, memoryId: string) => `agent/${agentId}/memory/${memoryId}`;

/**
 * Rules of agent memories: a memory belongs to an existing agent of the tenant, counts against the plan's
 * memories-per-agent limit (atomically, in the create transaction), and every change is audited in the same
 * transaction. Memories of one agent share the agent's audit lane, so their history is one chain.
 */
export class MemoryService {
  private readonly clock: () => number;

  constructor(private readonly deps: MemoryServiceDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  async create(context: MutationContext, agentId: string, body: CreateMemoryBody, present: Presenter<Memory>): Promise<MutationResult> {
    const { tenantId } = context;
    const now = this.clock();
    const time = new Date(now).toISOString();
    const memory: Memory = {
      memoryId: timeOrderedId(now),
      agentId,
      content: body.content,
      metadata: body.metadata ?? {},
      tags: body.tags ?? [],
      ...(body.expiresAt ? { expiresAt: new Date(Math.floor(Date.parse(body.expiresAt) / 1000) * 1000).toISOString() } : {}),
      createdAt: time,
      updatedAt: time,
      version: 1,
    };
    const response = present(memory);
    const outcome = await this.deps.executor.execute({
      tenantId,
      event: { actor: context.actor, action: 'memory.create', target: target(agentId, memory.memoryId), requestId: context.requestId, change: memory },
      writes: this.deps.memories(tenantId).createWrites(memory),
      quotas: [{ counter: quotaCounters.memories(tenantId, agentId), delta: 1, bytes: memoryBytes(memory) }],
      ...(context.idempotency ? { idempotency: context.idempotency } : {}),
      response,
    });
    return outcome.replayed ? { response: outcome.response, replayed: true } : { response, replayed: false };
  }

  async get(tenantId: string, agentId: string, memoryId: string): Promise<Memory> {
    const memory = await this.deps.memories(tenantId).get(agentId, memoryId);
    if (!memory) throw new NotFoundError(`memory ${memoryId} not found`);
    return memory;
  }

  list(tenantId: string, agentId: string, query: ListMemoriesQuery): Promise<Page<Memory>> {
    return this.deps.memories(tenantId).list(agentId, query);
  }

  update(context: MutationContext, agentId: string, memoryId: string, patch: UpdateMemoryBody, present: Presenter<Memory>): Promise<MutationResult> {
    return this.readThenWrite(context, agentId, memoryId, async (repository, current) => {
      const { expiresAt, ...fields } = patch;
      const next: Memory = { ...current, ...fields, updatedAt: new Date(this.clock()).toISOString(), version: current.version + 1 };
      if (expiresAt === null) delete (next as { expiresAt?: string }).expiresAt;
      else if (expiresAt) next.expiresAt = new Date(Math.floor(Date.parse(expiresAt) / 1000) * 1000).toISOString();
      const response = present(next);
      const outcome = await this.deps.executor.execute({
        tenantId: context.tenantId,
        event: {
          actor: context.actor,
          action: 'memory.update',
          target: target(agentId, memoryId),
          requestId: context.requestId,
          change: { patch, version: next.version },
        },
        writes: [repository.replaceWrite(next, current.version, context.ifMatch !== undefined)],
        quotas: [{ counter: quotaCounters.memories(context.tenantId, agentId), delta: 0, bytes: memoryBytes(next) - memoryBytes(current) }],
        ...(context.idempotency ? { idempotency: context.idempotency } : {}),
        response,
      });
      return outcome.replayed ? { response: outcome.response, replayed: true } : { response, replayed: false };
    });
  }

  delete(context: MutationContext, agentId: string, memoryId: string): Promise<MutationResult> {
    return this.readThenWrite(context, agentId, memoryId, async (repository, current) => {
      const response = { status: 204 };
      const outcome = await this.deps.executor.execute({
        tenantId: context.tenantId,
        event: {
          actor: context.actor,
          action: 'memory.delete',
          target: target(agentId, memoryId),
          requestId: context.requestId,
          change: { version: current.version },
        },
        writes: [repository.deleteWrite(current, current.version, context.ifMatch !== undefined)],
        quotas: [{ counter: quotaCounters.memories(context.tenantId, agentId), delta: -1, bytes: -memoryBytes(current) }],
        ...(context.idempotency ? { idempotency: context.idempotency } : {}),
        response,
      });
      return outcome.replayed ? { response: outcome.response, replayed: true } : { response, replayed: false };
    });
  }

  /** Read, check If-Match, write conditioned on the version read; without If-Match a lost race reads again. */
  private readThenWrite(
    context: MutationContext,
    agentId: string,
    memoryId: string,
    write: (repository: MemoryRepository, current: Memory) => Promise<MutationResult>,
  ): Promise<MutationResult> {
    return withReplay(this.deps.executor, context, async () => {
      const repository = this.deps.memories(context.tenantId);
      for (let attempt = 1; ; attempt++) {
        const current = await repository.get(agentId, memoryId);
        if (!current) throw new NotFoundError(`memory ${memoryId} not found`);
        if (!ifMatchAccepts(context.ifMatch, current.version)) {
          throw new PreconditionFailedError(`memory ${memoryId} is at version ${current.version}`);
        }
        try {
          return await write(repository, current);
        } catch (error) {
          if (!(error instanceof StaleReadError)) throw error;
          if (attempt >= STALE_RETRIES) throw new PreconditionFailedError(`memory ${memoryId} keeps changing; retry`);
        }
      }
    });
  }
}
