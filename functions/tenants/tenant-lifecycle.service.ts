import type { AuditEvent } from '../audit/audit-chain';
import type { UsageKeyBinding } from '../billing/usage-key.binding';
import { ConfigError } from '../core/config';
import { ForbiddenError, IllegalTransitionError, NotFoundError, PreconditionFailedError, ValidationError, WrongRegionError } from '../core/errors';
import { DEFAULT_PAGE_SIZE, etagOf, ifMatchAccepts, type Page } from '../core/request-conventions';
import type { CursorCodec } from '../data/cursor';
import type { MutationContext, MutationResult } from '../data/mutation.context';
import type { MutationExecutor, StoredResponse } from '../data/mutation.executor';
import type { AuthContext } from '../core/auth-context';
import type { OnboardingEvents, ProvisioningResult } from './onboarding.events';
import type { ReplicatedDirectory } from './tenant-directory.replicas';
import type { LifecycleEvent } from './tenant-lifecycle';
import type { TenantManifest } from './tenant-manifest.schema';
import type { TenantPurge } from './tenant-purge';
import { tenantRecordWrites } from './tenant.repository';
import type { Tenant, TenantAuth, TenantDirectoryEntry, TenantStatus } from './tenant.schema';

/** A tenant's home region as the lifecycle needs it: the tenant's record, its audited mutations, its purge. */
export interface TenantHome {
  record(tenantId: string): Promise<Tenant | undefined>;
  manifest(tenantId: string): Promise<TenantManifest | undefined>;
  readonly mutations: Pick<MutationExecutor, 'execute'>;
  readonly purge: Pick<TenantPurge, 'purge'>;
  /** Invites the first admins of a tenant that has just become ACTIVE. */
  inviteAdmins(tenantId: string, emails: readonly string[], requestId: string): Promise<void>;
  /**
   * Moves tenants' usage keys between the region's usage plans, so a plan change throttles at once.
   * @default none: plan changes are refused (ConfigError), never recorded without moving the key
   */
  readonly usageKeys?: UsageKeyBinding;
}

export interface TenantLifecycleOptions {
  readonly directory: Pick<ReplicatedDirectory, 'get' | 'list' | 'reserve' | 'unreserve' | 'transition' | 'updateBranding' | 'release'>;
  /** The home of each served region; throws for others. */
  readonly homeOf: (region: string) => TenantHome;
  /** The residency regions tenants can be homed in. */
  readonly servedRegions: readonly string[];
  /** The region this function serves, and the control plane's. */
  readonly region: string;
  readonly controlPlaneRegion: string;
  readonly regionEndpoints: Readonly<Record<string, string>>;
  readonly events: OnboardingEvents;
  readonly cursors: CursorCodec;
  /** @default the system clock */
  readonly clock?: () => Date;
}

/** What a tenant-admin may change of its tenant; plan and status are the platform's. */
export interface TenantChanges {
  readonly name?: string;
  readonly branding?: Tenant['branding'];
  readonly settings?: Tenant['settings'];
  readonly plan?: Tenant['plan'];
  readonly status?: 'ACTIVE' | 'SUSPENDED';
}

/** The actor of changes made by the provisioning pipeline. */
const PIPELINE_ACTOR = 'system:provisioning';

/** The cursor binding of the platform-wide tenant list: no tenant's lists can share it. */
const TENANT_LIST = { tenantId: '-platform-', list: 'tenants' };

function tenantResponse(tenant: Tenant, status = 200): StoredResponse {
  return { status, body: tenant, headers: { etag: etagOf(tenant.version) } };
}

/**
 * Tenant onboarding and lifecycle. The control-plane copy of the directory decides every status change (a
 * conditional write from the current status, so only legal transitions happen, even concurrently); the other
 * regions' copies and the tenant's record in its home region follow, the record change audited in the tenant's
 * own log. The provisioning pipeline is asked through onboarding events and answers through `complete`.
 */
