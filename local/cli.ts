import './sdk-quiet';
import { DomainError } from '../functions/core/errors';
import { heldMove } from '../functions/tenants/tenant-move';
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ManifestError, readManifest, writeManifest } from '../functions/tenants/tenant-manifest.loader';
import { manifestFileName, type TenantManifest, type TenantManifestInput } from '../functions/tenants/tenant-manifest.schema';
import { readMailbox } from '../functions/users/mailer.mailbox';
import { createApiClient, type ApiClient, type Problem, type TenantSummary } from './api-client/api-client';
import type { components, paths } from './api-client/api-schema';
import { readPlatformFile } from './platform-file';
import { LOCAL_CREDENTIALS, LOCAL_REGIONS, LOCAL_TABLE_NAME } from './platform.config';
import { poolRegionOf } from '../functions/tenants/tenant.schema';
import { migrateLocalTenant, progressBar, type LocalMigrationAccess } from './tenant-migrate';
import { formatSummary, METRICS_SNAPSHOT_FILE, readMetricsSnapshot } from './metrics-summary';
import { PLANS, type PlanId } from '../functions/billing/plan.catalogue';
import { EUR_PER_USD, marginOf } from '../functions/billing/pricing.catalogue';
import { formatMinor } from '../functions/billing/invoice.document';
import { HEALTH_SORT_KEYS } from '../functions/observability/tenant-health.schema';

/**
 * `npm run tenant -- <command>`: tenants of the running local platform, as its platform admin (from
 * `.local/platform.json`), and tenant manifests (`tenants/<slug>.json`) for deployments.
 */

const USAGE = `usage: npm run tenant -- <command> [options]

commands:
  add <slug> --name <name> --admin <email> [--id <id>] [--plan free|team|enterprise] [--region <region>]
      [--domain <email domain>]... [--color <#rrggbb>] [--mfa OFF|OPTIONAL|REQUIRED]
                           write tenants/<slug>.json and onboard the tenant on the local platform
  add --from <manifest.json>
                           onboard the tenant of an existing manifest
  add ... --manifest-only  only write the manifest (for a deployment), do not onboard
  list [--status <status>] the platform's tenants
  suspend <tenant>         suspend a tenant (id or slug)
  reactivate <tenant>      reactivate a suspended tenant
  offboard <tenant> --yes  offboard a tenant: its pool is removed, its data purged, its slug released, its manifest removed
  invite <tenant> <email> [--role tenant-admin|member|viewer|auditor]
                           invite someone and print the code from the local mailbox
  budget <tenant> <USD> [--fallback <model id>]
                           set the tenant's monthly spend budget (e.g. 25 or 25.50; 0 blocks every model call);
                           without --fallback calls are refused once it is spent, with it they go to that model
  models <tenant> <model id>...
                           set the models the tenant may use (within its plan; its guardrail is kept)
  costs [--period YYYY-MM] [--sort cost|margin]
                           tenants ranked by what serving them cost (usage estimate, and per day) or by margin (plan price − cost,
                           EUR), then the same summed per tier
  health [--sort errorRate|p99|throttles|quotaRefusals|requests] [--window hour|day]
                           tenants of every region ranked by a health figure, worst first
  top                      per-tenant requests/s, p99, errors, throttles and quota refusals of the last minute
  close-period             close the ended billing periods of every region now (as the hourly timer does): one
                           invoice per tenant and period; running it again issues nothing new
  migrate <tenant> --to <region>
                           move a tenant to another region: export, import there, verify, cut over (the old region
                           answers 421), purge the source; run it again to resume after a crash

options: --data-dir <dir> (default .local or LOCAL_DATA_DIR), --tenants-dir <dir> (default tenants)`;

