import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../core/zod';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../core/errors';
import type { RequestOf } from '../core/http';
import { DEFAULT_PAGE_SIZE, etagOf, ifMatchAccepts, pageSchema, paginationQueryShape } from '../core/request-conventions';
import { ACCESS } from '../core/roles';
import type { RouteDefinition } from '../core/route';
import { conditionOf, itemAbsent, itemExists, versionIs } from '../data/conditions';
import type { KindApi, KindServices } from '../data/data-kind';
import { timeOrderedId } from '../data/ids';
import { SEPARATOR, sortKey, tenantIdSchema } from '../data/keys';
import { mutationContextOf, toOperationResult, withReplay, type MutationContext, type MutationResult } from '../data/mutation.context';
import type { CurrentItem, ItemWrite, StoredResponse } from '../data/mutation.executor';
import { TABLE_SCHEMA } from '../data/table.schema';
import { endpointSchema, inputSchemaSchema, TOOL, toolBytes, toolCounter, toolIdSchema, toolKey, toolPartition, toolSchema, type Tool } from './tool.kind';

/**
 * The tool definitions' API, served by the agents group: its routes and the operations behind them. Every write
 * goes through the mutation executor: audited, counted against the plan's `tools` limit, idempotent. Listed in
 * resource-api.catalogue.ts; the kind itself (schema, keys, counter) is tool.kind.ts.
 */

const createToolSchema = z.strictObject({
  name: toolSchema.shape.name,
  description: z._default(toolSchema.shape.description, ''),
  inputSchema: z._default(inputSchemaSchema, { type: 'object' }),
  endpoint: endpointSchema,
});

const updateToolSchema = z
  .partial(z.extend(createToolSchema, { description: toolSchema.shape.description, inputSchema: inputSchemaSchema }))
  .check(z.refine((patch) => Object.keys(patch).length > 0, 'an update changes at least one field'));

const listToolsQuerySchema = z.pipe(
  z.strictObject({ ...paginationQueryShape }),
  z.transform((query) => ({ ...query, limit: query.limit ?? DEFAULT_PAGE_SIZE })),
);

const tenantPathSchema = z.strictObject({ tenantId: tenantIdSchema });
const toolPathSchema = z.strictObject({ tenantId: tenantIdSchema, toolId: toolIdSchema });

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

class StaleToolError extends Error {
  override readonly name: string = 'StaleToolError';
}
const STALE_RETRIES = 3;

/** The tools of the tenants of a group's services: reads by key, writes through the executor. */
class ToolStore {
  private readonly clock: () => number;

  constructor(private readonly services: KindServices) {
    this.clock = services.clock ?? Date.now;
  }

  async get(tenantId: string, toolId: string): Promise<Tool | undefined> {
    const { Item } = await this.services
      .db(tenantId)
      .send(new GetCommand({ TableName: this.services.tableName, Key: toolKey(tenantId, toolId), ConsistentRead: true }));
    return Item ? toolSchema.parse(Item) : undefined;
  }

