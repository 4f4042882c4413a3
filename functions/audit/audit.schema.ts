import * as z from 'zod';
import { pageSchema, paginationQueryShape } from '../core/request-conventions';
import { tenantIdSchema } from '../data/keys';

const hashSchema = z.string().regex(/^[0-9a-f]{64}$/);

const entryIdSchema = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/);

/** A pending audit entry as stored: written by its change's transaction, not linked into the chain yet. */
export const pendingAuditEntrySchema = z.object({
  tenantId: tenantIdSchema,
  id: entryIdSchema,
  time: z.iso.datetime(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  requestId: z.string(),
  digest: hashSchema,
});

/** A sealed audit entry as stored: its place in a lane's hash chain (entries sealed before ids existed have none). */
export const sealedAuditEntrySchema = pendingAuditEntrySchema.extend({
  id: entryIdSchema.optional(),
  lane: z.number().int().nonnegative(),
  seq: z.number().int().positive(),
  prevHash: hashSchema,
  hash: hashSchema,
});

/**
 * One audit log entry as the API returns it: `sealed` entries carry their place in the chain (lane, seq, prevHash,
 * hash); entries not sealed yet carry their id only and get their place within the sealing delay.
 */
export const auditEntrySchema = z.object({
  ...pendingAuditEntrySchema.shape,
  id: entryIdSchema.optional(),
  sealed: z.boolean(),
  lane: z.number().int().nonnegative().optional(),
  seq: z.number().int().positive().optional(),
  prevHash: hashSchema.optional(),
  hash: hashSchema.optional(),
});

export const auditPathSchema = z.object({ tenantId: tenantIdSchema }).strict();

const filterText = z.string().min(1).max(512);

export const auditListQuerySchema = z
  .object({
    ...paginationQueryShape,
    /** Exact action, e.g. `agent.create`. */
    action: filterText.optional(),
    /** Exact actor, e.g. `user:8f3…`. */
    actor: filterText.optional(),
    /** A target and everything under it: `agent/01J…` also finds `agent/01J…/memory/…`. */
    target: filterText.optional(),
    /** Entries at or after this time. */
    from: z.iso.datetime().optional(),
    /** Entries at or before this time. */
    to: z.iso.datetime().optional(),
    /** @default asc (oldest first) */
    order: z.enum(['asc', 'desc']).optional(),
  })
  .strict()
  .refine((query) => !query.from || !query.to || Date.parse(query.from) <= Date.parse(query.to), {
    message: 'from must not be after to',
    path: ['from'],
  });
export type AuditListQuery = z.infer<typeof auditListQuerySchema>;

export const auditPageSchema = pageSchema(auditEntrySchema);

const chainBreakSchema = z.object({
  lane: z.number().int(),
  seq: z.number().int(),
  reason: z.string(),
  detail: z.string(),
});

export const auditVerificationSchema = z.object({
  valid: z.boolean(),
  /** Entries checked, over all lanes. */
  entries: z.number().int(),
  lanes: z.array(z.object({ lane: z.number().int(), entries: z.number().int(), headSeq: z.number().int(), valid: z.boolean() })),
  /** The first entry at which a lane stops being its chain (absent when the log verifies). */
  firstBroken: chainBreakSchema.optional(),
  /** Entries written but not sealed into the chain yet (the chain covers them once sealed). */
  unsealed: z.object({
    entries: z.number().int(),
    /** Time of the oldest unsealed entry. */
    oldestTime: z.iso.datetime().optional(),
    /** How long the oldest unsealed entry has waited, in seconds. */
    oldestAgeSeconds: z.number().optional(),
  }),
});
export type AuditVerification = z.infer<typeof auditVerificationSchema>;
