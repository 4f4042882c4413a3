import { HASH_CHAIN } from '../audit/audit-chain';
import type { Handler } from 'aws-lambda';
import { runtimeConfig, type RuntimeConfig } from './runtime-config';
import { createLogger } from '../core/logger';
import { resolveSecretEnvironment } from '../core/secrets';
import { CachedDirectory } from '../tenants/directory.cache';
import { DirectoryReader } from '../tenants/directory.reader';
import type { TenantDirectoryEntry } from '../tenants/tenant.schema';
import { heldMove } from '../tenants/tenant-move';
import { createTenantGate } from '../tenants/tenant-gate';
import { cachedSlugDirectory } from '../tenants/slug-directory';
import type { TenantSignalOptions } from '../core/tenant-signals';
// -- agents, memories, usage, audit
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TenantGate } from '../core/http';
import type { Logger } from '../core/logger';
import type { PlanSource } from '../quotas/plan.source';
import { CursorCodec } from '../data/cursor';
import { MutationExecutor } from '../data/mutation.executor';
import { CatalogueRetention } from '../portability/retention';
import { EXPIRY_RULES } from '../expiry-rules.catalogue';
import { isolationEnvSchema } from '../isolation/isolation.config';
import { createIsolation, type Isolation } from '../isolation/tenant-db';
import { CachedPlanSource } from '../quotas/plan.source';
// -- observability
import { capacityObserver } from '../observability/capacity.observer';
import type { RequestTelemetryPorts } from '../core/request-telemetry.middleware';
import { UsageMeter } from '../usage/usage.meter';
import type { RankedTenant } from '../observability/tenant-health.service';

const isolations = new WeakMap<RuntimeConfig, Isolation>();

/**
 * The isolation layer of a function instance (one per region's config locally): every DynamoDB access goes through
 * it, since execution roles hold no data permission. Shared by every group built from the same config, so the
 * credential cache is one per container and STS sees one call per tenant, not one per group.
 */
export function isolationOf(config: RuntimeConfig): Isolation {
  let isolation = isolations.get(config);
  if (!isolation) {
    isolation = createIsolation(config, { consumedCapacity: capacityObserver(meterOf(config)) });
    isolations.set(config, isolation);
  }
  return isolation;
}

/** What the route groups are built from, created once per function instance (and per region locally). */
export function createDependencies(config: RuntimeConfig, serviceName: string) {
  // Route groups only read the directory (tenant status, home region): the read-only role and guard.
  const directory = new DirectoryReader(isolationOf(config).directoryDb(), config.TABLE_NAME);
  // The gate of every request reads the entry through a short-lived cache (DIRECTORY_CACHE_SECONDS): a status change
  // holds within that bound.
  const gateDirectory = new CachedDirectory(directory, { ttlMs: config.DIRECTORY_CACHE_SECONDS * 1000 });
  return {
    config,
    logger: createLogger(serviceName, config.LOG_LEVEL),
    telemetry: telemetryOf(config),
    directory,
    gateDirectory,
    tenantGate: createTenantGate({ directory: gateDirectory, region: config.AWS_REGION, regionEndpoints: config.REGION_ENDPOINTS }),
  };
}

const tenantSignals = new WeakMap<RuntimeConfig, TenantSignalOptions>();

/**
 * Where the requests of a function instance name a tenant besides path and X-Tenant-Id: the Host subdomain, when
 * tenants are addressed by subdomain (API_BASE_DOMAIN), its slug resolved through the directory and kept for
 * DIRECTORY_CACHE_SECONDS. The handlers' middleware checks that every signal agrees with the credential.
 */
export function tenantSignalsOf(config: RuntimeConfig): TenantSignalOptions {
  const baseDomain = config.API_BASE_DOMAIN;
  if (!baseDomain) return {};
  let options = tenantSignals.get(config);
  if (!options) {
    const directory = new DirectoryReader(isolationOf(config).directoryDb(), config.TABLE_NAME);
    options = { baseDomain, slugs: cachedSlugDirectory(directory, { ttlMs: config.DIRECTORY_CACHE_SECONDS * 1000 }) };
    tenantSignals.set(config, options);
  }
  return options;
}

