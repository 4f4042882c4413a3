import type { RuntimeConfig } from './runtime-config';
import { createGroupHandler } from '../core/http';
import { etagOf } from '../core/request-conventions';
import { mutationContextOf, toOperationResult } from '../data/mutation.context';
import { MemoryRepository } from '../memories/memory.repository';
import type { Memory } from '../memories/memory.schema';
import { MemoryService } from '../memories/memory.service';
import { MEMORY_ROUTES } from '../memories/memory.routes';
import type { RequestFor } from '../routes';
import { createResourceDependencies, lazyHandler, type ResourceDependencies, tenantSignalsOf } from './dependencies';

/** Agent memories: create (quota-checked per agent), read, list by tag and time, update and delete, all audited. */
export function createHandler(config: RuntimeConfig, deps: ResourceDependencies = createResourceDependencies(config, 'memories')) {
  const memories = new MemoryService({
    executor: deps.executor,
    memories: (tenantId) =>
      new MemoryRepository({ db: deps.db(tenantId), tableName: deps.tableName, tenantId, cursors: deps.cursors, ...(deps.clock ? { clock: deps.clock } : {}) }),
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  const present = (tenantId: string, status: number) => (memory: Memory) => ({
    status,
    body: memory,
    headers: {
      etag: etagOf(memory.version),
      ...(status === 201 ? { location: `/v1/tenants/${tenantId}/agents/${memory.agentId}/memories/${memory.memoryId}` } : {}),
    },
  });
  return createGroupHandler({
    tenantSignals: tenantSignalsOf(config),
    logger: deps.logger,
    ...(deps.telemetry ? { telemetry: deps.telemetry } : {}),
    routes: MEMORY_ROUTES,
    tenantGate: deps.tenantGate,
    operations: {
      listMemories: async ({ path, query }: RequestFor<'listMemories'>) => ({ body: await memories.list(path.tenantId, path.agentId, query) }),
      createMemory: async (request: RequestFor<'createMemory'>) =>
        toOperationResult(await memories.create(mutationContextOf(request), request.path.agentId, request.body, present(request.path.tenantId, 201))),
      getMemory: async ({ path }: RequestFor<'getMemory'>) => {
        const memory = await memories.get(path.tenantId, path.agentId, path.memoryId);
        return { body: memory, headers: { etag: etagOf(memory.version) } };
      },
      updateMemory: async (request: RequestFor<'updateMemory'>) =>
        toOperationResult(
          await memories.update(mutationContextOf(request), request.path.agentId, request.path.memoryId, request.body, present(request.path.tenantId, 200)),
        ),
      deleteMemory: async (request: RequestFor<'deleteMemory'>) =>
        toOperationResult(await memories.delete(mutationContextOf(request), request.path.agentId, request.path.memoryId)),
    },
  });
}

export const handler = lazyHandler(createHandler);
