import { auditSequenceKey, checkTenantId, InvalidKeyError, ISSUER_SEGMENT, type NestedParent, platformKey, SEPARATOR, sortKey, tenantKey } from './keys';

/**
 * The keys of the items the platform itself owns: one function per item, partition or sort key prefix, built from the
 * segments of keys.ts. Import this module as a namespace, `import * as keys from '../data/table-keys'`, and call its
 * functions as `keys.<name>(…)`: esbuild then keeps in a bundle only the keys its function builds.
 */

const MEMORY_SK_MARK = 'M';
const BUDGET_LEDGER_MARK = 'LEDGER';
const MODEL_CREDENTIAL_MARK = 'CREDENTIAL';

function idempotencyShardOf(keyHash: string): string {
  const shard = keyHash.charAt(0);
  if (!/^[0-9a-f]{64}$/.test(keyHash)) throw new InvalidKeyError(`invalid idempotency key hash ${JSON.stringify(keyHash)}`);
  return shard;
}

function laneSegment(lane: number): string {
  if (!Number.isInteger(lane) || lane < 0 || lane > 999) throw new InvalidKeyError(`invalid audit lane ${lane}`);
  return `L${String(lane).padStart(3, '0')}`;
}

/** Directory entry of a tenant: routing metadata (slug, home region, status, pool), in every region. */
export const tenantDirectory = (tenantId: string) => ({ pk: platformKey('TENANT', checkTenantId(tenantId)), sk: 'DIRECTORY' });
/** Slug reservation: one item per slug, written conditionally so a slug has one owner. */
export const slug = (slug: string) => ({ pk: platformKey('SLUG', slug), sk: 'SLUG' });
/** Email-domain mapping: one partition per domain, one item per tenant using it. */
export const emailDomain = (domain: string, tenantId: string) => ({ pk: platformKey('DOMAIN', domain), sk: checkTenantId(tenantId) });
export const emailDomainPartition = (domain: string) => platformKey('DOMAIN', domain);
/** Issuer registry: which user pool issuer belongs to which tenant (or to the platform admins). */
export const issuer = (issuer: string) => ({ pk: platformKey(ISSUER_SEGMENT, encodeURIComponent(issuer)), sk: 'ISSUER' });
/**
 * A tenant's migrations between regions: the platform's record of the operation (state, step, counts), never the
 * tenant's data, kept in the source and the target region so it survives the purge of the source.
 */
export const migration = (tenantId: string, migrationId: string) => ({
  pk: platformKey('MIGRATION', checkTenantId(tenantId)),
  sk: sortKey('MIGRATION', migrationId),
});
/** The one unfinished migration of a tenant (a second start is refused while it exists). */
export const migrationLock = (tenantId: string) => ({ pk: platformKey('MIGRATION', checkTenantId(tenantId)), sk: 'ACTIVE' });
/** A migration start's Idempotency-Key, by the key's SHA-256 (hex). */
export const migrationIdempotency = (tenantId: string, keyHash: string) => ({
  pk: platformKey('MIGRATION', checkTenantId(tenantId)),
  sk: sortKey('IDEMPOTENCY', keyHash),
});
/** The partition of a tenant's migration records (the offboarding purge deletes all of it). */
export const migrationPartition = (tenantId: string) => platformKey('MIGRATION', checkTenantId(tenantId));
export const migrationSortKeyPrefix = () => `MIGRATION${SEPARATOR}`;
export const migrationIdempotencySortKeyPrefix = () => `IDEMPOTENCY${SEPARATOR}`;
/** Collection of all tenants (directory listing) on the byCollection index. */
export const tenantsCollection = () => platformKey('TENANTS');
/** The tenant's own record (name, plan, branding, settings): tenant data, in its home region only. */
export const tenantProfile = (tenantId: string) => ({ pk: tenantKey(tenantId, 'TENANT'), sk: 'PROFILE' });

