import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/request-conventions';
import type { AuditChain, AuditEntry, AuditEvent, ChainHead, PendingAuditEntry } from '../data/mutation.ports';

/**
 * The hash chain of a tenant's audit log. A change's transaction writes its entry pending (a time-ordered id, no
 * link), so writers of one tenant share no item; the sealer (audit-sealer.ts) later links pending entries, in id
 * order, into the tenant's chain: entry `n` of a lane carries the hash of entry `n - 1` (`prevHash`) and its own `hash`
 * over every field and the tenant id, so editing, deleting, inserting or reordering a sealed entry breaks the chain
 * at that entry. The head (last seq and hash per lane) moves by a conditional write in the sealing transaction, so
 * two sealers can never fork a lane. Logs written before sealing existed may have several lanes; new entries are
 * sealed into lane 0.
 */

/** prevHash of the first entry of every lane. */
export const GENESIS_HASH = '0'.repeat(64);

/** The lane the sealer links entries into. */
export const SEALED_LANE = 0;

export type { AuditEntry, AuditEvent, ChainHead, PendingAuditEntry } from '../data/mutation.ports';

export const EMPTY_HEAD: ChainHead = { seq: 0, hash: GENESIS_HASH, time: '' };

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The digest of a change as recorded in its entry. */
export function digestOf(change: unknown): string {
  return sha256(canonicalJson(change ?? null));
}

/** The hash of an entry: over every field but the hash itself, bound to the tenant (an entry without id hashes as before ids). */
export function hashOf(entry: Omit<AuditEntry, 'hash'>): string {
  return sha256(
    canonicalJson({
      v: 1,
      tenantId: entry.tenantId,
      id: entry.id,
      lane: entry.lane,
      seq: entry.seq,
      time: entry.time,
      actor: entry.actor,
      action: entry.action,
      target: entry.target,
      requestId: entry.requestId,
      digest: entry.digest,
      prevHash: entry.prevHash,
    }),
  );
}

/** The entry a change's transaction writes: not linked yet. */
export function pendingEntry(tenantId: string, id: string, time: string, event: AuditEvent): PendingAuditEntry {
  return {
    tenantId,
    id,
    time,
    actor: event.actor,
    action: event.action,
    target: event.target,
    requestId: event.requestId,
    digest: digestOf(event.change),
  };
}

/** A pending entry linked after `head` of `lane`. */
export function sealEntry(pending: PendingAuditEntry, lane: number, head: ChainHead): AuditEntry {
  const body = { ...pending, lane, seq: head.seq + 1, prevHash: head.hash };
  return { ...body, hash: hashOf(body) };
}

/** Where and why a lane's chain breaks. */
export interface ChainBreak {
  readonly lane: number;
  /** The position (sequence number) at which the stored log stops being the chain. */
  readonly seq: number;
  readonly reason: 'hash-mismatch' | 'prev-hash-mismatch' | 'sequence-gap' | 'wrong-tenant' | 'wrong-lane' | 'head-mismatch';
  readonly detail: string;
}

/** How far a lane's check has come: the last entry that verified, and how many did. */
export interface LaneProgress {
  readonly previous: ChainHead;
  readonly entries: number;
}

/**
 * Checks one lane entry by entry, in stored order, without holding the lane in memory: entries must be seq 1, 2, 3…
 * of this tenant and lane, each hash must be the hash of its fields, each prevHash the previous hash, and the last
 * entry must be the head. Times are the changes' own and are not checked for order: a transaction that commits late
 * is sealed after entries of later changes. The first break is kept; later entries are not judged.
 */
export class LaneVerifier {
  private previous: ChainHead = EMPTY_HEAD;
  private broken: ChainBreak | undefined;
  private count = 0;

  constructor(
    private readonly tenantId: string,
    readonly lane: number,
    /** Where an earlier check of the lane stopped (`progress`), to go on from there. */
    from?: LaneProgress,
  ) {
    if (from) {
      this.previous = from.previous;
      this.count = from.entries;
    }
  }

  /** Entries checked so far. */
  get entries(): number {
    return this.count;
  }

  /** How far the check has come, to go on with a new verifier (in another process) before it breaks. */
  get progress(): LaneProgress {
    return { previous: this.previous, entries: this.count };
  }

  /** Checks the next stored entry; returns the first break once found. */
  push(entry: AuditEntry): ChainBreak | undefined {
    if (this.broken) return this.broken;
    this.count += 1;
    const expectedSeq = this.previous.seq + 1;
    const at = (reason: ChainBreak['reason'], detail: string): ChainBreak => {
      this.broken = { lane: this.lane, seq: expectedSeq, reason, detail };
      return this.broken;
    };
    if (entry.seq !== expectedSeq) return at('sequence-gap', `expected entry ${expectedSeq}, found ${entry.seq}`);
    if (entry.tenantId !== this.tenantId) return at('wrong-tenant', `entry belongs to ${entry.tenantId}`);
    if (entry.lane !== this.lane) return at('wrong-lane', `entry belongs to lane ${entry.lane}`);
    if (hashOf(entry) !== entry.hash) return at('hash-mismatch', 'the entry does not hash to its recorded hash');
    if (entry.prevHash !== this.previous.hash) return at('prev-hash-mismatch', "prevHash is not the previous entry's hash");
    this.previous = { seq: entry.seq, hash: entry.hash, time: entry.time };
    return undefined;
  }

  /** Ends the lane: the stored entries must end exactly at the head. Returns the first break, if any. */
  finish(head: ChainHead): ChainBreak | undefined {
    if (this.broken) return this.broken;
    if (this.previous.seq !== head.seq || this.previous.hash !== head.hash) {
      this.broken = {
        lane: this.lane,
        seq: Math.min(this.previous.seq, head.seq) + 1,
        reason: 'head-mismatch',
        detail: `the head is at ${head.seq}, the stored entries end at ${this.previous.seq}`,
      };
    }
    return this.broken;
  }
}

/** Checks a whole lane held in memory (see LaneVerifier). */
export function verifyLane(tenantId: string, lane: number, entries: Iterable<AuditEntry>, head: ChainHead): ChainBreak | undefined {
  const verifier = new LaneVerifier(tenantId, lane);
  for (const entry of entries) if (verifier.push(entry)) break;
  return verifier.finish(head);
}

/** The hash chain as the mutation executor's audit port. */
export const HASH_CHAIN: AuditChain = { pendingEntry };