  /** A page of the tenant's tools by id; the cursor is bound to the tenant and the list. */
  async list(tenantId: string, query: { readonly limit: number; readonly cursor?: string }) {
    const binding = { tenantId, list: 'tools' };
    const start = query.cursor ? this.services.cursors.decode(binding, query.cursor) : undefined;
    const page = await this.services.db(tenantId).send(
      new QueryCommand({
        TableName: this.services.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :tool)',
        ExpressionAttributeNames: { '#pk': TABLE_SCHEMA.partitionKey, '#sk': TABLE_SCHEMA.sortKey },
        ExpressionAttributeValues: { ':pk': toolPartition(tenantId), ':tool': `${sortKey(TOOL)}${SEPARATOR}` },
        Limit: query.limit,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const nextCursor = this.services.cursors.encode(binding, page.LastEvaluatedKey);
    return { items: (page.Items ?? []).map((item) => toolSchema.parse(item)), ...(nextCursor ? { nextCursor } : {}) };
  }

  create(context: MutationContext, body: z.infer<typeof createToolSchema>): Promise<MutationResult> {
    const now = this.clock();
    const time = new Date(now).toISOString();
    const tool = toolSchema.parse({ ...body, toolId: timeOrderedId(now), createdAt: time, updatedAt: time, version: 1 });
    const put: ItemWrite = {
      put: { Item: { ...toolKey(context.tenantId, tool.toolId), ...tool }, ...conditionOf(itemAbsent) },
      onConditionFailed: () => new ConflictError(`tool ${tool.toolId} exists`),
    };
    return this.write(context, 'create', tool.toolId, [put], { delta: 1, bytes: toolBytes(tool) }, presented(context.tenantId, 201, tool), tool);
  }

  update(context: MutationContext, toolId: string, patch: z.infer<typeof updateToolSchema>): Promise<MutationResult> {
    return this.readThenWrite(context, toolId, (current) => {
      const next = toolSchema.parse({ ...current, ...patch, updatedAt: new Date(this.clock()).toISOString(), version: current.version + 1 });
      const put: ItemWrite = {
        put: { Item: { ...toolKey(context.tenantId, toolId), ...next }, ...conditionOf(itemExists, versionIs(current.version)) },
        onConditionFailed: (item) => versionError(item, toolId, current.version, context),
      };
      const bytes = toolBytes(next) - toolBytes(current);
      return this.write(context, 'update', toolId, [put], { delta: 0, bytes }, presented(context.tenantId, 200, next), { patch, version: next.version });
    });
  }

  delete(context: MutationContext, toolId: string): Promise<MutationResult> {
    return this.readThenWrite(context, toolId, (current) => {
      const remove: ItemWrite = {
        delete: { Key: toolKey(context.tenantId, toolId), ...conditionOf(itemExists, versionIs(current.version)) },
        onConditionFailed: (item) => versionError(item, toolId, current.version, context),
      };
      return this.write(context, 'delete', toolId, [remove], { delta: -1, bytes: -toolBytes(current) }, { status: 204 }, { version: current.version });
    });
  }

  /** One audited, counted, idempotent transaction in the tool's lane. */
  private async write(
    context: MutationContext,
    action: string,
    toolId: string,
    writes: ItemWrite[],
    count: { delta: number; bytes: number },
    response: StoredResponse,
    change: unknown,
  ) {
    const outcome = await this.services.executor.execute({
      tenantId: context.tenantId,
      event: { actor: context.actor, action: `tool.${action}`, target: `tool/${toolId}`, requestId: context.requestId, change },
      writes,
      quotas: [{ counter: toolCounter(context.tenantId), ...count }],
      ...(context.idempotency ? { idempotency: context.idempotency } : {}),
      response,
    });
    return outcome.replayed ? { response: outcome.response, replayed: true } : { response, replayed: false };
  }

  /** Reads the tool, checks If-Match, writes; a concurrent change without If-Match is retried a few times. */
  private readThenWrite(context: MutationContext, toolId: string, change: (current: Tool) => Promise<MutationResult>): Promise<MutationResult> {
    return withReplay(this.services.executor, context, async () => {
      for (let attempt = 1; ; attempt++) {
        const current = await this.get(context.tenantId, toolId);
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
  }
}

/** The response of a written tool: its version as the ETag, and where it lives when created. */
function presented(tenantId: string, status: number, tool: Tool): StoredResponse {
  return {
    status,
    body: tool,
    headers: { etag: etagOf(tool.version), ...(status === 201 ? { location: `/v1/tenants/${tenantId}/tools/${tool.toolId}` } : {}) },
  };
}

/** A failed version condition: gone (404), changed under If-Match (412), or changed meanwhile (retried). */
function versionError(item: CurrentItem, toolId: string, expected: number, context: MutationContext): Error {
  if (!item) return new NotFoundError(`tool ${toolId} not found`);
  if (context.ifMatch) return new PreconditionFailedError(`tool ${toolId} is no longer at version ${expected}`);
  return new StaleToolError();
}

/** The operations behind the tool routes. */
function toolOperations(services: KindServices) {
  const tools = new ToolStore(services);
  return {
    listTools: async ({ path, query }: ToolRequest<'listTools'>) => ({ body: await tools.list(path.tenantId, query) }),
    createTool: async (request: ToolRequest<'createTool'>) => toOperationResult(await tools.create(mutationContextOf(request), request.body)),
    getTool: async ({ path }: ToolRequest<'getTool'>) => {
      const tool = await tools.get(path.tenantId, path.toolId);
      if (!tool) throw new NotFoundError(`tool ${path.toolId} not found`);
      return { body: tool, headers: { etag: etagOf(tool.version) } };
    },
    updateTool: async (request: ToolRequest<'updateTool'>) =>
      toOperationResult(await tools.update(mutationContextOf(request), request.path.toolId, request.body)),
    deleteTool: async (request: ToolRequest<'deleteTool'>) => toOperationResult(await tools.delete(mutationContextOf(request), request.path.toolId)),
  };
}

/** The tool routes and their operations. */
export const toolApi: KindApi = { routes: TOOL_ROUTES, operations: toolOperations };
