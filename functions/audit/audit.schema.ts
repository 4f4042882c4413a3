import * as z from '../core/zod';
import { pageSchema, paginationQueryShape } from '../core/request-conventions';
import { tenantIdSchema } from '../data/keys';

const hashSchema = z.string().check(z.regex(/^[0-9a-f]{64}$/));

const entryIdSchema = z.string().check(z.regex(/^[0-9A-HJKMNP-TV-Z]{26}$/));

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
export const sealedAuditEntrySchema = z.extend(pendingAuditEntrySchema, {
  id: z.optional(entryIdSchema),
  lane: z.int().check(z.nonnegative()),
  seq: z.int().check(z.positive()),
  prevHash: hashSchema,
  hash: hashSchema,
});

/**
 * One audit log entry as the API returns it: `sealed` entries carry their place in the chain (lane, seq, prevHash,
 * hash); entries not sealed yet carry their id only and get their place within the sealing delay.
 */
export const auditEntrySchema = z.object({
  ...pendingAuditEntrySchema.shape,
  id: z.optional(entryIdSchema),
  sealed: z.boolean(),
  lane: z.optional(z.int().check(z.nonnegative())),
  seq: z.optional(z.int().check(z.positive())),
  prevHash: z.optional(hashSchema),
  hash: z.optional(hashSchema),
});

export const auditPathSchema = z.strictObject({ tenantId: tenantIdSchema });

const filterText = z.string().check(z.minLength(1), z.maxLength(512));

export const auditListQuerySchema = z
  .strictObject({
    ...paginationQueryShape,
    /** Exact action, e.g. `agent.create`. */
    action: z.optional(filterText),
    /** Exact actor, e.g. `user:8f3…`. */
    actor: z.optional(filterText),
    /** A target and everything under it: `agent/01J…` also finds `agent/01J…/memory/…`. */
    target: z.optional(filterText),
    /** Entries at or after this time. */
    from: z.optional(z.iso.datetime()),
    /** Entries at or before this time. */
    to: z.optional(z.iso.datetime()),
    /** @default asc (oldest first) */
    order: z.optional(z.enum(['asc', 'desc'])),
  })
  .check(
    z.refine((query) => !query.from || !query.to || Date.parse(query.from) <= Date.parse(query.to), {
      message: 'from must not be after to',
      path: ['from'],
    }),
  );
export type AuditListQuery = z.infer<typeof auditListQuerySchema>;

export const auditPageSchema = pageSchema(auditEntrySchema);

const chainBreakSchema = z.object({
  lane: z.int(),
  seq: z.int(),
  reason: z.string(),
  detail: z.string(),
});

export const auditVerificationSchema = z.object({
  valid: z.boolean(),
  /** Entries checked, over all lanes. */
  entries: z.int(),
  lanes: z.array(z.object({ lane: z.int(), entries: z.int(), headSeq: z.int(), valid: z.boolean() })),
  /** The first entry at which a lane stops being its chain (absent when the log verifies). */
  firstBroken: z.optional(chainBreakSchema),
  /** Entries written but not sealed into the chain yet (the chain covers them once sealed). */
  unsealed: z.object({
    entries: z.int(),
    /** Time of the oldest unsealed entry. */
    oldestTime: z.optional(z.iso.datetime()),
    /** How long the oldest unsealed entry has waited, in seconds. */
    oldestAgeSeconds: z.optional(z.number()),
  }),
});
export type AuditVerification = z.infer<typeof auditVerificationSchema>;
