/**
 * What the mutation executor needs from the domains above it, as ports: the audit chain's rules, the tenant's plan
 * and the quota counters' shape. The executor owns the transaction; the domains own what goes into it.
 */

/** What a caller says about a change; the chain adds seq, time, hashes. */
export interface AuditEvent {
  /** Who: `<principalType>:<principalId>`, e.g. `user:8f3…`, `platform-admin:…`, `system:ttl`. */
  readonly actor: string;
  /** What, as `<resource>.<verb>`: `agent.create`, `memory.delete`, `tenant.access`. */
  readonly action: string;
  /** On what, as a path of type/id pairs: `agent/01J…`, `agent/01J…/memory/01J…`. */
  readonly target: string;
  readonly requestId: string;
  /** The change itself (after-image, patch, ids): only its digest is kept in the log. */
  readonly change: unknown;
}

/**
 * One entry as its change's transaction writes it: a time-ordered id and the event, no link to any other entry, so
 * no two writers of a tenant touch the same audit item. The sealer links it into the tenant's chain later.
 */
export interface PendingAuditEntry {
  readonly tenantId: string;
  /** Time-ordered (ULID layout) and unique: the order in which the sealer links entries that wait together. */
  readonly id: string;
  /** ISO time of the change. */
  readonly time: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly requestId: string;
  /** SHA-256 (hex) of the canonical JSON of the change. */
  readonly digest: string;
}

/** One sealed entry of the log: its place in a lane's hash chain. Entries sealed before ids existed have none. */
export interface AuditEntry extends Omit<PendingAuditEntry, 'id'> {
  readonly id?: string;
  readonly lane: number;
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

/** The head of a lane: its last entry's seq, hash and time (seq 0 and the genesis hash for an empty lane). */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
  readonly time: string;
}

/** The audit log's rules: what a change's entry is. */
export interface AuditChain {
  pendingEntry(tenantId: string, id: string, time: string, event: AuditEvent): PendingAuditEntry;
}

/** A plan as quota checks see it: limits by quota name. */
export interface QuotaPlan {
  readonly id: string;
  readonly title: string;
  readonly limits: Readonly<Record<string, number>>;
}

/** The attribute of the tenant record that names its plan (checked in every quota-checked transaction). */
export const PLAN_ATTRIBUTE = 'plan';

/** Where the plan of a tenant comes from. */
export interface PlanSource<P extends QuotaPlan = QuotaPlan> {
  /** The tenant's plan; `fresh` skips any cache (after a transaction found the cached plan out of date). */
  planOf(tenantId: string, options?: { readonly fresh?: boolean }): Promise<P>;
}

/** Attribute names of a counter item. */
export const COUNTER_ATTRIBUTES = { count: 'count', bytes: 'bytes' } as const;

/** One counter item that a plan limit applies to. */
export interface QuotaCounter<Q extends string = string> {
  readonly quota: Q;
  readonly key: { readonly pk: string; readonly sk: string };
  /** What the counter counts, for messages: `agents`, `memories of agent 01J…`, `runs in 2026-11`. */
  readonly label: string;
  /**
   * Its keys on the byCollection index, written with every change, so that one Query lists counters kept in many
   * partitions (the memory counters of all agents). @default not on the index
   */
  readonly collection?: { readonly pk: string; readonly sk: string };
}

/** A change of one counter inside a mutation: +1 on create (checked against the limit), -1 on delete. */
export interface QuotaChange<Q extends string = string> {
  readonly counter: QuotaCounter<Q>;
  readonly delta: number;
  /** Change of stored bytes counted with it (storage metering). @default 0 */
  readonly bytes?: number;
}

/** What retention stamps on a written item of a kind its class's period expires (see DataKind.expiry). */
export interface RetentionStamp {
  /** Epoch seconds the item's retention period runs from: the write's time. */
  readonly since: number;
  /** Epoch seconds its class keeps it until. @default kept (no period set for the class) */
  readonly until?: number;
  /** A legal hold is on: the item gets no TTL at all, not even its own expiry (kept aside until the hold is lifted). */
  readonly held: boolean;
}

/** The tenant's retention as the write path applies it. */
export interface RetentionPort {
  /**
   * The stamp of each key written now (undefined: retention does not apply to its kind). The tenant's settings are
   * read only for a mutation that writes a kind retention applies to, and then from a short cache, so a change
   * reaches writes within the cache's lifetime.
   */
  stamps(tenantId: string, nowSeconds: number, keys: readonly { readonly pk: string; readonly sk: string }[]): Promise<readonly (RetentionStamp | undefined)[]>;
}
