import * as z from '../core/zod';
import { fixedPartitions, writeBackAsIs, type DataKind } from '../data/data-kind';
import { sortKey, tenantKey } from '../data/keys';
import * as keys from '../data/table-keys';
import type { QuotaCounter } from '../data/mutation.ports';
import { storableNameSchema, unstorablePart } from '../data/storable';

/**
 * Tools: tenant-defined tool definitions (name, description, the JSON Schema of its input, and an HTTP endpoint or
 * one of the platform's built-in tools) that agents name by id. This module is the kind as the data catalogue, the
 * usage report and the referring writes know it: schema, keys, the plan's `tools` counter. Its routes and the
 * operations behind them live in tool.api.ts, which only the group that serves them (agents) bundles.
 */

export const TOOL = 'TOOL';

/** Tool ids: letters, digits, `_` and `-` (never the key separator), 1–64 characters. */
export const toolIdSchema = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'tool id must be 1-64 letters, digits, _ or -'));

/** The platform's built-in tools a definition may stand for. */
export const BUILT_IN_TOOLS = ['memory-search', 'memory-write', 'current-time'] as const;

const MAX_INPUT_SCHEMA_BYTES = 16_384;

/** The JSON Schema of the tool's input: an object schema, at most 16 KiB as JSON, that the table stores as given. */
export const inputSchemaSchema = z.record(storableNameSchema.check(z.maxLength(64)), z.unknown()).check(
  z.refine((schema) => schema.type === 'object', 'the input schema must be a JSON Schema of type "object"'),
  z.superRefine((schema, ctx) => {
    const problem = unstorablePart(schema);
    if (problem) ctx.addIssue({ code: 'custom', message: `the input schema cannot be stored: ${problem}`, input: schema });
  }),
  z.refine(
    (schema) => Buffer.byteLength(JSON.stringify(schema), 'utf8') <= MAX_INPUT_SCHEMA_BYTES,
    `the input schema must be at most ${MAX_INPUT_SCHEMA_BYTES} bytes of JSON`,
  ),
);

/** Where a call of the tool goes: an HTTPS endpoint of the tenant, or a built-in tool of the platform. */
export const endpointSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('http'),
    url: z.url({ protocol: /^https$/ }).check(z.maxLength(2048)),
    method: z._default(z.enum(['GET', 'POST']), 'POST'),
  }),
  z.strictObject({ kind: z.literal('built-in'), name: z.enum(BUILT_IN_TOOLS) }),
]);

export const toolSchema = z.object({
  toolId: toolIdSchema,
  name: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'tool name must be 1-64 letters, digits, _ or -')),
  description: z.string().check(z.maxLength(1024)),
  inputSchema: inputSchemaSchema,
  endpoint: endpointSchema,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /** Starts at 1 and grows by one with every change; the ETag of the tool. */
  version: z.int().check(z.positive()),
});
export type Tool = z.infer<typeof toolSchema>;

/** The key of a tool (built by the key module's builders): the tenant's tool partition, sorted by time-ordered id. */
export const toolPartition = (tenantId: string) => tenantKey(tenantId, TOOL);
export const toolKey = (tenantId: string, toolId: string) => ({ pk: toolPartition(tenantId), sk: sortKey(TOOL, toolId) });

/** The counter of the plan's `tools` limit (count, and bytes of the definitions). */
export const toolCounter = (tenantId: string): QuotaCounter => ({ quota: 'tools', key: keys.quotaCounter(tenantId, 'TOOLS'), label: 'tools' });

/** The bytes a definition counts against the plan's `tools` limit. */
export const toolBytes = (tool: Pick<Tool, 'name' | 'description' | 'inputSchema' | 'endpoint'>) =>
  Buffer.byteLength(JSON.stringify([tool.name, tool.description, tool.inputSchema, tool.endpoint]), 'utf8');

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
  crossTenant: { quota: (tenantId, item) => ({ counter: toolCounter(tenantId), delta: 1, bytes: toolBytes(item as unknown as Tool) }) },
};