/** Secrets a function may be given by reference (`<NAME>_ARN`); see core/secrets.ts. */
const SECRET_NAMES = ['CURSOR_SECRET', 'BUNDLE_SECRET', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'] as const;

/**
 * A Lambda handler that builds the real one on its first call (cold start): secrets given by reference are read
 * first, then the environment is parsed once. A failed cold start is tried again by the next invocation. What the
 * instance's meter holds is written when Lambda shuts the container down (see writeOnShutdown).
 */
export function lazyHandler<E, R>(create: (config: RuntimeConfig) => (event: E, context: never) => Promise<R>): Handler<E, R> {
  let built: Promise<(event: E, context: never) => Promise<R>> | undefined;
  let config: RuntimeConfig | undefined;
  return async (event, context) => {
    built ??= resolveSecretEnvironment(SECRET_NAMES).then(() => {
      if (!config) {
        config = runtimeConfig();
        const meterConfig = config;
        writeOnShutdown(() => meterOf(meterConfig).flush());
      }
      return create(config);
    });
    const handler = await built.catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return handler(event, context as never);
  };
}

/**
 * Writes what the function instance still holds when Lambda shuts its container down: the meter's figures that no
 * later request would write. Lambda signals the runtime (SIGTERM, then SIGKILL after about 300 ms) only where the
 * function has an external extension; the route groups that sign list cursors have one, the Parameters and Secrets
 * extension. Elsewhere the signal never comes and nothing changes. Called once per container (lazyHandler).
 */
export function writeOnShutdown(write: () => Promise<void>, signals: Pick<NodeJS.Process, 'once' | 'exit'> = process): void {
  signals.once('SIGTERM', () => {
    // The process ends whatever the write does; metering swallows its own failures.
    void write()
      .catch(() => undefined)
      .finally(() => signals.exit(0));
  });
}

/**
 * The tenants a region serves, from its directory copy: those homed here that are active or suspended; with `changing`
 * (for the jobs that write to them) not those a migration is moving away, whose changes it holds.
 */
export function regionTenants(config: RuntimeConfig, { changing = false } = {}): () => Promise<RankedTenant[]> {
  let directory: DirectoryReader | undefined;
  return async () => {
    // Made on first use: only the functions that list the region's tenants read the directory listing.
    directory ??= new DirectoryReader(isolationOf(config).directoryDb(), config.TABLE_NAME);
    const tenants: RankedTenant[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await directory.list(100, start);
      for (const entry of page.items) {
        if (changing && heldMove(entry)) continue;
        if (entry.region === config.AWS_REGION && (entry.status === 'ACTIVE' || entry.status === 'SUSPENDED')) {
          tenants.push({ tenantId: entry.tenantId, slug: entry.slug, status: entry.status });
        }
      }
      start = page.lastEvaluatedKey;
    } while (start);
    return tenants;
  };
}

// -- agents, memories, usage, audit

/** What the agent, memory, usage and audit groups are built from: tenant-scoped data only, through the isolation layer. */
export interface ResourceDependencies {
  readonly logger: Logger;
  readonly tenantGate: TenantGate;
  readonly tableName: string;
  /** The tenant-scoped client of a tenant (`isolation.forTenant`): it refuses keys outside the tenant. */
  readonly db: (tenantId: string) => DynamoDBDocumentClient;
  readonly cursors: CursorCodec;
  readonly executor: MutationExecutor;
  readonly plans: PlanSource;
  /** Tier lookup and metering (usage, cost, health) of the request metrics. @default tier unknown, nothing metered */
  readonly telemetry?: RequestTelemetryPorts;
  /** The region's directory copy, read through the gate's cache (the compliance report's user pool). @default none */
  readonly directory?: { get(tenantId: string): Promise<TenantDirectoryEntry | undefined> };
  /** @default Date.now */
  readonly clock?: () => number;
}

/**
 * Tenant-scoped writes: the tenant clients of the instance's isolation layer, the plan source and the mutation
 * executor. Needs the tenant data role only (functions that write nothing else, like the memory-expiry stream
 * consumer, are built from this alone). `retentionCacheMs` bounds how long the executor's retention trusts a tenant's
 * settings (default RETENTION_SETTINGS_CACHE_MS).
 */
export function createTenantWrites(config: RuntimeConfig, options: { readonly retentionCacheMs?: number } = {}) {
  const isolation = isolationOf(config);
  const db = (tenantId: string) => isolation.forTenant(tenantId);
  const plans = new CachedPlanSource({ db, tableName: config.TABLE_NAME });
  const retention = retentionOf(db, config.TABLE_NAME, options.retentionCacheMs);
  const executor = new MutationExecutor({ chain: HASH_CHAIN, db, tableName: config.TABLE_NAME, plans, retention });
  return { db, plans, executor };
}

/** Retention applied on write by a mutation executor: the catalogue's expiring kinds and the tenants' settings, read with the tenant's client. */
export function retentionOf(db: (tenantId: string) => DynamoDBDocumentClient, tableName: string, cacheMs?: number): CatalogueRetention {
  return new CatalogueRetention({ db, tableName, catalogue: EXPIRY_RULES, ...(cacheMs !== undefined ? { cacheMs } : {}) });
}

/** The resource dependencies of a function instance, from the runtime config and the isolation environment. */
export function createResourceDependencies(config: RuntimeConfig, serviceName: string): ResourceDependencies {
  const base = createDependencies(config, serviceName);
  // The isolation settings are part of the runtime config; resource groups cannot run without a cursor secret.
  const isolationEnv = isolationEnvSchema.parse(config);
  const { db, plans, executor } = createTenantWrites(config);
  return {
    logger: base.logger,
    telemetry: base.telemetry,
    // Platform admins' access to a tenant lands in that tenant's audit log (property 6).
    tenantGate: createTenantGate({ directory: base.gateDirectory, region: config.AWS_REGION, regionEndpoints: config.REGION_ENDPOINTS, audit: executor }),
    directory: base.gateDirectory,
    tableName: config.TABLE_NAME,
    db,
    cursors: new CursorCodec(isolationEnv.CURSOR_SECRET),
    executor,
    plans,
  };
}

// -- observability

const telemetries = new WeakMap<RuntimeConfig, RequestTelemetryPorts>();
const meters = new WeakMap<RuntimeConfig, UsageMeter>();

/**
 * The usage meter of a function instance (one per region's config locally): requests, cost quantities and hourly
 * health of every tenant it serves, written to the tenants' usage and health items.
 */
export function meterOf(config: RuntimeConfig): UsageMeter {
  let meter = meters.get(config);
  if (!meter) {
    meter = new UsageMeter({
      db: (tenantId) => isolationOf(config).forTenant(tenantId),
      tableName: config.TABLE_NAME,
      flushEvery: config.METER_FLUSH_REQUESTS,
      flushAfterMs: config.METER_FLUSH_SECONDS * 1000,
    });
    meters.set(config, meter);
  }
  return meter;
}

/**
 * An entry that serves no route (a stream or queue consumer, a schedule, a trigger, the authorizer) still reads and
 * writes tenants' items through their tenant clients, and the capacity those calls consume is the tenants' cost
 * (isolationOf hands it to the meter). No metered request comes to write it: the handler this returns writes what
 * the function instance's meter holds before each invocation ends, as Lambda may end the container before the next.
 * `due` writes only figures that waited long enough (METER_FLUSH_SECONDS), for the authorizer, whose answer waits.
 */
export function writingMeter<A extends unknown[], R>(config: RuntimeConfig, handler: (...args: A) => Promise<R>, what: 'all' | 'due' = 'all') {
  return async (...args: A): Promise<R> => {
    try {
      return await handler(...args);
    } finally {
      // Never rejects: a write that fails is dropped (metering must not fail the invocation).
      await (what === 'all' ? meterOf(config).flush() : meterOf(config).flushDue());
    }
  };
}

/** What the request metrics of every group read: the tenant's tier (through the plan cache) and the usage meter. */
export function telemetryOf(config: RuntimeConfig): RequestTelemetryPorts {
  let telemetry = telemetries.get(config);
  if (!telemetry) {
    const plans = new CachedPlanSource({ db: (tenantId) => isolationOf(config).forTenant(tenantId), tableName: config.TABLE_NAME });
    telemetry = { tierOf: async (tenantId) => (await plans.planOf(tenantId)).id, meter: meterOf(config) };
    telemetries.set(config, telemetry);
  }
  return telemetry;
}