/** How the CLI reaches the running local platform. */
export interface PlatformAccess {
  /** The control-plane region's API. */
  readonly apiUrl: string;
  /** Every region's API. */
  readonly regions: Readonly<Record<string, string>>;
  readonly cognitoEndpoint: string;
  readonly platformAdmin: { readonly clientId: string; readonly username: string; readonly password: string };
  readonly mailboxDir: string;
  /** The running platform's per-tenant metrics snapshot (written by `npm start` every few seconds). @default none */
  readonly metricsFile?: string;
  /** What `migrate` reaches directly (tables, export buckets, bundle key). @default migrations unavailable */
  readonly migration?: LocalMigrationAccess;
}

/** Where the CLI finds the platform and writes manifests. */
export interface CliContext {
  /** The platform, looked up only by commands that call it (writing a manifest needs none). */
  readonly platform: () => PlatformAccess;
  readonly tenantsDir: string;
  readonly out: (line: string) => void;
  /** How long `add` and `offboard` wait for the provisioner. @default 60 s */
  readonly waitMs?: number;
  /** Whether output goes to a terminal (progress bars then). @default false */
  readonly isTTY?: boolean;
}

/** A failure to show as one line, without a stack. */
export class CliError extends Error {}

const CLI_OPTIONS = {
  name: { type: 'string' },
  admin: { type: 'string', multiple: true },
  id: { type: 'string' },
  plan: { type: 'string' },
  region: { type: 'string' },
  domain: { type: 'string', multiple: true },
  color: { type: 'string' },
  mfa: { type: 'string' },
  from: { type: 'string' },
  'manifest-only': { type: 'boolean' },
  status: { type: 'string' },
  role: { type: 'string' },
  period: { type: 'string' },
  fallback: { type: 'string' },
  sort: { type: 'string' },
  window: { type: 'string' },
  to: { type: 'string' },
  yes: { type: 'boolean' },
  'data-dir': { type: 'string' },
  'tenants-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** US dollars as typed (`25`, `25.5`, `25.50`) in whole cents; anything else is a usage error. */
export function centsOf(amount: string | undefined): number {
  const match = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(amount ?? '');
  if (!match) throw new UsageError(`budget needs an amount in US dollars such as 25 or 25.50, not ${JSON.stringify(amount ?? '')}`);
  return Number(match[1]) * 100 + Number((match[2] ?? '0').padEnd(2, '0'));
}

/** A mistake in how the CLI was called: told in one line with the usage, exit status 2. */
export class UsageError extends CliError {}

/** The options of the command line; a malformed one (unknown option, missing value) is a usage error. */
function parseCommandLine(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], allowPositionals: true, options: CLI_OPTIONS });
  } catch (error) {
    if (String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) throw new UsageError((error as Error).message.split(/\.( |$)/)[0]);
    throw error;
  }
}

type InvitationRequest = components['schemas']['CreateInvitationRequest'];
type DirectoryEntry = Pick<TenantSummary, 'tenantId' | 'slug' | 'region' | 'status' | 'auth' | 'moving'>;
type TenantsQuery = NonNullable<paths['/v1/tenants']['get']['parameters']['query']>;

class Api {
  private token: string | undefined;
  private access: PlatformAccess | undefined;
  private readonly clients = new Map<string, ApiClient>();

  constructor(private readonly connect: () => PlatformAccess) {}

  get context(): PlatformAccess {
    this.access ??= this.connect();
    return this.access;
  }

  /** The typed client of a region's API (the control-plane region's by default). */
  client(region?: string): ApiClient {
    const base = region ? (this.context.regions[region] ?? this.context.apiUrl) : this.context.apiUrl;
    let client = this.clients.get(base);
    if (!client) {
      client = createApiClient(base, () => this.accessToken());
      this.clients.set(base, client);
    }
    return client;
  }

