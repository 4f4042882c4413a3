import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../core/errors';
import type { RequestOf } from '../core/http';
import { DEFAULT_PAGE_SIZE, etagOf, ifMatchAccepts, pageSchema, paginationQueryShape } from '../core/request-conventions';
import { ACCESS } from '../core/roles';
import type { RouteDefinition } from '../core/route';
import { conditionOf, itemAbsent, itemExists, versionIs } from '../data/conditions';
import { fixedPartitions, writeBackAsIs, type DataKind, type KindServices } from '../data/data-kind';
import { timeOrderedId } from '../data/ids';
import { keys, SEPARATOR, sortKey, tenantIdSchema, tenantKey } from '../data/keys';
import { mutationContextOf, toOperationResult, withReplay, type MutationContext, type MutationResult } from '../data/mutation.context';
import type { CurrentItem, ItemWrite } from '../data/mutation.executor';
import type { QuotaCounter } from '../data/mutation.ports';
import { TABLE_SCHEMA } from '../data/table.schema';

/**
 * Tools: tenant-defined tool definitions (name, description, the JSON Schema of its input, and an HTTP endpoint or
 * one of the platform's built-in tools) that agents name by id. The whole kind lives here: schema, keys, the
 * catalogue descriptor, its routes (served by the agents group) and the operations behind them. Every write goes
 * through the mutation executor: audited, counted against the plan's `tools` limit, idempotent.
 */

const TOOL = 'TOOL';

/** Tool ids: letters, digits, `_` and `-` (never the key separator), 1–64 characters. */
export const toolIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'tool id must be 1-64 letters, digits, _ or -');

/** The platform's built-in tools a definition may stand for. */
export const BUILT_IN_TOOLS = ['memory-search', 'memory-write', 'current-time'] as const;

const MAX_INPUT_SCHEMA_BYTES = 16_384;

/** The JSON Schema of the tool's input: an object schema, at most 16 KiB as JSON. */
const inputSchemaSchema = z
  .record(z.string().max(64), z.unknown())
  .refine((schema) => schema.type === 'object', 'the input schema must be a JSON Schema of type "object"')
  .refine((schema) => Buffer.byteLength(JSON.stringify(schema), 'utf8') <= MAX_INPUT_SCHEMA_BYTES, `the input schema must be at most ${MAX_INPUT_SCHEMA_BYTES} bytes of JSON`);

/** Where a call of the tool goes: an HTTPS endpoint of the tenant, or a built-in tool of the platform. */
const endpointSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('http'), url: z.url({ protocol: /^https$/ }).max(2048), method: z.enum(['GET', 'POST']).default('POST') }).strict(),
  z.object({ kind: z.literal('built-in'), name: z.enum(BUILT_IN_TOOLS) }).strict(),
]);

export const toolSchema = z.object({
  toolId: toolIdSchema,
  name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'tool name must be 1-64 letters, digits, _ or -'),
  description: z.string().max(1024),
  inputSchema: inputSchemaSchema,
  endpoint: endpointSchema,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /** Starts at 1 and grows by one with every change; the ETag of the tool. */
  version: z.number().int().positive(),
});
export type Tool = z.infer<typeof toolSchema>;

const createToolSchema = z
  .object({
    name: toolSchema.shape.name,
    description: toolSchema.shape.description.default(''),
    inputSchema: inputSchemaSchema.default({ type: 'object' }),
    endpoint: endpointSchema,
  })
  .strict();

const updateToolSchema = createToolSchema
  .extend({ description: toolSchema.shape.description, inputSchema: inputSchemaSchema })
  .partial()
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, 'an update changes at least one field');

const listToolsQuerySchema = z
  .object({ ...paginationQueryShape })
  .strict()
  .transform((query) => ({ ...query, limit: query.limit ?? DEFAULT_PAGE_SIZE }));

const tenantPathSchema = z.object({ tenantId: tenantIdSchema }).strict();
const toolPathSchema = z.object({ tenantId: tenantIdSchema, toolId: toolIdSchema }).strict();

/** The key of a tool (built by the key module's builders): the tenant's tool partition, sorted by time-ordered id. */
const toolPartition = (tenantId: string) => tenantKey(tenantId, TOOL);
const toolKey = (tenantId: string, toolId: string) => ({ pk: toolPartition(tenantId), sk: sortKey(TOOL, toolId) });

/** The counter of the plan's `tools` limit (count, and bytes of the definitions). */
const toolCounter = (tenantId: string): QuotaCounter => ({ quota: 'tools', key: keys.quotaCounter(tenantId, 'TOOLS'), label: 'tools' });

