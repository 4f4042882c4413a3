import type { DataScope } from '../data/data-scopes';
import type { HandlerGroup } from '../routes';

/**
 * What a route group's function reaches besides its own code. lib/ grants exactly this and nothing else (execution
 * roles hold no data permission of their own); a new group must say what it needs here. Deployment wiring, so it
 * sits with the groups' entry files, not in the HTTP contract.
 */
export interface GroupNeeds {
  /**
   * The data scopes it reaches, each through its own role (functions/data/data-scopes.ts): `tenant` items
   * (`T#<tenantId>#…`, with the tenant's session tag), `directory` (reads of `P#…`), `platform` (writes of `P#…`
   * but the issuer registry; its session also reads) and `issuers` (the issuer registry alone).
   */
  readonly data: readonly DataScope[];
  /** Reaches that data in every residency region, not only its own (directory copies, tenants' home regions). @default false */
  readonly allRegions?: boolean;
  /** Signs list cursors: gets the region's cursor secret. @default false */
  readonly cursors?: boolean;
  /** Manages users of the tenant pools of its region (Cognito admin API). @default false */
  readonly tenantPools?: boolean;
  /** Sends mail (Amazon SES). @default false */
  readonly mail?: boolean;
  /** Puts onboarding events on the control plane's event bus. @default false */
  readonly onboardingEvents?: boolean;
  /**
   * Invokes foundation models through Amazon Bedrock's Converse API (`bedrock:InvokeModel`) in its own region, on
   * foundation models and the account's inference profiles. @default false
   */
  readonly modelInvocation?: boolean;
  /**
   * Writes and reads tenant bundles in the region's export bucket, signs and checks their manifests, and starts export
   * and import jobs on the jobs queue. @default false
   */
  readonly portability?: boolean;
  /** Moves tenants' API keys between the region's usage plans when their plan changes (API Gateway API). @default false */
  readonly usageKeys?: boolean;
  /**
   * Deletes the tenant API keys that migrations made in its region, before a tenant stack makes its own (the
   * registrar's `Custom::UsageKeyRelease`; API Gateway API: find keys, delete keys). @default false
   */
  readonly usageKeyRelease?: boolean;
  /**
   * Reads the region's table's backup status (point-in-time recovery: DescribeContinuousBackups on the table only), for
   * the compliance report's last backup. @default false
   */
  readonly backupStatus?: boolean;
  /**
   * Runs tenant migrations: puts and reads migration bundles (`tenants/<tenantId>/exports/migration-<id>/`) in every
   * residency region's export bucket (EXPORT_BUCKETS), and at the cut-over makes the tenant's API key in the target
   * region and puts it into its plan's usage plan there (API Gateway API of the other regions; USAGE_KEY_BINDING). Goes
   * with `portability` and `allRegions`. @default false
   */
  readonly migrations?: boolean;
}

/**
 * The memory of the platform's functions, in MB (Lambda's `memorySize`, unless a construct gives its own): what the
 * usage meter prices their time with, so the local platform's functions report the same.
 */
export const FUNCTION_MEMORY_MB = 512;

export const HANDLER_GROUP_NEEDS = {
  // Health and the OpenAPI document read no data.
  platform: { data: [] },
  // The tenant directory (slugs, email domains), read only.
  discovery: { data: ['directory'] },
  // Onboarding and lifecycle: writes the directory copies of every region, a tenant's record in its home region.
  tenants: { data: ['tenant', 'platform'], allRegions: true, cursors: true, onboardingEvents: true, usageKeys: true },
  // Members and invitations of a tenant (and the public accept, whose code names the tenant), its pool's users; the
  // directory entry (pool, status, home region) is only read.
  users: { data: ['tenant', 'directory'], cursors: true, tenantPools: true, mail: true },
  'api-keys': { data: ['tenant', 'directory'], cursors: true },
  // Tenant-scoped resources; the directory entry (status, home region) read through the directory role.
  agents: { data: ['tenant', 'directory'], cursors: true },
  memories: { data: ['tenant', 'directory'], cursors: true },
  usage: { data: ['tenant', 'directory'], cursors: true },
  audit: { data: ['tenant', 'directory'], cursors: true },
  // Runs call the tenant's models within the request.
  workflows: { data: ['tenant', 'directory'], cursors: true },
  // Budgets of a tenant: its policy and spend ledgers.
  governance: { data: ['tenant', 'directory'], cursors: true },
  // Export and import jobs of a tenant: the job items, the bundles in the region's export bucket, the jobs queue; the
  // records of migrations started here (P#MIGRATION#<tenantId>, written with the platform role); the compliance report,
  // with the table's last backup.
  portability: { data: ['tenant', 'directory', 'platform'], cursors: true, portability: true, backupStatus: true },
} as const satisfies Record<HandlerGroup, GroupNeeds>;

/**
 * The region's period close (functions/api/period-close.ts, on a schedule): invoices through the tenant data role
 * (its sessions also take the region's invoice numbers), suspends tenants past their grace days through the
 * lifecycle (the directory copies of every region, as the tenants group), and moves API keys on downgrades.
 */
export const PERIOD_CLOSE_NEEDS = { data: ['tenant', 'platform'], allRegions: true, cursors: true, usageKeys: true } as const satisfies GroupNeeds;

/**
 * The region's job consumer (functions/api/job-consumer.ts, on the jobs queue): export and import jobs through the
 * tenant data role and the region's export bucket; migrations, which reach every region (the tenant's data with tenant
 * sessions, the directory copies and the migration records with the platform role, the tenant pool's registration in
 * the target's issuer registry with the issuers role, the bundle in the target region's export bucket, the tenant's
 * usage key in the target's usage plans through that region's API Gateway API). The platform
 * role keeps excluding the issuer registry: its other holders (the tenants group, the period close, the portability
 * group) never make an issuer trusted.
 */
export const JOB_CONSUMER_NEEDS = {
  data: ['tenant', 'platform', 'issuers'],
  allRegions: true,
  portability: true,
  migrations: true,
} as const satisfies GroupNeeds;