  /** The body of a call's answer; a problem or an unreachable platform becomes a CliError. */
  async answer<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
    let result: Awaited<typeof call>;
    try {
      result = await call;
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError(`cannot reach the local platform at ${this.context.apiUrl}: is it running (npm start)?`);
    }
    if (result.error !== undefined || !result.response.ok) {
      throw new CliError(describeProblem({ status: result.response.status, ...(result.error as Partial<Problem>) }));
    }
    return result.data as T;
  }

  /** One page of the platform's tenants. */
  tenants(query: TenantsQuery = {}) {
    return this.answer(this.client().GET('/v1/tenants', { params: { query: { limit: 100, ...query } } }));
  }

  private async accessToken(): Promise<string> {
    if (this.token) return this.token;
    const cognito = new CognitoIdentityProviderClient({ region: LOCAL_REGIONS[0], endpoint: this.context.cognitoEndpoint, credentials: LOCAL_CREDENTIALS });
    try {
      const { AuthenticationResult } = await cognito.send(
        new InitiateAuthCommand({
          ClientId: this.context.platformAdmin.clientId,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: this.context.platformAdmin.username, PASSWORD: this.context.platformAdmin.password },
        }),
      );
      if (!AuthenticationResult?.AccessToken) throw new Error('no token');
      this.token = AuthenticationResult.AccessToken;
      return this.token;
    } catch (error) {
      throw new CliError(`cannot sign in as the platform admin at ${this.context.cognitoEndpoint}: ${(error as Error).message}`);
    } finally {
      cognito.destroy();
    }
  }
}

