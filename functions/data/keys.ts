import * as z from '../core/zod';
import { tenantIdSchema } from '../core/tenant-id';

/**
 * All DynamoDB keys are built here. Tenant items live under `T#<tenantId>#…`, platform items under `P#…`.
 * Segments never contain the separator, so a key parses back into exactly the segments it was built from and
 * no tenant's prefix is a prefix of another tenant's keys (`T#acme#` is not a prefix of `T#acme2#…`).
 */
export const SEPARATOR = '#';
export const TENANT_MARK = 'T';
export const PLATFORM_MARK = 'P';

export { tenantIdSchema, type TenantId } from '../core/tenant-id';

/** One key segment: any non-empty string without the separator. */
export const keySegmentSchema = z.string().check(
  z.minLength(1, 'key segment must not be empty'),
  z.refine((s) => !s.includes(SEPARATOR), 'key segment must not contain #'),
);

export class InvalidKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidKeyError';
  }
}

function checkSegment(segment: string): string {
  if (segment.length === 0 || segment.includes(SEPARATOR)) {
    throw new InvalidKeyError(`invalid key segment ${JSON.stringify(segment)}`);
  }
  return segment;
}

function checkTenantId(tenantId: string): string {
  if (!tenantIdSchema.safeParse(tenantId).success) {
    throw new InvalidKeyError(`invalid tenant id ${JSON.stringify(tenantId)}`);
  }
  return tenantId;
}

/** The prefix every partition key of the tenant starts with: `T#<tenantId>#`. */
export function tenantPrefix(tenantId: string): string {
  return `${TENANT_MARK}${SEPARATOR}${checkTenantId(tenantId)}${SEPARATOR}`;
}

/** A tenant key: `T#<tenantId>#<segment>#<segment>…` (at least one segment). */
export function tenantKey(tenantId: string, ...segments: string[]): string {
  if (segments.length === 0) throw new InvalidKeyError('a tenant key needs at least one segment');
  return tenantPrefix(tenantId) + segments.map(checkSegment).join(SEPARATOR);
}

/** A platform key: `P#<segment>#…` (at least one segment). Never holds tenant data, only routing metadata. */
export function platformKey(...segments: string[]): string {
  if (segments.length === 0) throw new InvalidKeyError('a platform key needs at least one segment');
  return `${PLATFORM_MARK}${SEPARATOR}${segments.map(checkSegment).join(SEPARATOR)}`;
}

/** A sort key from segments: `<segment>#<segment>…`. */
export function sortKey(...segments: string[]): string {
  if (segments.length === 0) throw new InvalidKeyError('a sort key needs at least one segment');
  return segments.map(checkSegment).join(SEPARATOR);
}

export type ParsedKey = { kind: 'tenant'; tenantId: string; segments: string[] } | { kind: 'platform'; segments: string[] };

/** Parses a partition key built by this module; throws on anything else. */
export function parseKey(key: string): ParsedKey {
  const [mark, ...rest] = key.split(SEPARATOR);
  if (mark === TENANT_MARK && rest.length >= 2) {
    const [tenantId, ...segments] = rest;
    checkTenantId(tenantId);
    segments.forEach(checkSegment);
    return { kind: 'tenant', tenantId, segments };
  }
  if (mark === PLATFORM_MARK && rest.length >= 1) {
    rest.forEach(checkSegment);
    return { kind: 'platform', segments: rest };
  }
  throw new InvalidKeyError(`not a platform or tenant key: ${JSON.stringify(key)}`);
}

/** True when the partition key value belongs to the tenant: the same rule as the IAM LeadingKeys condition. */
export function belongsToTenant(partitionKeyValue: string, tenantId: string): boolean {
  return partitionKeyValue.startsWith(tenantPrefix(tenantId));
}

/** True when the partition key value is a platform key. */
export function isPlatformKey(partitionKeyValue: string): boolean {
  return partitionKeyValue.startsWith(`${PLATFORM_MARK}${SEPARATOR}`);
}

/** Segment of the issuer registry's partition keys: `P#ISSUER#<issuer>`. */
export const ISSUER_SEGMENT = 'ISSUER';

/** The prefix of every issuer registry partition key: `P#ISSUER#`. */
export const ISSUER_KEY_PREFIX = `${PLATFORM_MARK}${SEPARATOR}${ISSUER_SEGMENT}${SEPARATOR}`;