// -- tenant lifecycle, users, invitations, API keys
/** Members of a tenant (its users as the platform knows them; credentials live in the tenant's pool). */
export const userPartition = (tenantId: string) => tenantKey(tenantId, 'USER');
export const user = (tenantId: string, userId: string) => ({ pk: tenantKey(tenantId, 'USER'), sk: sortKey(userId) });
/** One item per member email: a person is a member of a tenant at most once. */
export const userEmailPartition = (tenantId: string) => tenantKey(tenantId, 'USER', 'EMAIL');
export const userEmail = (tenantId: string, email: string) => ({
  pk: tenantKey(tenantId, 'USER', 'EMAIL'),
  sk: sortKey(encodeURIComponent(email.toLowerCase())),
});
/** One item per linked pool user: its immutable `sub` names the member, whatever its email becomes. */
export const userSubPartition = (tenantId: string) => tenantKey(tenantId, 'USER', 'SUB');
export const userSub = (tenantId: string, sub: string) => ({ pk: tenantKey(tenantId, 'USER', 'SUB'), sk: sortKey(sub) });
/** Members removed while a legal hold was on: their records, kept until the hold is lifted and the tenant deletes them. */
export const formerMemberPartition = (tenantId: string) => tenantKey(tenantId, 'USER', 'FORMER');
export const formerMember = (tenantId: string, userId: string) => ({ pk: tenantKey(tenantId, 'USER', 'FORMER'), sk: sortKey(userId) });
/** Members per role (`tenant-admin`), kept in the member's transaction so the last admin cannot be removed. */
export const userRoleCounterPartition = (tenantId: string) => tenantKey(tenantId, 'USER', 'COUNT');
export const userRoleCounter = (tenantId: string, role: string) => ({ pk: tenantKey(tenantId, 'USER', 'COUNT'), sk: sortKey(role) });
/** Invitations of a tenant. */
export const invitationPartition = (tenantId: string) => tenantKey(tenantId, 'INVITATION');
export const invitation = (tenantId: string, invitationId: string) => ({ pk: tenantKey(tenantId, 'INVITATION'), sk: sortKey(invitationId) });
/** API keys of a tenant, read by the authorizer by the key id the key itself carries. */
export const apiKeyPartition = (tenantId: string) => tenantKey(tenantId, 'APIKEY');
export const apiKey = (tenantId: string, keyId: string) => ({ pk: tenantKey(tenantId, 'APIKEY'), sk: sortKey(keyId) });
/** The manifest a tenant was onboarded with (SSO, MFA, admins), kept for provisioning retries. */
export const tenantManifest = (tenantId: string) => ({ pk: tenantKey(tenantId, 'TENANT'), sk: 'MANIFEST' });
/** The partition of the tenant's record and manifest. */
export const tenantProfilePartition = (tenantId: string) => tenantKey(tenantId, 'TENANT');
/** The tenant's compliance settings (retention per data class, legal hold): one item, read by every purge. */
export const compliancePartition = (tenantId: string) => tenantKey(tenantId, 'COMPLIANCE');
export const complianceSettings = (tenantId: string) => ({ pk: tenantKey(tenantId, 'COMPLIANCE'), sk: 'SETTINGS' });
/** The tenant's billing partition: its subscription and invoices. */
export const billingPartition = (tenantId: string) => tenantKey(tenantId, 'BILLING');
export const subscription = (tenantId: string) => ({ pk: tenantKey(tenantId, 'BILLING'), sk: 'SUBSCRIPTION' });
/** One invoice per billing period, named by the period's month: `INVOICE#YYYY-MM`. */
export const invoice = (tenantId: string, invoiceId: string) => ({ pk: tenantKey(tenantId, 'BILLING'), sk: sortKey('INVOICE', invoiceId) });
export const invoiceSortKeyPrefix = () => `INVOICE${SEPARATOR}`;
/**
 * The invoice numbers a region has issued: one counter item per issuing region, taken in the transaction that
 * writes the invoice so numbers have no gaps. A platform key, written only by the period close.
 */
export const invoiceNumbers = (region: string) => ({ pk: platformKey('INVOICE-NUMBERS', region), sk: 'COUNTER' });

// -- agents, memories, usage, audit
/** All agents of a tenant share one partition, sorted by id: `T#<tenantId>#AGENT` / `AGENT#<agentId>`. */
export const agentPartition = (tenantId: string) => tenantKey(tenantId, 'AGENT');
export const agent = (tenantId: string, agentId: string) => ({ pk: tenantKey(tenantId, 'AGENT'), sk: sortKey('AGENT', agentId) });
/** The newest-first collection of agents on the byCollection index (collectionSk `<createdAt>#<agentId>`). */
export const agentsByCreated = (tenantId: string) => tenantKey(tenantId, 'AGENTS_BY_CREATED');
export const agentsByCreatedSortKey = (createdAt: string, agentId: string) => sortKey(createdAt, agentId);
/**
 * Partitions named after a parent's id (an agent's memories, a workflow's runs) are registered here when the
 * parent is made and unregistered only by purge: deleting the parent must not hide its children from purge.
 */
