import * as z from 'zod';
import { tenantIdSchema } from '../data/keys';
import { DEFAULT_PAGE_SIZE, paginationQueryShape } from '../core/request-conventions';

export const AGENT_STATUSES = ['ACTIVE', 'DISABLED'] as const;
export const agentStatusSchema = z.enum(AGENT_STATUSES);

/** Agent ids: letters, digits, `_` and `-` (never the key separator), 1–64 characters. */
export const agentIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'agent id must be 1-64 letters, digits, _ or -');

/** A tool the agent may call, by name. */
export const agentToolSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'tool name must be 1-64 letters, digits, _ or -'),
    description: z.string().max(1024).optional(),
  })
  .strict();

const toolsSchema = z
  .array(agentToolSchema)
  .max(50)
  .refine((tools) => new Set(tools.map((tool) => tool.name)).size === tools.length, 'tool names must be unique');

/** Tool definitions the agent may call, by tool id (each must exist in the tenant when the agent names it). */
const toolIdsSchema = z
  .array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'tool id must be 1-64 letters, digits, _ or -'))
  .max(50)
  .refine((ids) => new Set(ids).size === ids.length, 'tool ids must be unique');

/** An agent: a tenant's configured model with instructions and tools. */
export const agentSchema = z.object({
  agentId: agentIdSchema,
  name: z.string().trim().min(1).max(200),
  modelId: z.string().min(1).max(200),
  instructions: z.string().max(32_000),
  tools: toolsSchema,
  toolIds: toolIdsSchema.default([]),
  status: agentStatusSchema,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /** Starts at 1 and grows by one with every change; the ETag of the agent. */
  version: z.number().int().positive(),
});
export type Agent = z.infer<typeof agentSchema>;

/** Body of a create. */
export const createAgentSchema = z
  .object({
    name: agentSchema.shape.name,
    modelId: agentSchema.shape.modelId,
    instructions: agentSchema.shape.instructions.default(''),
    tools: toolsSchema.default([]),
    toolIds: toolIdsSchema.default([]),
    status: agentStatusSchema.default('ACTIVE'),
  })
  .strict();
export type CreateAgent = z.input<typeof createAgentSchema>;

/** Body of an update: any of the changeable fields, at least one. */
export const updateAgentSchema = z
  .object({
    name: agentSchema.shape.name,
    modelId: agentSchema.shape.modelId,
    instructions: agentSchema.shape.instructions,
    tools: toolsSchema,
    toolIds: toolIdsSchema,
    status: agentStatusSchema,
  })
  .partial()
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, 'an update changes at least one field');
export type UpdateAgent = z.infer<typeof updateAgentSchema>;

/** Orders a list can come in: newest first, or by agent id. */
export const AGENT_LIST_ORDERS = ['newest', 'id'] as const;
export type AgentListOrder = (typeof AGENT_LIST_ORDERS)[number];

/** Query of a list. */
export const listAgentsQuerySchema = z
  .object({ ...paginationQueryShape, order: z.enum(AGENT_LIST_ORDERS).default('newest') })
  .strict()
  .transform((query) => ({ ...query, limit: query.limit ?? DEFAULT_PAGE_SIZE }));
export type ListAgentsQuery = z.infer<typeof listAgentsQuerySchema>;

export const agentPathSchema = z.object({ tenantId: tenantIdSchema, agentId: agentIdSchema });