/** True when the partition key value is an issuer registration, the items that decide who is platform admin. */
export function isIssuerKey(partitionKeyValue: string): boolean {
  return partitionKeyValue.startsWith(ISSUER_KEY_PREFIX);
}

/** The keys of the items the platform itself owns. */
export const keys = {
  /** Directory entry of a tenant: routing metadata (slug, home region, status, pool), in every region. */
  tenantDirectory: (tenantId: string) => ({ pk: platformKey('TENANT', checkTenantId(tenantId)), sk: 'DIRECTORY' }),
  /** Slug reservation: one item per slug, written conditionally so a slug has one owner. */
  slug: (slug: string) => ({ pk: platformKey('SLUG', slug), sk: 'SLUG' }),
  /** Email-domain mapping: one partition per domain, one item per tenant using it. */
  emailDomain: (domain: string, tenantId: string) => ({ pk: platformKey('DOMAIN', domain), sk: checkTenantId(tenantId) }),
  emailDomainPartition: (domain: string) => platformKey('DOMAIN', domain),
  /** Issuer registry: which user pool issuer belongs to which tenant (or to the platform admins). */
  issuer: (issuer: string) => ({ pk: platformKey(ISSUER_SEGMENT, encodeURIComponent(issuer)), sk: 'ISSUER' }),
  /**
   * A tenant's migrations between regions: the platform's record of the operation (state, step, counts), never the
   * tenant's data, kept in the source and the target region so it survives the purge of the source.
   */
  migration: (tenantId: string, migrationId: string) => ({ pk: platformKey('MIGRATION', checkTenantId(tenantId)), sk: sortKey('MIGRATION', migrationId) }),
  /** The one unfinished migration of a tenant (a second start is refused while it exists). */
  migrationLock: (tenantId: string) => ({ pk: platformKey('MIGRATION', checkTenantId(tenantId)), sk: 'ACTIVE' }),
  /** A migration start's Idempotency-Key, by the key's SHA-256 (hex). */
  migrationIdempotency: (tenantId: string, keyHash: string) => ({ pk: platformKey('MIGRATION', checkTenantId(tenantId)), sk: sortKey('IDEMPOTENCY', keyHash) }),
  /** The partition of a tenant's migration records (the offboarding purge deletes all of it). */
  migrationPartition: (tenantId: string) => platformKey('MIGRATION', checkTenantId(tenantId)),
  migrationSortKeyPrefix: () => `MIGRATION${SEPARATOR}`,
  migrationIdempotencySortKeyPrefix: () => `IDEMPOTENCY${SEPARATOR}`,
  /** Collection of all tenants (directory listing) on the byCollection index. */
  tenantsCollection: () => platformKey('TENANTS'),
  /** The tenant's own record (name, plan, branding, settings): tenant data, in its home region only. */
  tenantProfile: (tenantId: string) => ({ pk: tenantKey(tenantId, 'TENANT'), sk: 'PROFILE' }),

  // -- tenant lifecycle, users, invitations, API keys
  /** Members of a tenant (its users as the platform knows them; credentials live in the tenant's pool). */
  userPartition: (tenantId: string) => tenantKey(tenantId, 'USER'),
  user: (tenantId: string, userId: string) => ({ pk: tenantKey(tenantId, 'USER'), sk: sortKey(userId) }),
  /** One item per member email: a person is a member of a tenant at most once. */
  userEmailPartition: (tenantId: string) => tenantKey(tenantId, 'USER', 'EMAIL'),
  userEmail: (tenantId: string, email: string) => ({ pk: tenantKey(tenantId, 'USER', 'EMAIL'), sk: sortKey(encodeURIComponent(email.toLowerCase())) }),
  /** One item per linked pool user: its immutable `sub` names the member, whatever its email becomes. */
  userSubPartition: (tenantId: string) => tenantKey(tenantId, 'USER', 'SUB'),
  userSub: (tenantId: string, sub: string) => ({ pk: tenantKey(tenantId, 'USER', 'SUB'), sk: sortKey(sub) }),
  /** Members removed while a legal hold was on: their records, kept until the hold is lifted and the tenant deletes them. */
  formerMemberPartition: (tenantId: string) => tenantKey(tenantId, 'USER', 'FORMER'),
  formerMember: (tenantId: string, userId: string) => ({ pk: tenantKey(tenantId, 'USER', 'FORMER'), sk: sortKey(userId) }),
  /** Members per role (`tenant-admin`), kept in the member's transaction so the last admin cannot be removed. */
  userRoleCounterPartition: (tenantId: string) => tenantKey(tenantId, 'USER', 'COUNT'),
  userRoleCounter: (tenantId: string, role: string) => ({ pk: tenantKey(tenantId, 'USER', 'COUNT'), sk: sortKey(role) }),
  /** Invitations of a tenant. */
  invitationPartition: (tenantId: string) => tenantKey(tenantId, 'INVITATION'),
  invitation: (tenantId: string, invitationId: string) => ({ pk: tenantKey(tenantId, 'INVITATION'), sk: sortKey(invitationId) }),
  /** API keys of a tenant, read by the authorizer by the key id the key itself carries. */
  apiKeyPartition: (tenantId: string) => tenantKey(tenantId, 'APIKEY'),
  apiKey: (tenantId: string, keyId: string) => ({ pk: tenantKey(tenantId, 'APIKEY'), sk: sortKey(keyId) }),
  /** The manifest a tenant was onboarded with (SSO, MFA, admins), kept for provisioning retries. */
  tenantManifest: (tenantId: string) => ({ pk: tenantKey(tenantId, 'TENANT'), sk: 'MANIFEST' }),
  /** The partition of the tenant's record and manifest. */
  tenantProfilePartition: (tenantId: string) => tenantKey(tenantId, 'TENANT'),
  /** The tenant's compliance settings (retention per data class, legal hold): one item, read by every purge. */
  compliancePartition: (tenantId: string) => tenantKey(tenantId, 'COMPLIANCE'),
  complianceSettings: (tenantId: string) => ({ pk: tenantKey(tenantId, 'COMPLIANCE'), sk: 'SETTINGS' }),
  /** The tenant's billing partition: its subscription and invoices. */
  billingPartition: (tenantId: string) => tenantKey(tenantId, 'BILLING'),
  subscription: (tenantId: string) => ({ pk: tenantKey(tenantId, 'BILLING'), sk: 'SUBSCRIPTION' }),
  /** One invoice per billing period, named by the period's month: `INVOICE#YYYY-MM`. */
  invoice: (tenantId: string, invoiceId: string) => ({ pk: tenantKey(tenantId, 'BILLING'), sk: sortKey('INVOICE', invoiceId) }),
  invoiceSortKeyPrefix: () => `INVOICE${SEPARATOR}`,
  /**
   * The invoice numbers a region has issued: one counter item per issuing region, taken in the transaction that
   * writes the invoice so numbers have no gaps. A platform key, written only by the period close.
   */
  invoiceNumbers: (region: string) => ({ pk: platformKey('INVOICE-NUMBERS', region), sk: 'COUNTER' }),

  // -- agents, memories, usage, audit
  /** All agents of a tenant share one partition, sorted by id: `T#<tenantId>#AGENT` / `AGENT#<agentId>`. */
  agentPartition: (tenantId: string) => tenantKey(tenantId, 'AGENT'),
  agent: (tenantId: string, agentId: string) => ({ pk: tenantKey(tenantId, 'AGENT'), sk: sortKey('AGENT', agentId) }),
  /** The newest-first collection of agents on the byCollection index (collectionSk `<createdAt>#<agentId>`). */
  agentsByCreated: (tenantId: string) => tenantKey(tenantId, 'AGENTS_BY_CREATED'),
  agentsByCreatedSortKey: (createdAt: string, agentId: string) => sortKey(createdAt, agentId),
  /**
   * Partitions named after a parent's id (an agent's memories, a workflow's runs) are registered here when the
   * parent is made and unregistered only by purge: deleting the parent must not hide its children from purge.
   */
  nestedPartitions: (tenantId: string) => tenantKey(tenantId, 'NESTED'),
  nestedPartition: (tenantId: string, parent: NestedParent, parentId: string) => ({ pk: tenantKey(tenantId, 'NESTED'), sk: sortKey(parent, parentId) }),
  /** Memories of one agent: a partition per agent spreads a large tenant's memories (newest first by id). */
  memoryPartition: (tenantId: string, agentId: string) => tenantKey(tenantId, 'AGENT', agentId, 'MEMORY'),
  memory: (tenantId: string, agentId: string, memoryId: string) => ({
    pk: tenantKey(tenantId, 'AGENT', agentId, 'MEMORY'),
    sk: sortKey(MEMORY_SK_MARK, memoryId),
  }),
  /** The sort key prefix of memories in their partition (the counter item sorts apart from them). */
  memorySortKeyPrefix: () => `${MEMORY_SK_MARK}${SEPARATOR}`,
  /** The agent's memory quota counter, in the agent's memory partition. */
  memoryCounter: (tenantId: string, agentId: string) => ({ pk: tenantKey(tenantId, 'AGENT', agentId, 'MEMORY'), sk: 'COUNTER' }),
  /** Every agent's memory counter on the byCollection index (collectionSk: the agent id): the usage report's one Query. */
  memoryCounters: (tenantId: string) => tenantKey(tenantId, 'MEMORY_COUNTERS'),
  /** Tenant-wide quota counters (agents, workflows, users) and per-period ones (`RUNS#2026-11`). */
  quotaCounter: (tenantId: string, ...counter: string[]) => ({ pk: tenantKey(tenantId, 'QUOTA'), sk: sortKey(...counter) }),
  /** Metered usage of one month (requests, tokens; requests per day as attributes). */
  usagePeriod: (tenantId: string, period: string) => ({ pk: tenantKey(tenantId, 'USAGE'), sk: sortKey('MONTH', period) }),
  /** How the tenant's requests went in one UTC hour (`YYYY-MM-DDTHH`): counters and a latency histogram, kept a week. */
  tenantHealthPartition: (tenantId: string) => tenantKey(tenantId, 'HEALTH'),
  tenantHealthHour: (tenantId: string, hour: string) => ({ pk: tenantKey(tenantId, 'HEALTH'), sk: sortKey('HOUR', hour) }),
  /**
   * An Idempotency-Key record, by the SHA-256 (hex) of the key, in one of 16 partitions by the hash's first digit:
   * spread enough for a busy tenant, few enough that purge and export find them all by Query.
   */
  idempotency: (tenantId: string, keyHash: string) => ({ pk: keys.idempotencyPartition(tenantId, idempotencyShardOf(keyHash)), sk: sortKey(keyHash) }),
  idempotencyPartition: (tenantId: string, shard: string) => tenantKey(tenantId, 'IDEMPOTENCY', shard),
  /** Audit chain heads, one item per lane, in one partition so verify finds every lane with one Query. */
  auditHeadPartition: (tenantId: string) => tenantKey(tenantId, 'AUDIT'),
  auditHead: (tenantId: string, lane: number) => ({ pk: tenantKey(tenantId, 'AUDIT'), sk: sortKey('HEAD', laneSegment(lane)) }),
  /** Audit entries of one lane, in chain order by zero-padded sequence number. */
  auditLanePartition: (tenantId: string, lane: number) => tenantKey(tenantId, 'AUDIT', laneSegment(lane)),
  auditEntry: (tenantId: string, lane: number, seq: number) => ({
    pk: tenantKey(tenantId, 'AUDIT', laneSegment(lane)),
    sk: auditSequenceKey(seq),
  }),
  /**
   * Entries written by changes and not sealed into the chain yet, by time-ordered id: each change puts a new item,
   * none updates a shared one. The sealer moves them, oldest id first, into the lane partition.
   */
  auditPendingPartition: (tenantId: string) => tenantKey(tenantId, 'AUDIT', 'PENDING'),
  auditPending: (tenantId: string, id: string) => ({ pk: tenantKey(tenantId, 'AUDIT', 'PENDING'), sk: sortKey(id) }),
  /**
   * All audit entries of the tenant, pending and sealed, in time order on the byCollection index (collectionSk
   * `<time>#<id>`, kept when the entry is sealed).
   */
  auditCollection: (tenantId: string) => tenantKey(tenantId, 'AUDIT', 'LOG'),
  auditCollectionSortKey: (time: string, id: string) => sortKey(time, id),

  // -- workflows and runs
  /** A tenant's workflows share one partition, sorted by id: `T#<tenantId>#WORKFLOW` / `WORKFLOW#<workflowId>`. */
  workflowPartition: (tenantId: string) => tenantKey(tenantId, 'WORKFLOW'),
  workflow: (tenantId: string, workflowId: string) => ({ pk: tenantKey(tenantId, 'WORKFLOW'), sk: sortKey('WORKFLOW', workflowId) }),
  /** The newest-first collection of workflows on the byCollection index (collectionSk `<createdAt>#<workflowId>`). */
  workflowsByCreated: (tenantId: string) => tenantKey(tenantId, 'WORKFLOWS_BY_CREATED'),
  workflowsByCreatedSortKey: (createdAt: string, workflowId: string) => sortKey(createdAt, workflowId),
  /**
   * Runs of one workflow: a partition per workflow spreads a busy tenant's runs. Run ids start with their creation
   * time, so the sort key order is start order and a reverse Query lists newest first without an index.
   */
  runPartition: (tenantId: string, workflowId: string) => tenantKey(tenantId, 'WORKFLOW', workflowId, 'RUN'),
  run: (tenantId: string, workflowId: string, runId: string) => ({
    pk: tenantKey(tenantId, 'WORKFLOW', workflowId, 'RUN'),
    sk: sortKey('RUN', runId),
  }),
  runSortKeyPrefix: () => `RUN${SEPARATOR}`,
  /**
   * The tenant's runs that have not finished, oldest first, on the byCollection index (collectionSk
   * `<createdAt>#<workflowId>#<runId>`): the run sweeper's one Query per tenant. A run leaves it when it ends.
   */
  openRuns: (tenantId: string) => tenantKey(tenantId, 'RUNS_OPEN'),
  openRunsSortKey: (createdAt: string, workflowId: string, runId: string) => sortKey(createdAt, workflowId, runId),

  // -- budgets and spend
  /** A tenant's budget policy and its spend ledgers share one partition: `T#<tenantId>#BUDGET`. */
  budgetPartition: (tenantId: string) => tenantKey(tenantId, 'BUDGET'),
  budgetPolicy: (tenantId: string) => ({ pk: tenantKey(tenantId, 'BUDGET'), sk: 'POLICY' }),
  /**
   * The spend ledger of one budget scope (`TENANT`, `AGENT#<agentId>`, `APIKEY#<keyId>`) in one month: a new item each
   * period, so nothing needs resetting.
   */
  budgetLedger: (tenantId: string, period: string, ...scope: string[]) => ({
    pk: tenantKey(tenantId, 'BUDGET'),
    sk: sortKey(BUDGET_LEDGER_MARK, period, ...scope),
  }),
  budgetLedgerSortKeyPrefix: () => `${BUDGET_LEDGER_MARK}${SEPARATOR}`,

  // -- model governance
  /** A tenant's model policy (allow-list, guardrail) and its model-provider credentials: `T#<tenantId>#MODELS`. */
  modelGovernancePartition: (tenantId: string) => tenantKey(tenantId, 'MODELS'),
  modelPolicy: (tenantId: string) => ({ pk: tenantKey(tenantId, 'MODELS'), sk: 'POLICY' }),
  /** A credential's metadata (never its secret), sorted by its time-ordered id: the newest is the one runs use. */
  modelCredential: (tenantId: string, credentialId: string) => ({ pk: tenantKey(tenantId, 'MODELS'), sk: sortKey(MODEL_CREDENTIAL_MARK, credentialId) }),
  modelCredentialSortKeyPrefix: () => `${MODEL_CREDENTIAL_MARK}${SEPARATOR}`,
} as const;

const MEMORY_SK_MARK = 'M';
const BUDGET_LEDGER_MARK = 'LEDGER';
const MODEL_CREDENTIAL_MARK = 'CREDENTIAL';

/** Parents whose children live in partitions of their own. */
export type NestedParent = 'AGENT' | 'WORKFLOW';

/** Hex digits: the shards of idempotency records. */
export const IDEMPOTENCY_SHARDS: readonly string[] = [...'0123456789abcdef'];

function idempotencyShardOf(keyHash: string): string {
  const shard = keyHash.charAt(0);
  if (!/^[0-9a-f]{64}$/.test(keyHash)) throw new InvalidKeyError(`invalid idempotency key hash ${JSON.stringify(keyHash)}`);
  return shard;
}

function laneSegment(lane: number): string {
  if (!Number.isInteger(lane) || lane < 0 || lane > 999) throw new InvalidKeyError(`invalid audit lane ${lane}`);
  return `L${String(lane).padStart(3, '0')}`;
}

/** Audit sequence numbers as fixed-width sort keys, so string order is chain order. */
export function auditSequenceKey(seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 1) throw new InvalidKeyError(`invalid audit sequence ${seq}`);
  return String(seq).padStart(15, '0');
}