export class TenantLifecycleService {
  private readonly clock: () => Date;

  constructor(private readonly options: TenantLifecycleOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * Onboards a tenant from its manifest: reserves id and slug (409 when taken), records it as PROVISIONING in its
   * home region and asks the pipeline to provision it. Answers 202 with the record.
   */
  async create(auth: AuthContext, manifest: TenantManifest, requestId: string): Promise<MutationResult> {
    this.assertControlPlane();
    if (!this.options.servedRegions.includes(manifest.homeRegion)) {
      throw new ValidationError(
        `homeRegion ${manifest.homeRegion} is not served (served: ${this.options.servedRegions.join(', ')})`,
        [{ pointer: 'body.homeRegion', message: `must be one of ${this.options.servedRegions.join(', ')}` }],
        'body',
      );
    }
    const home = this.options.homeOf(manifest.homeRegion);
    const now = this.clock().toISOString();
    const entry: TenantDirectoryEntry = {
      tenantId: manifest.id,
      slug: manifest.slug,
      region: manifest.homeRegion,
      status: 'PROVISIONING',
      emailDomains: manifest.emailDomains,
      branding: manifest.branding,
    };
    await this.options.directory.reserve(entry);
    const tenant: Tenant = {
      tenantId: manifest.id,
      slug: manifest.slug,
      name: manifest.name,
      plan: manifest.plan,
      region: manifest.homeRegion,
      status: 'PROVISIONING',
      branding: manifest.branding,
      settings: manifest.settings,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    try {
      await home.mutations.execute({
        tenantId: tenant.tenantId,
        event: this.event(actorOf(auth), requestId, 'tenant.create', tenant.tenantId, { slug: tenant.slug, plan: tenant.plan, region: tenant.region }),
        writes: tenantRecordWrites.create(tenant, manifest),
      });
    } catch (error) {
      // Nothing of the tenant exists yet but its reservation: give the id and slug back.
      await this.options.directory.unreserve(entry).catch(() => undefined);
      throw error;
    }
    try {
      await this.options.events.provisioningRequested({ tenantId: tenant.tenantId, slug: tenant.slug, homeRegion: tenant.region, manifest });
    } catch (error) {
      // The tenant stays visible as FAILED, from where it can be retried (from its manifest) or offboarded.
      await this.transition(
        { tenantId: tenant.tenantId, actor: actorOf(auth), requestId },
        'provisioningFailed',
        {},
        { reason: 'the provisioning request could not be sent' },
      ).catch(() => undefined);
      throw error;
    }
    return {
      response: { ...tenantResponse(tenant, 202), headers: { etag: etagOf(tenant.version), location: `/v1/tenants/${tenant.tenantId}` } },
      replayed: false,
    };
  }

  /** The directory's tenants, a page at a time (platform admins only). */
  async list(query: { readonly limit?: number; readonly cursor?: string; readonly status?: TenantStatus }): Promise<Page<TenantDirectoryEntry>> {
    this.assertControlPlane();
    const start = query.cursor ? this.options.cursors.decode(TENANT_LIST, query.cursor) : undefined;
    const page = await this.options.directory.list(query.limit ?? DEFAULT_PAGE_SIZE, start);
    const nextCursor = this.options.cursors.encode(TENANT_LIST, page.lastEvaluatedKey);
    const items = query.status ? page.items.filter((entry) => entry.status === query.status) : page.items;
    return { items, ...(nextCursor ? { nextCursor } : {}) };
  }

  /**
   * Changes the tenant's record. Name, branding and settings: tenant-admins and platform admins; plan and status:
   * platform admins only (403 otherwise). A status change is the lifecycle event it means (suspend, reactivate).
   */
  async update(context: MutationContext, auth: AuthContext, changes: TenantChanges): Promise<MutationResult> {
    const { tenantId } = context;
    if ((changes.plan !== undefined || changes.status !== undefined) && auth.principalType !== 'platform-admin') {
      throw new ForbiddenError('only platform admins change the plan or the status of a tenant');
    }
    const current = await this.record(tenantId);
    if (!ifMatchAccepts(context.ifMatch, current.version)) throw new PreconditionFailedError(`tenant ${tenantId} is at version ${current.version}`);
    if (changes.status !== undefined && changes.status !== current.status) {
      const event: LifecycleEvent = changes.status === 'SUSPENDED' ? 'suspend' : 'reactivate';
      await this.transition(context, event);
    }
    const { status: _status, ...fields } = changes;
    const updated = await this.record(tenantId);
    const home = this.home(updated.region);
    if (fields.plan !== undefined && !home.usageKeys) {
      throw new ConfigError('invalid runtime configuration: USAGE_KEY_BINDING is required to change plans');
    }
    if (Object.values(fields).every((value) => value === undefined)) return { response: tenantResponse(updated), replayed: false };
    const now = this.clock().toISOString();
    const after: Tenant = { ...updated, ...definedOf(fields), updatedAt: now, version: updated.version + 1 };
    const response = tenantResponse(after);
    const outcome = await home.mutations.execute({
      tenantId,
      event: this.event(context.actor, context.requestId, 'tenant.update', tenantId, definedOf(fields)),
      writes: [tenantRecordWrites.update(tenantId, updated.version, fields, now)],
      ...(context.idempotency ? { idempotency: context.idempotency, response } : {}),
    });
    // After the record: a failure here answers 5xx and the retried change (same or new request) binds again, as
    // binding is idempotent. A replay binds too, in case the first attempt failed at this step.
    if (fields.plan !== undefined) await home.usageKeys?.bind(tenantId, fields.plan);
    if (outcome.replayed) return { response: outcome.response, replayed: true };
    if (fields.branding) await this.options.directory.updateBranding(tenantId, fields.branding);
    return { response, replayed: false };
  }

  /** Suspends an ACTIVE tenant: its users get 403 tenant-suspended on everything but reading the tenant. */
  suspend(context: MutationContext): Promise<MutationResult> {
    return this.respondWith(context, 'suspend');
  }

  reactivate(context: MutationContext): Promise<MutationResult> {
    return this.respondWith(context, 'reactivate');
  }

  /** Starts offboarding: the pipeline removes the tenant's pool, then its data is purged and its slug released. */
  offboard(context: MutationContext): Promise<MutationResult> {
    return this.respondWith(context, 'offboard', 202);
  }

  /** Provisions a FAILED tenant again from its manifest. */
  retry(context: MutationContext): Promise<MutationResult> {
    return this.respondWith(context, 'retry', 202);
  }

  /**
   * Handles an answer of the provisioning pipeline. Answers may come twice (EventBridge delivers at least once): an
   * answer the tenant's status already reflects changes nothing.
   */
  async complete(result: ProvisioningResult, requestId: string): Promise<void> {
    const { tenantId } = result.detail;
    const entry = await this.options.directory.get(tenantId);
    if (!entry) throw new NotFoundError(`tenant ${tenantId} not found`);
    const context = { tenantId, actor: PIPELINE_ACTOR, requestId };
    switch (result.kind) {
      case 'provisioningSucceeded': {
        if (entry.status === 'ACTIVE') return;
        const manifest = await this.home(entry.region).manifest(tenantId);
        await this.transition(context, 'provisioned', { auth: withIdentityProviders(result.detail.auth, manifest) });
        if (manifest) await this.home(entry.region).inviteAdmins(tenantId, manifest.admins, requestId);
        return;
      }
      case 'provisioningFailed':
        if (entry.status === 'FAILED') return;
        await this.transition(context, 'provisioningFailed', {}, { reason: result.detail.reason });
        return;
      case 'offboardingCompleted':
        return this.purge(entry);
    }
  }

  // -- helpers

  /**
   * Marks the tenant DELETED in every directory copy first, so the tenant gate refuses everyone (platform admins
   * included) before its data goes: no request can write under its keys once the purge has started. The purge runs
   * again on a repeated answer, since a purge that failed half-way leaves the tenant DELETED already.
   */
  private async purge(entry: TenantDirectoryEntry): Promise<void> {
    const { tenantId } = entry;
    if (entry.status === 'OFFBOARDING') await this.options.directory.transition(tenantId, 'purged');
    else if (entry.status !== 'DELETED') throw new IllegalTransitionError(`tenant ${tenantId} is ${entry.status}, not OFFBOARDING`, entry.status, 'purged');
    await this.home(entry.region).purge.purge(tenantId);
    await this.options.directory.release(entry);
  }

  private async respondWith(context: MutationContext, event: LifecycleEvent, status = 200): Promise<MutationResult> {
    const tenant = await this.transition(context, event);
    return { response: tenantResponse(tenant, status), replayed: false };
  }

  /**
   * One lifecycle step: the directory decides (409 when illegal), the record follows with an audit entry in the
   * tenant's log, then the pipeline is asked when the step needs it.
   */
  private async transition(
    context: Pick<MutationContext, 'tenantId' | 'actor' | 'requestId'>,
    event: LifecycleEvent,
    changes: { readonly auth?: TenantDirectoryEntry['auth'] } = {},
    detail: Record<string, unknown> = {},
  ): Promise<Tenant> {
    const { tenantId } = context;
    const { from, entry } = await this.options.directory.transition(tenantId, event, changes);
    const home = this.home(entry.region);
    const now = this.clock().toISOString();
    if (entry.status !== 'DELETED') {
      await home.mutations.execute({
        tenantId,
        event: this.event(context.actor, context.requestId, `tenant.${event}`, tenantId, { from, to: entry.status, ...detail }),
        writes: [tenantRecordWrites.status(tenantId, entry.status, now)],
      });
    }
    if (event === 'offboard') {
      await this.options.events.offboardingRequested({ tenantId, slug: entry.slug, homeRegion: entry.region, ...(entry.auth ? { auth: entry.auth } : {}) });
    }
    if (event === 'retry') {
      const manifest = await home.manifest(tenantId);
      if (!manifest) throw new NotFoundError(`tenant ${tenantId} has no manifest to provision from`);
      await this.options.events.provisioningRequested({ tenantId, slug: entry.slug, homeRegion: entry.region, manifest });
    }
    return this.record(tenantId);
  }

  private async record(tenantId: string): Promise<Tenant> {
    const entry = await this.options.directory.get(tenantId);
    const tenant = entry ? await this.home(entry.region).record(tenantId) : undefined;
    if (!entry || !tenant) throw new NotFoundError(`tenant ${tenantId} not found`);
    return tenant;
  }

  private home(region: string): TenantHome {
    return this.options.homeOf(region);
  }

  private assertControlPlane(): void {
    const { region, controlPlaneRegion, regionEndpoints } = this.options;
    if (region !== controlPlaneRegion) {
      throw new WrongRegionError(`tenants are onboarded and listed in ${controlPlaneRegion}`, controlPlaneRegion, regionEndpoints[controlPlaneRegion]);
    }
  }

  private event(actor: string, requestId: string, action: string, tenantId: string, change: unknown): AuditEvent {
    return { actor, action, target: `tenant/${tenantId}`, requestId, change };
  }
}

/**
 * The pool's login with the names of the SSO providers its manifest federates (the tenant stack creates them from the
 * same manifest), so that discovery can offer a button per provider.
 */
function withIdentityProviders(auth: TenantAuth, manifest: TenantManifest | undefined): TenantAuth {
  const names = manifest ? [...manifest.sso.saml, ...manifest.sso.oidc].map((provider) => provider.name) : [];
  return names.length > 0 ? { ...auth, identityProviders: names } : auth;
}

function actorOf(auth: AuthContext): string {
  return `${auth.principalType}:${auth.principalId}`;
}

function definedOf<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