export const nestedPartitions = (tenantId: string) => tenantKey(tenantId, 'NESTED');
export const nestedPartition = (tenantId: string, parent: NestedParent, parentId: string) => ({
  pk: tenantKey(tenantId, 'NESTED'),
  sk: sortKey(parent, parentId),
});
/** Memories of one agent: a partition per agent spreads a large tenant's memories (newest first by id). */
export const memoryPartition = (tenantId: string, agentId: string) => tenantKey(tenantId, 'AGENT', agentId, 'MEMORY');
export const memory = (tenantId: string, agentId: string, memoryId: string) => ({
  pk: tenantKey(tenantId, 'AGENT', agentId, 'MEMORY'),
  sk: sortKey(MEMORY_SK_MARK, memoryId),
});
/** The sort key prefix of memories in their partition (the counter item sorts apart from them). */
export const memorySortKeyPrefix = () => `${MEMORY_SK_MARK}${SEPARATOR}`;
/** The agent's memory quota counter, in the agent's memory partition. */
export const memoryCounter = (tenantId: string, agentId: string) => ({ pk: tenantKey(tenantId, 'AGENT', agentId, 'MEMORY'), sk: 'COUNTER' });
/** Every agent's memory counter on the byCollection index (collectionSk: the agent id): the usage report's one Query. */
export const memoryCounters = (tenantId: string) => tenantKey(tenantId, 'MEMORY_COUNTERS');
/** Tenant-wide quota counters (agents, workflows, users) and per-period ones (`RUNS#2026-11`). */
export const quotaCounter = (tenantId: string, ...counter: string[]) => ({ pk: tenantKey(tenantId, 'QUOTA'), sk: sortKey(...counter) });
/** Metered usage of one month (requests, tokens; requests per day as attributes). */
export const usagePeriod = (tenantId: string, period: string) => ({ pk: tenantKey(tenantId, 'USAGE'), sk: sortKey('MONTH', period) });
/** How the tenant's requests went in one UTC hour (`YYYY-MM-DDTHH`): counters and a latency histogram, kept a week. */
export const tenantHealthPartition = (tenantId: string) => tenantKey(tenantId, 'HEALTH');
export const tenantHealthHour = (tenantId: string, hour: string) => ({ pk: tenantKey(tenantId, 'HEALTH'), sk: sortKey('HOUR', hour) });
/**
 * An Idempotency-Key record, by the SHA-256 (hex) of the key, in one of 16 partitions by the hash's first digit:
 * spread enough for a busy tenant, few enough that purge and export find them all by Query.
 */
export const idempotency = (tenantId: string, keyHash: string) => ({ pk: idempotencyPartition(tenantId, idempotencyShardOf(keyHash)), sk: sortKey(keyHash) });
export const idempotencyPartition = (tenantId: string, shard: string) => tenantKey(tenantId, 'IDEMPOTENCY', shard);
/** Audit chain heads, one item per lane, in one partition so verify finds every lane with one Query. */
export const auditHeadPartition = (tenantId: string) => tenantKey(tenantId, 'AUDIT');
export const auditHead = (tenantId: string, lane: number) => ({ pk: tenantKey(tenantId, 'AUDIT'), sk: sortKey('HEAD', laneSegment(lane)) });
/** Audit entries of one lane, in chain order by zero-padded sequence number. */
export const auditLanePartition = (tenantId: string, lane: number) => tenantKey(tenantId, 'AUDIT', laneSegment(lane));
export const auditEntry = (tenantId: string, lane: number, seq: number) => ({
  pk: tenantKey(tenantId, 'AUDIT', laneSegment(lane)),
  sk: auditSequenceKey(seq),
});
/**
 * Entries written by changes and not sealed into the chain yet, by time-ordered id: each change puts a new item,
 * none updates a shared one. The sealer moves them, oldest id first, into the lane partition.
 */