const toolBytes = (tool: Pick<Tool, 'name' | 'description' | 'inputSchema' | 'endpoint'>) =>
  Buffer.byteLength(JSON.stringify([tool.name, tool.description, tool.inputSchema, tool.endpoint]), 'utf8');

const TOOL_ROUTES = [
  {
    operationId: 'listTools',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/tools',
    group: 'agents',
    access: ACCESS.tenantRead,
    summary: "The tenant's tool definitions, oldest first",
    request: { path: tenantPathSchema, query: listToolsQuerySchema },
    response: pageSchema(toolSchema),
  },
  {
    operationId: 'createTool',
    method: 'POST',
    path: '/v1/tenants/{tenantId}/tools',
    group: 'agents',
    access: ACCESS.tenantWrite,
    summary: 'Define a tool agents can name by id (counts against the plan; Idempotency-Key honoured)',
    request: { path: tenantPathSchema, body: createToolSchema },
    response: toolSchema,
    successStatus: 201,
  },
  {
    operationId: 'getTool',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/tools/{toolId}',
    group: 'agents',
    access: ACCESS.tenantRead,
    summary: 'Read a tool definition; its version is the ETag',
    request: { path: toolPathSchema },
    response: toolSchema,
  },
  {
    operationId: 'updateTool',
    method: 'PATCH',
    path: '/v1/tenants/{tenantId}/tools/{toolId}',
    group: 'agents',
    access: ACCESS.tenantWrite,
    summary: 'Change fields of a tool definition (If-Match: its ETag, else 412 when stale)',
    request: { path: toolPathSchema, body: updateToolSchema },
    response: toolSchema,
  },
  {
    operationId: 'deleteTool',
    method: 'DELETE',
    path: '/v1/tenants/{tenantId}/tools/{toolId}',
    group: 'agents',
    access: ACCESS.tenantWrite,
    summary: 'Delete a tool definition (If-Match: its ETag)',
    request: { path: toolPathSchema },
    response: z.null(),
    successStatus: 204,
  },
] as const satisfies readonly RouteDefinition<'agents'>[];

type ToolRequest<Id extends (typeof TOOL_ROUTES)[number]['operationId']> = RequestOf<Extract<(typeof TOOL_ROUTES)[number], { operationId: Id }>>;

class StaleToolError extends Error {}
const STALE_RETRIES = 3;

