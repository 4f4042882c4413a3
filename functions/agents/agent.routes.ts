import * as z from '../core/zod';
import type { RouteDefinition } from '../core/route';
import { ACCESS } from '../core/roles';
import { tenantPathSchema } from '../tenants/tenant.schema';
import { agentPageSchema } from './agent-list.schema';
import { agentPathSchema, agentSchema, createAgentSchema, listAgentsQuerySchema, updateAgentSchema } from './agent.schema';

/** The routes of the `agents` group, served by functions/api/agents.ts; the route table assembles them. */
export const AGENT_ROUTES = [
  // -- agents, memories, usage, audit (add routes of this area below this line)
  {
    operationId: 'listAgents',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/agents',
    group: 'agents',
    access: ACCESS.tenantRead,
    summary: "The tenant's agents, newest first or by id",
    request: { path: tenantPathSchema, query: listAgentsQuerySchema },
    response: agentPageSchema,
  },
  {
    operationId: 'createAgent',
    method: 'POST',
    path: '/v1/tenants/{tenantId}/agents',
    group: 'agents',
    access: ACCESS.tenantWrite,
    summary: 'Create an agent (counts against the plan; Idempotency-Key honoured)',
    request: { path: tenantPathSchema, body: createAgentSchema },
    response: agentSchema,
    successStatus: 201,
  },
  {
    operationId: 'getAgent',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/agents/{agentId}',
    group: 'agents',
    access: ACCESS.tenantRead,
    summary: 'Read an agent; its version is the ETag',
    request: { path: agentPathSchema },
    response: agentSchema,
  },
  {
    operationId: 'updateAgent',
    method: 'PATCH',
    path: '/v1/tenants/{tenantId}/agents/{agentId}',
    group: 'agents',
    access: ACCESS.tenantWrite,
    summary: 'Change fields of an agent (If-Match: its ETag, else 412 when stale)',
    request: { path: agentPathSchema, body: updateAgentSchema },
    response: agentSchema,
  },
  {
    operationId: 'deleteAgent',
    method: 'DELETE',
    path: '/v1/tenants/{tenantId}/agents/{agentId}',
    group: 'agents',
    access: ACCESS.tenantWrite,
    summary: 'Delete an agent that has no memories left (If-Match: its ETag)',
    request: { path: agentPathSchema },
    response: z.null(),
    successStatus: 204,
  },
] as const satisfies readonly RouteDefinition<'agents'>[];