export const auditPendingPartition = (tenantId: string) => tenantKey(tenantId, 'AUDIT', 'PENDING');
export const auditPending = (tenantId: string, id: string) => ({ pk: tenantKey(tenantId, 'AUDIT', 'PENDING'), sk: sortKey(id) });
/**
 * All audit entries of the tenant, pending and sealed, in time order on the byCollection index (collectionSk
 * `<time>#<id>`, kept when the entry is sealed).
 */
export const auditCollection = (tenantId: string) => tenantKey(tenantId, 'AUDIT', 'LOG');
export const auditCollectionSortKey = (time: string, id: string) => sortKey(time, id);

// -- workflows and runs
/** A tenant's workflows share one partition, sorted by id: `T#<tenantId>#WORKFLOW` / `WORKFLOW#<workflowId>`. */
export const workflowPartition = (tenantId: string) => tenantKey(tenantId, 'WORKFLOW');
export const workflow = (tenantId: string, workflowId: string) => ({ pk: tenantKey(tenantId, 'WORKFLOW'), sk: sortKey('WORKFLOW', workflowId) });
/** The newest-first collection of workflows on the byCollection index (collectionSk `<createdAt>#<workflowId>`). */
export const workflowsByCreated = (tenantId: string) => tenantKey(tenantId, 'WORKFLOWS_BY_CREATED');
export const workflowsByCreatedSortKey = (createdAt: string, workflowId: string) => sortKey(createdAt, workflowId);
/**
 * Runs of one workflow: a partition per workflow spreads a busy tenant's runs. Run ids start with their creation
 * time, so the sort key order is start order and a reverse Query lists newest first without an index.
 */
export const runPartition = (tenantId: string, workflowId: string) => tenantKey(tenantId, 'WORKFLOW', workflowId, 'RUN');
export const run = (tenantId: string, workflowId: string, runId: string) => ({
  pk: tenantKey(tenantId, 'WORKFLOW', workflowId, 'RUN'),
  sk: sortKey('RUN', runId),
});
export const runSortKeyPrefix = () => `RUN${SEPARATOR}`;
/**
 * The tenant's runs that have not finished, oldest first, on the byCollection index (collectionSk
 * `<createdAt>#<workflowId>#<runId>`): the run sweeper's one Query per tenant. A run leaves it when it ends.
 */
export const openRuns = (tenantId: string) => tenantKey(tenantId, 'RUNS_OPEN');
export const openRunsSortKey = (createdAt: string, workflowId: string, runId: string) => sortKey(createdAt, workflowId, runId);

// -- budgets and spend
/** A tenant's budget policy and its spend ledgers share one partition: `T#<tenantId>#BUDGET`. */
export const budgetPartition = (tenantId: string) => tenantKey(tenantId, 'BUDGET');
export const budgetPolicy = (tenantId: string) => ({ pk: tenantKey(tenantId, 'BUDGET'), sk: 'POLICY' });
/**
 * The spend ledger of one budget scope (`TENANT`, `AGENT#<agentId>`, `APIKEY#<keyId>`) in one month: a new item each
 * period, so nothing needs resetting.
 */
export const budgetLedger = (tenantId: string, period: string, ...scope: string[]) => ({
  pk: tenantKey(tenantId, 'BUDGET'),
  sk: sortKey(BUDGET_LEDGER_MARK, period, ...scope),
});
export const budgetLedgerSortKeyPrefix = () => `${BUDGET_LEDGER_MARK}${SEPARATOR}`;

// -- model governance
/** A tenant's model policy (allow-list, guardrail) and its model-provider credentials: `T#<tenantId>#MODELS`. */
export const modelGovernancePartition = (tenantId: string) => tenantKey(tenantId, 'MODELS');
export const modelPolicy = (tenantId: string) => ({ pk: tenantKey(tenantId, 'MODELS'), sk: 'POLICY' });
/** A credential's metadata (never its secret), sorted by its time-ordered id: the newest is the one runs use. */
export const modelCredential = (tenantId: string, credentialId: string) => ({
  pk: tenantKey(tenantId, 'MODELS'),
  sk: sortKey(MODEL_CREDENTIAL_MARK, credentialId),
});
export const modelCredentialSortKeyPrefix = () => `${MODEL_CREDENTIAL_MARK}${SEPARATOR}`;