/** The tool operations over a group's services: reads by key, writes through the executor. */
function toolOperations(services: KindServices) {
  const clock = services.clock ?? Date.now;
  const get = async (tenantId: string, toolId: string): Promise<Tool | undefined> => {
    const { Item } = await services.db(tenantId).send(new GetCommand({ TableName: services.tableName, Key: toolKey(tenantId, toolId), ConsistentRead: true }));
    return Item ? toolSchema.parse(Item) : undefined;
  };
  const present = (tenantId: string, status: number) => (tool: Tool) => ({
    status,
    body: tool,
    headers: { etag: etagOf(tool.version), ...(status === 201 ? { location: `/v1/tenants/${tenantId}/tools/${tool.toolId}` } : {}) },
  });
  const write = async (context: MutationContext, action: string, toolId: string, writes: ItemWrite[], delta: number, bytes: number, response: { status: number }, change: unknown) => {
    const outcome = await services.executor.execute({
      tenantId: context.tenantId,
      event: { actor: context.actor, action: `tool.${action}`, target: `tool/${toolId}`, requestId: context.requestId, change },
      laneKey: toolId,
      writes,
      quotas: [{ counter: toolCounter(context.tenantId), delta, bytes }],
      ...(context.idempotency ? { idempotency: context.idempotency } : {}),
      response,
    });
    return outcome.replayed ? { response: outcome.response, replayed: true } : { response, replayed: false };
  };
  const versionError = (item: CurrentItem, toolId: string, expected: number, context: MutationContext) => {
    if (!item) return new NotFoundError(`tool ${toolId} not found`);
    if (context.ifMatch) return new PreconditionFailedError(`tool ${toolId} is no longer at version ${expected}`);
    return new StaleToolError();
  };
  const readThenWrite = (context: MutationContext, toolId: string, change: (current: Tool) => Promise<MutationResult>) =>
    withReplay(services.executor, context, async () => {
      for (let attempt = 1; ; attempt++) {
        const current = await get(context.tenantId, toolId);
        if (!current) throw new NotFoundError(`tool ${toolId} not found`);
        if (!ifMatchAccepts(context.ifMatch, current.version)) throw new PreconditionFailedError(`tool ${toolId} is at version ${current.version}`);
        try {
          return await change(current);
        } catch (error) {
          if (!(error instanceof StaleToolError)) throw error;
          if (attempt >= STALE_RETRIES) throw new PreconditionFailedError(`tool ${toolId} keeps changing; retry`);
        }
      }
    });
  const versioned = (current: Tool) => conditionOf(itemExists, versionIs(current.version));

  return {
    listTools: async ({ path, query }: ToolRequest<'listTools'>) => {
      const binding = { tenantId: path.tenantId, list: 'tools' };
      const start = query.cursor ? services.cursors.decode(binding, query.cursor) : undefined;
      const page = await services.db(path.tenantId).send(
        new QueryCommand({
          TableName: services.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :tool)',
          ExpressionAttributeNames: { '#pk': TABLE_SCHEMA.partitionKey, '#sk': TABLE_SCHEMA.sortKey },
          ExpressionAttributeValues: { ':pk': toolPartition(path.tenantId), ':tool': `${sortKey(TOOL)}${SEPARATOR}` },
          Limit: query.limit,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      const nextCursor = services.cursors.encode(binding, page.LastEvaluatedKey);
      return { body: { items: (page.Items ?? []).map((item) => toolSchema.parse(item)), ...(nextCursor ? { nextCursor } : {}) } };
    },
    createTool: async (request: ToolRequest<'createTool'>) => {
      const context = mutationContextOf(request);
      const now = clock();
      const time = new Date(now).toISOString();
      const tool = toolSchema.parse({ ...request.body, toolId: timeOrderedId(now), createdAt: time, updatedAt: time, version: 1 });
      const put: ItemWrite = {
        put: { Item: { ...toolKey(context.tenantId, tool.toolId), ...tool }, ...conditionOf(itemAbsent) },
        onConditionFailed: () => new ConflictError(`tool ${tool.toolId} exists`),
      };
      const response = present(context.tenantId, 201)(tool);
      return toOperationResult(await write(context, 'create', tool.toolId, [put], 1, toolBytes(tool), response, tool));
    },
    getTool: async ({ path }: ToolRequest<'getTool'>) => {
      const tool = await get(path.tenantId, path.toolId);
      if (!tool) throw new NotFoundError(`tool ${path.toolId} not found`);
      return { body: tool, headers: { etag: etagOf(tool.version) } };
    },
    updateTool: async (request: ToolRequest<'updateTool'>) => {
      const context = mutationContextOf(request);
      const { toolId } = request.path;
      return toOperationResult(
        await readThenWrite(context, toolId, (current) => {
          const next = toolSchema.parse({ ...current, ...request.body, updatedAt: new Date(clock()).toISOString(), version: current.version + 1 });
          const put: ItemWrite = {
            put: { Item: { ...toolKey(context.tenantId, toolId), ...next }, ...versioned(current) },
            onConditionFailed: (item) => versionError(item, toolId, current.version, context),
          };
          const change = { patch: request.body, version: next.version };
          return write(context, 'update', toolId, [put], 0, toolBytes(next) - toolBytes(current), present(context.tenantId, 200)(next), change);
        }),
      );
    },
    deleteTool: async (request: ToolRequest<'deleteTool'>) => {
      const context = mutationContextOf(request);
      const { toolId } = request.path;
      return toOperationResult(
        await readThenWrite(context, toolId, (current) => {
          const remove: ItemWrite = {
            delete: { Key: toolKey(context.tenantId, toolId), ...versioned(current) },
            onConditionFailed: (item) => versionError(item, toolId, current.version, context),
          };
          return write(context, 'delete', toolId, [remove], -1, -toolBytes(current), { status: 204 }, { version: current.version });
        }),
      );
    },
  };
}

/** Tools: one partition per tenant sorted by id; agents reference them by id (`itemKey`). */
export const toolKind: DataKind = {
  name: 'tool',
  retention: 'content',
  schema: toolSchema,
  accessPatterns: [{ name: 'get by tool id' }, { name: 'list by id' }],
  partitions: fixedPartitions(toolPartition),
  owns: (key, tenantId) => key.pk === toolPartition(tenantId),
  writeBack: writeBackAsIs,
  itemKey: toolKey,
  counter: toolCounter,
  api: { routes: TOOL_ROUTES, operations: toolOperations },
};
