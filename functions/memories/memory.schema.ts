import * as z from '../core/zod';
import { agentIdSchema } from '../agents/agent-id';
import { pageSchema, paginationQueryShape } from '../core/request-conventions';
import { TIME_ORDERED_ID } from '../data/ids';
import { storableNumberSchema } from '../data/storable';
import { tenantIdSchema } from '../data/keys';

/** Memory ids are time-ordered (newest-first listing and time ranges are key ranges). */
export const memoryIdSchema = z.string().check(z.regex(TIME_ORDERED_ID, 'memory id must be a 26-character time-ordered id'));

export const tagSchema = z.string().check(z.regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'tag must be 1-64 letters, digits, _ . : or -'));

const contentSchema = z.string().check(z.minLength(1), z.maxLength(32_000));
const metadataSchema = z
  .record(
    z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,64}$/, 'metadata keys must be 1-64 letters, digits, _ . or -')),
    z.union([z.string().check(z.maxLength(1_024)), storableNumberSchema, z.boolean(), z.null()]),
  )
  .check(z.refine((metadata) => Object.keys(metadata).length <= 50, 'at most 50 metadata entries'));
const tagsSchema = z.array(tagSchema).check(
  z.maxLength(20),
  z.refine((tags) => new Set(tags).size === tags.length, 'tags must be unique'),
);
/** Expiry, with second precision (the table's TTL attribute holds epoch seconds); must be in the future. */
const expiresAtSchema = z.iso.datetime({ offset: true }).check(z.refine((value) => Date.parse(value) > Date.now(), 'expiresAt must be in the future'));

export const memorySchema = z.object({
  memoryId: memoryIdSchema,
  agentId: agentIdSchema,
  content: contentSchema,
  metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  tags: z.array(z.string()),
  expiresAt: z.optional(z.iso.datetime()),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /** Starts at 1 and grows by one with every change; the ETag. */
  version: z.int().check(z.positive()),
});
export type Memory = z.infer<typeof memorySchema>;

/** Stored bytes of a memory, as counted for storage metering. */
export function memoryBytes(memory: Pick<Memory, 'content' | 'metadata' | 'tags'>): number {
  return Buffer.byteLength(JSON.stringify([memory.content, memory.metadata, memory.tags]), 'utf8');
}

export const createMemoryBodySchema = z.strictObject({
  content: contentSchema,
  metadata: z.optional(metadataSchema),
  tags: z.optional(tagsSchema),
  expiresAt: z.optional(expiresAtSchema),
});
export type CreateMemoryBody = z.infer<typeof createMemoryBodySchema>;

/** A partial update; `expiresAt: null` removes the expiry. */
export const updateMemoryBodySchema = z
  .strictObject({
    content: z.optional(contentSchema),
    metadata: z.optional(metadataSchema),
    tags: z.optional(tagsSchema),
    expiresAt: z.optional(z.nullable(expiresAtSchema)),
  })
  .check(z.refine((body) => Object.keys(body).length > 0, 'nothing to change'));
export type UpdateMemoryBody = z.infer<typeof updateMemoryBodySchema>;

export const memoriesPathSchema = z.strictObject({ tenantId: tenantIdSchema, agentId: agentIdSchema });
export const memoryPathSchema = z.strictObject({ tenantId: tenantIdSchema, agentId: agentIdSchema, memoryId: memoryIdSchema });

export const listMemoriesQuerySchema = z
  .strictObject({
    ...paginationQueryShape,
    /** Only memories carrying this tag. */
    tag: z.optional(tagSchema),
    /** Created at or after. */
    from: z.optional(z.iso.datetime()),
    /** Created at or before. */
    to: z.optional(z.iso.datetime()),
  })
  .check(
    z.refine((query) => !query.from || !query.to || Date.parse(query.from) <= Date.parse(query.to), {
      message: 'from must not be after to',
      path: ['from'],
    }),
  );
export type ListMemoriesQuery = z.infer<typeof listMemoriesQuerySchema>;

export const memoryPageSchema = pageSchema(memorySchema);
