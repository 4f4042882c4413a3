import * as z from '../core/zod';
import type { RouteDefinition } from '../core/route';
import { ACCESS } from '../core/roles';
import {
  createMemoryBodySchema,
  listMemoriesQuerySchema,
  memoriesPathSchema,
  memoryPageSchema,
  memoryPathSchema,
  memorySchema,
  updateMemoryBodySchema,
} from './memory.schema';

/** The routes of the `memories` group, served by functions/api/memories.ts; the route table assembles them. */
export const MEMORY_ROUTES = [
  {
    operationId: 'listMemories',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/agents/{agentId}/memories',
    group: 'memories',
    access: ACCESS.tenantRead,
    summary: "An agent's memories, newest first; by tag and creation time range",
    request: { path: memoriesPathSchema, query: listMemoriesQuerySchema },
    response: memoryPageSchema,
  },
  {
    operationId: 'createMemory',
    method: 'POST',
    path: '/v1/tenants/{tenantId}/agents/{agentId}/memories',
    group: 'memories',
    access: ACCESS.tenantWrite,
    summary: 'Store a memory for an agent, optionally expiring (counts against the plan; Idempotency-Key honoured)',
    request: { path: memoriesPathSchema, body: createMemoryBodySchema },
    response: memorySchema,
    successStatus: 201,
  },
  {
    operationId: 'getMemory',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/agents/{agentId}/memories/{memoryId}',
    group: 'memories',
    access: ACCESS.tenantRead,
    summary: 'Read a memory; its version is the ETag',
    request: { path: memoryPathSchema },
    response: memorySchema,
  },
  {
    operationId: 'updateMemory',
    method: 'PATCH',
    path: '/v1/tenants/{tenantId}/agents/{agentId}/memories/{memoryId}',
    group: 'memories',
    access: ACCESS.tenantWrite,
    summary: 'Change a memory (If-Match: its ETag, else 412 when stale); expiresAt null removes the expiry',
    request: { path: memoryPathSchema, body: updateMemoryBodySchema },
    response: memorySchema,
  },
  {
    operationId: 'deleteMemory',
    method: 'DELETE',
    path: '/v1/tenants/{tenantId}/agents/{agentId}/memories/{memoryId}',
    group: 'memories',
    access: ACCESS.tenantWrite,
    summary: 'Delete a memory (If-Match: its ETag)',
    request: { path: memoryPathSchema },
    response: z.null(),
    successStatus: 204,
  },
] as const satisfies readonly RouteDefinition<'memories'>[];
