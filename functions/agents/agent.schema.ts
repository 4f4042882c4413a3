import * as z from '../core/zod';
import { tenantIdSchema } from '../data/keys';
import { DEFAULT_PAGE_SIZE, paginationQueryShape } from '../core/request-conventions';
import { agentIdSchema } from './agent-id';

export const AGENT_STATUSES = ['ACTIVE', 'DISABLED'] as const;
export const agentStatusSchema = z.enum(AGENT_STATUSES);

/** Agent ids live apart (agent-id.ts), for the kinds that only name an agent. */
export { agentIdSchema } from './agent-id';

/** A tool the agent may call, by name. */
export const agentToolSchema = z.strictObject({
  name: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'tool name must be 1-64 letters, digits, _ or -')),
  description: z.optional(z.string().check(z.maxLength(1024))),
});

const toolsSchema = z.array(agentToolSchema).check(
  z.maxLength(50),
  z.refine((tools) => new Set(tools.map((tool) => tool.name)).size === tools.length, 'tool names must be unique'),
);

/** Tool definitions the agent may call, by tool id (each must exist in the tenant when the agent names it). */
const toolIdsSchema = z.array(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'tool id must be 1-64 letters, digits, _ or -'))).check(
  z.maxLength(50),
  z.refine((ids) => new Set(ids).size === ids.length, 'tool ids must be unique'),
);

/** An agent: a tenant's configured model with instructions and tools. */
export const agentSchema = z.object({
  agentId: agentIdSchema,
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
  modelId: z.string().check(z.minLength(1), z.maxLength(200)),
  instructions: z.string().check(z.maxLength(32_000)),
  tools: toolsSchema,
  toolIds: z._default(toolIdsSchema, []),
  status: agentStatusSchema,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /** Starts at 1 and grows by one with every change; the ETag of the agent. */
  version: z.int().check(z.positive()),
});
export type Agent = z.infer<typeof agentSchema>;

/** Stored bytes of an agent, as counted for storage metering. */
export function agentBytes(agent: Pick<Agent, 'name' | 'modelId' | 'instructions' | 'tools'>): number {
  return Buffer.byteLength(JSON.stringify([agent.name, agent.modelId, agent.instructions, agent.tools]), 'utf8');
}

/** Body of a create. */
export const createAgentSchema = z.strictObject({
  name: agentSchema.shape.name,
  modelId: agentSchema.shape.modelId,
  instructions: z._default(agentSchema.shape.instructions, ''),
  tools: z._default(toolsSchema, []),
  toolIds: z._default(toolIdsSchema, []),
  status: z._default(agentStatusSchema, 'ACTIVE'),
});
export type CreateAgent = z.input<typeof createAgentSchema>;

/** Body of an update: any of the changeable fields, at least one. */
export const updateAgentSchema = z
  .partial(
    z.strictObject({
      name: agentSchema.shape.name,
      modelId: agentSchema.shape.modelId,
      instructions: agentSchema.shape.instructions,
      tools: toolsSchema,
      toolIds: toolIdsSchema,
      status: agentStatusSchema,
    }),
  )
  .check(z.refine((patch) => Object.keys(patch).length > 0, 'an update changes at least one field'));
export type UpdateAgent = z.infer<typeof updateAgentSchema>;

/** Orders a list can come in: newest first, or by agent id. */
export const AGENT_LIST_ORDERS = ['newest', 'id'] as const;
export type AgentListOrder = (typeof AGENT_LIST_ORDERS)[number];

/** Query of a list. */
export const listAgentsQuerySchema = z.pipe(
  z.strictObject({ ...paginationQueryShape, order: z._default(z.enum(AGENT_LIST_ORDERS), 'newest') }),
  z.transform((query) => ({ ...query, limit: query.limit ?? DEFAULT_PAGE_SIZE })),
);
export type ListAgentsQuery = z.infer<typeof listAgentsQuerySchema>;

export const agentPathSchema = z.object({ tenantId: tenantIdSchema, agentId: agentIdSchema });