function describeProblem(problem: Partial<Problem> & { readonly status: number }): string {
  const fields = problem.errors?.map((e) => `\n  ${e.pointer}: ${e.message}`).join('') ?? '';
  return `${problem.status} ${problem.code ?? 'error'}: ${problem.detail ?? 'the request failed'}${fields}`;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

type CliValues = ReturnType<typeof parseCommandLine>['values'];

/** One command's view of the platform: the API, the parsed options and the helpers the commands share. */
class Session {
  readonly api: Api;

  constructor(
    readonly command: string,
    readonly values: CliValues,
    readonly context: CliContext,
  ) {
    this.api = new Api(context.platform);
  }

  out(line: string): void {
    this.context.out(line);
  }

  /** Every tenant of the directory, page by page. */
  async allTenants(query: TenantsQuery = {}): Promise<DirectoryEntry[]> {
    const rows: DirectoryEntry[] = [];
    for (let cursor: string | undefined, first = true; first || cursor; first = false) {
      const page = await this.api.tenants({ ...query, ...(cursor ? { cursor } : {}) });
      rows.push(...page.items);
      cursor = page.nextCursor;
    }
    return rows;
  }

  async findTenant(idOrSlug: string | undefined): Promise<DirectoryEntry> {
    if (!idOrSlug) throw new UsageError(`${this.command} needs a tenant id or slug`);
    for (let cursor: string | undefined, first = true; first || cursor; first = false) {
      const page = await this.api.tenants(cursor ? { cursor } : {});
      const found = page.items.find((t) => (t.tenantId === idOrSlug || t.slug === idOrSlug) && t.status !== 'DELETED');
      if (found) return found;
      cursor = page.nextCursor;
    }
    throw new CliError(`no tenant ${idOrSlug}`);
  }

  /** Waits until the tenant reaches one of the `done` statuses, printing each status it passes. */
  async waitFor(tenant: DirectoryEntry, done: readonly string[]): Promise<string> {
    const waitMs = this.context.waitMs ?? 60_000;
    const deadline = Date.now() + waitMs;
    let last = '';
    while (Date.now() < deadline) {
      const entry = await this.findIn(await this.api.tenants(), tenant.tenantId);
      if (entry && entry.status !== last) {
        this.out(`  … ${entry.status}`);
        last = entry.status;
      }
      if (entry && done.includes(entry.status)) return entry.status;
      await sleep(200);
    }
    throw new CliError(`tenant ${tenant.tenantId} is still ${last} after ${waitMs / 1000} s`);
  }

  private async findIn(first: { items: DirectoryEntry[]; nextCursor?: string }, tenantId: string): Promise<DirectoryEntry | undefined> {
    let page = first;
    for (;;) {
      const entry = page.items.find((t) => t.tenantId === tenantId);
      if (entry || !page.nextCursor) return entry;
      page = await this.api.tenants({ cursor: page.nextCursor });
    }
  }

  async printInvitation(email: string, tenantId: string, region: string, since: string): Promise<void> {
    const { mailboxDir, apiUrl, regions } = this.api.context;
    // The invitation is mailed right after the tenant turns ACTIVE: give the provisioning events a moment.
    let mail: Awaited<ReturnType<typeof readMailbox>>[number] | undefined;
    for (let tries = 0; !mail && tries < 50; tries++) {
      if (tries > 0) await sleep(100);
      mail = (await readMailbox(mailboxDir))
        .filter((m) => m.to === email && m.sentAt >= since && m.data?.kind === 'invitation' && m.data.tenantId === tenantId)
        .at(-1);
    }
    if (!mail?.data?.code) {
      this.out(`  no invitation for ${email} in ${mailboxDir}`);
      return;
    }
    this.out(`  invitation for ${email} (${mail.data.role}): ${mail.data.code}`);
    this.out(`  accept it: POST ${regions[region] ?? apiUrl}/v1/invitations/accept {"code": "…", "password": "…"}`);
  }

  /** Prints rows under a header, columns padded (right-aligned from `alignRightFrom` on). */
  printTable(header: readonly string[], rows: readonly string[][], alignRightFrom = header.length): void {
    const table = [header, ...rows];
    const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
    for (const row of table)
      this.out(
        row
          .map((cell, i) => (i < alignRightFrom ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
          .join('  ')
          .trimEnd(),
      );
  }
}

/** The manifest `add` onboards: read from `--from`, or written from the options. */
function manifestToAdd(session: Session, slug: string | undefined): TenantManifest {
  const { values } = session;
  if (values.from) {
    const path = resolve(values.from);
    session.out(`reading ${relative(process.cwd(), path) || path}`);
    return readManifest(path);
  }
  if (!slug || !values.name || !values.admin) throw new UsageError('add needs a slug, --name and --admin');
  const input = {
    id: values.id ?? slug,
    slug,
    name: values.name,
    plan: values.plan ?? 'team',
    homeRegion: values.region ?? LOCAL_REGIONS[0],
    emailDomains: values.domain ?? [],
    admins: values.admin,
    ...(values.mfa ? { mfa: values.mfa } : {}),
    branding: { displayName: values.name, ...(values.color ? { primaryColor: values.color } : {}) },
  } as TenantManifestInput;
  const path = writeManifest(session.context.tenantsDir, input);
  session.out(`wrote ${relative(process.cwd(), path) || path}`);
  return readManifest(path);
}

async function addTenant(session: Session, [slug]: readonly string[]): Promise<void> {
  const manifest = manifestToAdd(session, slug);
  if (session.values['manifest-only']) return;
  session.out(`onboarding ${manifest.slug} (${manifest.id}) in ${manifest.homeRegion}`);
  const since = new Date().toISOString();
  const created = await session.api.answer(session.api.client().POST('/v1/tenants', { body: manifest }));
  session.out(`  reserved slug ${manifest.slug}: ${created.status}`);
  const status = await session.waitFor({ tenantId: manifest.id, slug: manifest.slug, region: manifest.homeRegion, status: created.status }, [
    'ACTIVE',
    'FAILED',
  ]);
  if (status === 'FAILED') throw new CliError(`provisioning of ${manifest.id} failed: retry with POST /v1/tenants/${manifest.id}/retry or offboard it`);
  for (const email of manifest.admins) await session.printInvitation(email, manifest.id, manifest.homeRegion, since);
  session.out(`tenant ${manifest.id} is ACTIVE`);
}

async function listTenants(session: Session): Promise<void> {
  const status = session.values.status as TenantsQuery['status'];
  const rows = await session.allTenants(status ? { status } : {});
  session.printTable(
    ['TENANT', 'SLUG', 'REGION', 'STATUS'],
    // A tenant a migration is moving shows where to: its changes are held until the move ends.
    rows.map((t) => {
      const move = heldMove(t);
      return [t.tenantId, t.slug, move ? `${t.region} -> ${move.to}` : t.region, t.status];
    }),
  );
}

async function changeStatus(session: Session, [idOrSlug]: readonly string[]): Promise<void> {
  const tenant = await session.findTenant(idOrSlug);
  const params = { path: { tenantId: tenant.tenantId } };
  const client = session.api.client(tenant.region);
  const updated = await session.api.answer(
    session.command === 'suspend' ? client.POST('/v1/tenants/{tenantId}/suspend', { params }) : client.POST('/v1/tenants/{tenantId}/reactivate', { params }),
  );
  session.out(`tenant ${tenant.tenantId} is ${updated.status}`);
}

async function offboardTenant(session: Session, [idOrSlug]: readonly string[]): Promise<void> {
  const tenant = await session.findTenant(idOrSlug);
  if (!session.values.yes) throw new CliError(`offboarding deletes all data of ${tenant.tenantId} and releases ${tenant.slug}: repeat with --yes`);
  session.out(`offboarding ${tenant.tenantId}`);
  await session.api.answer(session.api.client(tenant.region).DELETE('/v1/tenants/{tenantId}', { params: { path: { tenantId: tenant.tenantId } } }));
  await session.waitFor(tenant, ['DELETED']);
  session.out(`tenant ${tenant.tenantId} is DELETED: its data is purged and slug ${tenant.slug} is free`);
  // Its manifest left in tenants/ would deploy the tenant's stack again with the next deployment.
  const manifest = join(session.context.tenantsDir, manifestFileName(tenant.slug));
  if (existsSync(manifest) && readManifest(manifest).id === tenant.tenantId) {
    rmSync(manifest);
    session.out(`removed its manifest ${relative(process.cwd(), manifest)}`);
  }
}

async function inviteMember(session: Session, [idOrSlug, email]: readonly string[]): Promise<void> {
  const tenant = await session.findTenant(idOrSlug);
  if (!email) throw new UsageError('invite needs an email');
  const role = (session.values.role ?? 'member') as InvitationRequest['role'];
  const invitation = await session.api.answer(
    session.api.client(tenant.region).POST('/v1/tenants/{tenantId}/invitations', { params: { path: { tenantId: tenant.tenantId } }, body: { email, role } }),
  );
  session.out(`invited ${invitation.email} to ${tenant.tenantId} as ${invitation.role} (expires ${invitation.expiresOn})`);
  await session.printInvitation(invitation.email, tenant.tenantId, tenant.region, invitation.createdAt);
}

async function setBudget(session: Session, [idOrSlug, amount]: readonly string[]): Promise<void> {
  // The amount is checked before anything is asked of the platform.
  const monthlyCents = centsOf(amount);
  const tenant = await session.findTenant(idOrSlug);
  const { fallback } = session.values;
  const onExhausted = fallback ? { action: 'fallback' as const, modelId: fallback } : { action: 'block' as const };
  const policy = await session.api.answer(
    session.api
      .client(tenant.region)
      .PUT('/v1/tenants/{tenantId}/budget', { params: { path: { tenantId: tenant.tenantId } }, body: { monthlyCents, onExhausted } }),
  );
  const then = policy.onExhausted.action === 'fallback' ? `falls back to ${policy.onExhausted.modelId}` : 'blocks model calls';
  session.out(`budget of ${tenant.tenantId}: USD ${(policy.monthlyCents / 100).toFixed(2)} a month, alerts at ${policy.thresholds.join('/')} %, then ${then}`);
}

async function setModels(session: Session, [idOrSlug, ...allowedModels]: readonly string[]): Promise<void> {
  if (allowedModels.length === 0) throw new UsageError('models needs at least one model id');
  const tenant = await session.findTenant(idOrSlug);
  const client = session.api.client(tenant.region);
  const path = { tenantId: tenant.tenantId };
  // The policy is replaced as a whole: the guardrail it has stays.
  const current = await client.GET('/v1/tenants/{tenantId}/model-policy', { params: { path } });
  const guardrail = current.data?.guardrail;
  const policy = await session.api.answer(
    client.PUT('/v1/tenants/{tenantId}/model-policy', { params: { path }, body: { allowedModels, ...(guardrail ? { guardrail } : {}) } }),
  );
  session.out(
    `models of ${tenant.tenantId}: ${(policy.allowedModels ?? []).join(', ')}${policy.guardrail ? ` (guardrail ${policy.guardrail.id} v${policy.guardrail.version})` : ''}`,
  );
}

async function tenantCosts(session: Session): Promise<void> {
  const bySort = session.values.sort ?? 'cost';
  if (bySort !== 'cost' && bySort !== 'margin') throw new UsageError(`--sort must be cost or margin, not ${bySort}`);
  const tenants = (await session.allTenants()).filter((t) => t.status === 'ACTIVE' || t.status === 'SUSPENDED');
  const { period } = session.values;
  const usageOf = (t: DirectoryEntry) =>
    session.api.answer(
      session.api.client(t.region).GET('/v1/tenants/{tenantId}/usage', { params: { path: { tenantId: t.tenantId }, query: period ? { period } : {} } }),
    );
  // A tenant offboarded while the report runs is left out, not an error.
  const reports = (await Promise.all(tenants.map(async (tenant) => ({ tenant, report: await usageOf(tenant).catch(() => undefined) })))).filter(
    (entry): entry is { tenant: DirectoryEntry; report: NonNullable<Awaited<ReturnType<typeof usageOf>>> } => entry.report !== undefined,
  );
  // Costs are in US dollars, prices in euro: the margin converts the cost at the pricing catalogue's one rate.
  const rows = reports.map((entry) => ({ ...entry, margin: marginOf(PLANS[entry.report.plan as PlanId].monthlyPriceCents, entry.report.cost) }));
  rows.sort((a, b) => (bySort === 'margin' ? a.margin.margin - b.margin.margin : b.report.cost.total - a.report.cost.total));
  const header = [
    'TENANT',
    'REGION',
    'PLAN',
    'COST USD',
    'USD/DAY',
    'APIGATEWAY',
    'DYNAMODB',
    'LAMBDA',
    'MODELS',
    'STORAGE',
    'PLAN EUR/MONTH',
    'COST EUR',
    'MARGIN EUR',
  ];
  const cells = rows.map(({ tenant, report, margin }) => [
    tenant.tenantId,
    tenant.region,
    report.plan,
    ...(['total', 'perDay', 'apiGateway', 'dynamodb', 'lambda', 'models', 'storage'] as const).map((part) => Number(report.cost[part]).toFixed(6)),
    margin.price.toFixed(2),
    margin.cost.toFixed(6),
    margin.margin.toFixed(6),
  ]);
  session.printTable(header, cells, 3);
  printTierTotals(session, rows);
  session.out(`(costs converted at ${EUR_PER_USD} EUR per USD)`);
}

/** The cost report summed per tier (plan): tenants, cost, daily cost, what the plans bring in, margin. */
function printTierTotals(
  session: Session,
  rows: readonly { report: { plan: string; cost: { total: number; perDay: number } }; margin: { price: number; margin: number } }[],
): void {
  const tiers = new Map<string, { tenants: number; cost: number; perDay: number; price: number; margin: number }>();
  for (const { report, margin } of rows) {
    const tier = tiers.get(report.plan) ?? { tenants: 0, cost: 0, perDay: 0, price: 0, margin: 0 };
    tiers.set(report.plan, {
      tenants: tier.tenants + 1,
      cost: tier.cost + report.cost.total,
      perDay: tier.perDay + report.cost.perDay,
      price: tier.price + margin.price,
      margin: tier.margin + margin.margin,
    });
  }
  session.out('');
  session.printTable(
    ['TIER', 'TENANTS', 'COST USD', 'USD/DAY', 'PLANS EUR/MONTH', 'MARGIN EUR'],
    [...tiers].map(([tier, t]) => [tier, String(t.tenants), t.cost.toFixed(6), t.perDay.toFixed(6), t.price.toFixed(2), t.margin.toFixed(6)]),
    1,
  );
}

/** Tenants of every region ranked by a health figure, worst first. */
async function tenantHealth(session: Session): Promise<void> {
  const sort = (session.values.sort ?? 'errorRate') as (typeof HEALTH_SORT_KEYS)[number];
  if (!HEALTH_SORT_KEYS.includes(sort)) throw new UsageError(`--sort must be one of ${HEALTH_SORT_KEYS.join(', ')}`);
  const window = session.values.window ?? 'day';
  if (window !== 'hour' && window !== 'day') throw new UsageError('--window must be hour or day');
  const { api } = session;
  const rankings = await Promise.all(
    Object.keys(api.context.regions).map(async (region) => {
      const ranking = await api.answer(api.client(region).GET('/v1/platform/tenants/health', { params: { query: { sort, window } } }));
      return ranking.items.map((item) => ({ ...item, region }));
    }),
  );
  const figure = (item: (typeof rankings)[number][number]) => (sort === 'p99' ? (item.health.latencyMs.p99 ?? -1) : item.health[sort]);
  const items = rankings.flat().sort((a, b) => figure(b) - figure(a) || b.health.requests - a.health.requests);
  const header = ['TENANT', 'REGION', 'STATUS', 'REQUESTS', 'ERROR %', '5XX %', 'P50 MS', 'P99 MS', 'THROTTLED', 'QUOTA REFUSED'];
  const ms = (value: number | null | undefined) => (value === null || value === undefined ? '-' : String(value));
  const cells = items.map(({ tenantId, region, status, health }) => [
    tenantId,
    region,
    status,
    String(health.requests),
    (health.errorRate * 100).toFixed(1),
    (health.serverErrorRate * 100).toFixed(1),
    ms(health.latencyMs.p50),
    ms(health.latencyMs.p99),
    String(health.throttles),
    String(health.quotaRefusals),
  ]);
  session.printTable(header, cells, 3);
  session.out(`(${window === 'hour' ? 'the current UTC hour' : 'the last 24 UTC hours'}, sorted by ${sort}, worst first)`);
}

async function topTenants(session: Session): Promise<void> {
  const { metricsFile } = session.context.platform();
  const snapshot = metricsFile ? readMetricsSnapshot(metricsFile) : undefined;
  if (!snapshot) throw new CliError('no metrics yet: start the local platform first (npm start)');
  for (const line of formatSummary(snapshot.tenants, snapshot.windowMs)) session.out(line);
  session.out(`(as of ${new Date(snapshot.at).toISOString()})`);
}

/** Closes the ended billing periods in every region and prints the invoices issued. */
async function closePeriods(session: Session): Promise<void> {
  const { api } = session;
  const reports = await Promise.all(
    Object.keys(api.context.regions).map(async (region) => ({ region, report: await api.answer(api.client(region).POST('/v1/billing/period-close', {})) })),
  );
  const issued = reports.flatMap(({ region, report }) => report.issued.map((invoice) => ({ ...invoice, region })));
  session.printTable(
    ['REGION', 'TENANT', 'INVOICE', 'NUMBER', 'TOTAL'],
    issued.map((invoice) => [invoice.region, invoice.tenantId, invoice.invoiceId, invoice.number, `${formatMinor(invoice.total)} ${invoice.currency}`]),
  );
  for (const { region, report } of reports) {
    session.out(
      `${region}: ${report.tenants} tenants, ${report.issued.length} invoices issued, ${report.suspended.length} suspended, ${report.failed.length} failed`,
    );
    for (const failure of report.failed) session.out(`  ${failure.tenantId}: ${failure.reason}`);
  }
}

/** Moves a tenant to another region, printing each step with the items per kind it handled. */
async function migrateTenant(session: Session, [idOrSlug]: readonly string[]): Promise<void> {
  const to = session.values.to;
  if (!to) throw new UsageError('migrate needs --to <region>');
  const tenant = await session.findTenant(idOrSlug);
  const access = session.api.context.migration;
  if (!access) throw new CliError('this platform has no export buckets (start it again with npm start)');
  session.out(`migrating ${tenant.tenantId} from ${tenant.region} to ${to}`);
  const actor = `platform-admin:${session.api.context.platformAdmin.username}`;
  try {
    await migrateLocalTenant(access, { tenantId: tenant.tenantId, to, actor }, (step, items) => {
      session.out(session.context.isTTY ? progressBar(step) : `  ${step}`);
      if (items.length > 0)
        session.printTable(
          ['kind', 'items', 'bytes'],
          items.map((kind) => [kind.kind, String(kind.items), String(kind.bytes)]),
          1,
        );
    });
  } catch (error) {
    // A refusal of the migration (a job of the tenant running, a bundle refused) is told in one line.
    if (error instanceof DomainError) throw new CliError(error.message);
    throw error;
  }
  session.out(`tenant ${tenant.tenantId} now lives in ${to}: ${session.api.context.regions[to] ?? ''}`);
  // The users moved with the data: each sets a new password (a pool never gives one out) through the pool's reset flow.
  const moved = (await session.findTenant(tenant.tenantId)).auth;
  if (moved && poolRegionOf(moved) === to) {
    session.out(`its users moved to its user pool in ${to}: each sets a new password there (forgotten-password flow) before signing in`);
  }
}

/** The commands, by name; each gets the session and the positional arguments after the command. */
const COMMANDS: Readonly<Record<string, (session: Session, args: readonly string[]) => Promise<void>>> = {
  add: addTenant,
  list: listTenants,
  suspend: changeStatus,
  reactivate: changeStatus,
  offboard: offboardTenant,
  invite: inviteMember,
  budget: setBudget,
  models: setModels,
  costs: tenantCosts,
  health: tenantHealth,
  top: topTenants,
  'close-period': closePeriods,
  migrate: migrateTenant,
};

/** Runs one CLI command. */
export async function runCli(argv: readonly string[], context: CliContext): Promise<void> {
  const { positionals, values } = parseCommandLine(argv);
  const [command, ...args] = positionals;
  if (values.help) {
    context.out(USAGE);
    return;
  }
  if (!command) throw new UsageError('no command given');
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!run) throw new UsageError(`unknown command ${command}`);
  await run(new Session(command, values, context), args);
}

/** The local platform in `dataDir`, from its platform.json. */
export function localPlatformAccess(dataDir: string): PlatformAccess {
  const path = join(dataDir, 'platform.json');
  const file = readPlatformFile(path);
  if (!file) throw new CliError(`${path} does not exist: start the local platform first (npm start)`);
  return {
    apiUrl: file.apiUrl,
    regions: file.regions,
    cognitoEndpoint: file.cognitoEndpoint,
    platformAdmin: file.platformAdmin,
    mailboxDir: join(dataDir, 'mailbox'),
    metricsFile: join(dataDir, METRICS_SNAPSHOT_FILE),
    ...(file.s3Endpoint && existsSync(join(dataDir, 'bundle-secret'))
      ? {
          migration: {
            dynamoDbEndpoint: file.dynamoDbEndpoint,
            s3Endpoint: file.s3Endpoint,
            bundleSecret: readFileSync(join(dataDir, 'bundle-secret'), 'utf8').trim(),
            tableName: LOCAL_TABLE_NAME,
            credentialStoreDir: join(dataDir, 'credentials'),
            cognitoEndpoint: file.cognitoEndpoint,
          },
        }
      : {}),
  };
}

async function main(argv: string[]): Promise<void> {
  const option = (name: string) => {
    const at = argv.indexOf(name);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const dataDir = resolve(option('--data-dir') ?? (process.env.LOCAL_DATA_DIR || '.local'));
  await runCli(argv, {
    platform: () => localPlatformAccess(dataDir),
    tenantsDir: resolve(option('--tenants-dir') ?? 'tenants'),
    out: (line) => console.log(line),
    isTTY: process.stdout.isTTY === true,
  });
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`error: ${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    if (error instanceof CliError || error instanceof ManifestError) console.error(`error: ${error.message}`);
    else console.error(error);
    process.exit(1);
  });
}
