import * as keys from '../data/table-keys';
import { itemExists } from '../data/conditions';
import { updateOf } from '../data/updates';
import type { ItemWrite, MutationExecutor } from '../data/mutation.executor';
import { ConflictError, NotFoundError } from '../core/errors';
import type { DataKind } from '../data/data-kind';
import type { DirectoryRepository } from '../tenants/directory.repository';
import type { TenantDirectoryEntry, TenantMove } from '../tenants/tenant.schema';
import { heldMove } from '../tenants/tenant-move';
import { tenantPoolRegistration, type IssuerRegistryRepository } from '../identity/issuer-registry.repository';
import type { CredentialSecretStore } from '../governance/credential-store';
import { ModelCredentialRepository } from '../governance/model-credential.repository';
import { copyCredentialSecrets } from './credential-move';
import type { MigrationStep } from './migration-steps';
import type { TenantPurge } from '../tenants/tenant-purge';
import type { Readable } from 'node:stream';
import { fileNameOf, MANIFEST_FILE, manifestSchema, type BundleManifest } from './bundle.schema';
import { itemOf, NdjsonReader } from './ndjson';
import { TABLE_SCHEMA } from '../data/table.schema';
import { itemsOfKind } from './kind-items';
import { auditEntryKind } from '../audit/audit.kind';
import { ObjectNotFoundError, type ObjectStore } from './object-store';
import type { KindProgress } from './tenant-export';
import { bundlePrefix, type TenantExporter } from './tenant-export';
import { KEY_ATTRIBUTES, type TenantImporter } from './tenant-import';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { UsageKeyProvisioning } from '../billing/usage-key.binding';
import { TenantRepository } from '../tenants/tenant.repository';
import { poolRegionOf, type TenantAuth } from '../tenants/tenant.schema';
import { MemberRepository } from '../users/member.repository';
import type { PoolUsers } from '../users/pool-users';
import type { TenantPools } from '../users/tenant-pools';
import { movePoolUsers } from './pool-move';

/** One residency region as a migration reaches it. */
export interface MigrationRegion {
  readonly region: string;
  readonly db: (tenantId: string) => DynamoDBDocumentClient;
  readonly tableName: string;
  readonly exporter: TenantExporter;
  readonly importer: TenantImporter;
  /** Deletes the tenant's items, and its secrets in the region's credential store (moved to the target before). */
  readonly purge: Pick<TenantPurge, 'purge'>;
  readonly executor: Pick<MutationExecutor, 'execute'>;
  /** The region's issuer registry: which pools' tokens the region's API trusts, and for which tenant. */
  readonly issuers: Pick<IssuerRegistryRepository, 'register'>;
  /**
   * The region's API Gateway usage plans: a migration to the region makes sure the tenant's usage key exists there and
   * is in its plan's usage plan (the authorizer names the key for every request of the tenant). Absent where the
   * platform moves no keys (USAGE_KEY_BINDING unset).
   */
  readonly usageKeys?: UsageKeyProvisioning;
  /** The region's credential store, whose tenant secrets a migration copies to the target's store. */
  readonly credentials: Pick<CredentialSecretStore, 'read' | 'put'>;
  /**
   * The region's tenant pools and their users: a migration moves the tenant's users from its pool in the source to
   * its pool in the target. Absent where the platform has no pools to move (the pool then stays, trusted in the target).
   */
  readonly pools?: { readonly tenants: TenantPools; readonly users: PoolUsers };
}

export interface TenantMigrationProps {
  readonly regions: Readonly<Record<string, MigrationRegion>>;
  /** Every region's copy of the tenant directory (written through the platform role). */
  readonly directories: readonly DirectoryRepository[];
  readonly catalogue: readonly DataKind[];
  /** Reads a bundle's manifest, to find an export made before a crash. */
  readonly readManifest: (prefix: string) => Promise<BundleManifest | undefined>;
  /**
   * Reads a kind's items from a bundle (the migration's own, checked by its import), for the metered kinds' counts
   * carried at the end. @default metered counts are not carried
   */
  readonly readKind?: (prefix: string, kind: DataKind) => AsyncIterable<Record<string, unknown>>;
  /**
   * The bound within which every function instance of a region sees a change of the directory (their tenant gates cache
   * its answers for DIRECTORY_CACHE_SECONDS): the migration waits that long after it marks the tenant as moving, before
   * it exports (every gate then refuses the tenant's changes), and after the cut-over, before it purges the source
   * (until then an instance may still serve the tenant there, and it finds its data).
   * @default 0
   */
  readonly cutOverSettleMs?: number;
}

export { MIGRATION_STEPS, type MigrationStep } from './migration-steps';

/** Told after each step, with the items per kind the step handled. */
export type MigrationListener = (step: MigrationStep, items: readonly KindProgress[]) => Promise<void> | void;

export interface MigrationRequest {
  readonly tenantId: string;
  readonly to: string;
  readonly actor: string;
  readonly requestId: string;
  /**
   * Names the migration's bundle (`tenants/<tenantId>/exports/<exportId>/` of the target's bucket), so a resumed run
   * finds its own export and never an earlier migration's. @default the one of the move under way to `to` (its mark in
   * the directory names it), else a new `migration-to-<to>-<time>`
   */
  readonly exportId?: string;
}

/**
 * Moves a tenant to another residency region: hold its changes in its home region (marked as moving in every directory
 * copy, until the cut-over: its gates answer 503 tenant-moving), export there, import into the target region's table,
 * verify the counts per kind and the audit chain there, move its users to its pool in the target region, copy its
 * credential secrets from the source's credential store to the target's (never through the bundle), cut the directory
 * over in every region (the old region then answers 421 with the new endpoint), carry into the target what the source
 * recorded after the export (audit entries, metered counts), and purge the source (its items and its secrets). Every
 * step is idempotent and recognised by what it left behind (the bundle of the migration, the import's record, the
 * directory's region and pool, the carried records' idempotency keys), so running the migration again after a crash at
 * any step resumes it.
 */
export class TenantMigration {
  constructor(private readonly props: TenantMigrationProps) {}

  async migrate(request: MigrationRequest, onStep: MigrationListener = () => undefined): Promise<BundleManifest> {
    const { tenantId, to } = request;
    const entry = await this.props.directories[0].get(tenantId);
    if (!entry) throw new NotFoundError(`tenant ${tenantId} not found`);
    const target = this.regionOf(to);
    const homedThere = entry.region === to;
    // A move under way is resumed under its own export; a new one gets a bundle no earlier run can have left.
    const exportId = request.exportId ?? (entry.moving?.to === to ? entry.moving.exportId : `migration-to-${to}-${Date.now()}`);
    const prefix = bundlePrefix(tenantId, exportId);
    // Held from here to the cut-over; the mark stays on (inert: it names the home) until the source is purged, so a run
    // resumed after the cut-over finds its export again.
    const move = homedThere ? entry.moving : await this.holdWrites(tenantId, { to, exportId, since: new Date().toISOString() });

    let manifest = await this.props.readManifest(prefix);
    // A bundle made while the tenant was not held (its move given up, then writes taken) misses those writes.
    if (manifest && !homedThere && entry.moving?.exportId !== exportId) {
      throw new ConflictError(`the bundle ${exportId} was made before the tenant's latest changes (its move was given up): start a new migration`);
    }
    if (!manifest) {
      if (homedThere) throw new ConflictError(`tenant ${tenantId} is already homed in ${to} and no bundle of a migration there is left`);
      const source = this.regionOf(entry.region);
      await source.executor.execute({
        tenantId,
        event: {
          actor: request.actor,
          action: 'tenant.migrate',
          target: `migration/${exportId}`,
          requestId: request.requestId,
          change: { from: entry.region, to },
        },
      });
      manifest = await source.exporter.export({ tenantId, exportId, createdBy: request.actor });
    }
    await onStep(
      'exported',
      manifest.files.map((file) => ({ kind: file.kind, items: file.items, bytes: file.bytes })),
    );

    const imported = await target.importer.import({ tenantId, bundlePrefix: prefix, actor: request.actor, requestId: request.requestId });
    await onStep('imported', imported.items);

    await this.verifyCounts(target, tenantId, manifest);
    await onStep('verified', []);

    const auth = await this.movePool(target, request, entry);
    await this.copySecrets(target, request, manifest.sourceRegion, homedThere);
    const { moving: _earlier, ...routed } = entry;
    await this.cutOver(target, request, { ...routed, ...(move ? { moving: move } : {}), ...(auth ? { auth } : {}) }, manifest.sourceRegion, exportId);
    await onStep('cut-over', []);

    // The bundle names the source, so a run resumed after the cut-over still purges it.
    if (manifest.sourceRegion !== to) {
      await sleep(this.settleMs);
      const source = this.regionOf(manifest.sourceRegion);
      await this.carryLateEntries(source, target, request, manifest);
      await this.carryLateCounts(source, target, request, prefix, exportId);
      await source.purge.purge(tenantId);
    }
    for (const directory of this.props.directories) await directory.clearMoving(tenantId, exportId);
    await onStep('purged', []);
    return manifest;
  }

  /**
   * Records in the target's log, before the purge deletes them, the entries the source's log took after the export: a
   * platform admin's reads of the held tenant are recorded there as every access is (no change is taken meanwhile).
   * Each becomes an entry of its own in the target, with its actor, action, target and request id, and its source
   * region, time, id and digest as its change; once, keyed by its id, so a resumed run carries nothing twice.
   */
  private async carryLateEntries(source: MigrationRegion, target: MigrationRegion, request: MigrationRequest, manifest: BundleManifest): Promise<void> {
    const { tenantId } = request;
    // An entry's time is taken before its transaction commits: one dated a little before the export may still be late.
    const from = new Date(Date.parse(manifest.createdAt) - LATE_COMMIT_MS).toISOString();
    const recent = async (region: MigrationRegion) => {
      const entries: Record<string, unknown>[] = [];
      for await (const item of itemsOfKind(auditEntryKind, tenantId, region.db(tenantId), region.tableName)) {
        if (typeof item.id === 'string' && String(item.time) >= from) entries.push(item);
      }
      return entries;
    };
    const imported = new Set((await recent(target)).map((entry) => entry.id));
    const late = (await recent(source)).filter((entry) => !imported.has(entry.id)).sort((a, b) => String(a.id).localeCompare(String(b.id)));
    for (const entry of late) {
      const id = String(entry.id);
      await target.executor.execute({
        tenantId,
        event: {
          actor: String(entry.actor),
          action: String(entry.action),
          target: String(entry.target),
          requestId: String(entry.requestId),
          change: { carriedFrom: source.region, id, time: entry.time, digest: entry.digest },
        },
        idempotency: { key: `carried-audit-entry-${id}`, fingerprint: id },
        response: { status: 200, body: { carried: id } },
      });
    }
  }

  /**
   * Adds to the target what the source's metered kinds counted after the export (the requests its reads were metered
   * with while the tenant was held, until every gate saw the cut-over): each counter's growth over the bundle's item,
   * in transactions of the target's executor, each once (keyed by the export and its place), so a resumed run adds
   * nothing twice. An item the bundle lacks brings its expiry along.
   */
  private async carryLateCounts(source: MigrationRegion, target: MigrationRegion, request: MigrationRequest, prefix: string, exportId: string): Promise<void> {
    const { readKind } = this.props;
    if (!readKind) return;
    const { tenantId } = request;
    const writes: ItemWrite[] = [];
    for (const kind of this.props.catalogue.filter((candidate) => candidate.metered)) {
      const exported = new Map<string, Record<string, unknown>>();
      for await (const item of readKind(prefix, kind)) exported.set(storedKeyOf(item), item);
      for await (const item of itemsOfKind(kind, tenantId, source.db(tenantId), source.tableName)) {
        const before = exported.get(storedKeyOf(item));
        const growth = countsGrown(item, before);
        if (Object.keys(growth).length === 0) continue;
        const stamps = before ? {} : stampsOf(item);
        const change = { add: growth, ...(Object.keys(stamps).length > 0 ? { set: stamps } : {}) };
        writes.push({ update: { Key: { [PK]: item[PK], [SK]: item[SK] }, ...updateOf(change) } });
      }
    }
    for (let start = 0; start < writes.length; start += COUNTS_PER_TRANSACTION) {
      const key = `carried-counts-${exportId}-${start / COUNTS_PER_TRANSACTION}`;
      const batch = writes.slice(start, start + COUNTS_PER_TRANSACTION);
      await target.executor.execute({
        tenantId,
        event: {
          actor: request.actor,
          action: 'tenant.counts-carried',
          target: `migration/${exportId}`,
          requestId: request.requestId,
          change: { from: source.region, items: batch.length },
        },
        writes: batch,
        idempotency: { key, fingerprint: key },
        response: { status: 200, body: {} },
      });
    }
  }

  /**
   * Gives up a move that failed before its cut-over (the one of that export, else the one under way): the tenant takes
   * changes again in its home region. A move past its cut-over is left to be resumed.
   */
  async abandon(tenantId: string, exportId?: string): Promise<void> {
    const entry = await this.props.directories[0].get(tenantId);
    const move = entry && heldMove(entry);
    if (!move || (exportId !== undefined && move.exportId !== exportId)) return;
    for (const directory of this.props.directories) await directory.clearMoving(tenantId, move.exportId);
  }

  /**
   * Marks the tenant as moving in every region's directory copy, then waits until every gate and run consumer of its
   * home region sees the mark (their caches keep an entry up to the settle bound; a resumed move waits only what is
   * left of it): from then on no change of the tenant is taken there, so the export holds all of them.
   */
  private async holdWrites(tenantId: string, move: TenantMove): Promise<TenantMove> {
    let held = move;
    for (const directory of this.props.directories) {
      const mark = await directory.markMoving(tenantId, move);
      if (Date.parse(mark.since) < Date.parse(held.since)) held = mark;
    }
    await sleep(Date.parse(held.since) + this.settleMs - Date.now());
    return held;
  }

  private get settleMs(): number {
    return this.props.cutOverSettleMs ?? 0;
  }

  /**
   * Copies the tenant's credential secrets to the target's store before any directory copy sends the tenant there. Once
   * a run before cut over (`served`), only the missing ones: a secret rotated in the target is never overwritten.
   */
  private async copySecrets(target: MigrationRegion, request: MigrationRequest, source: string, served: boolean): Promise<void> {
    if (source === request.to) return;
    const credentials = await new ModelCredentialRepository(target.db, target.tableName).list(request.tenantId);
    const credentialIds = credentials.map((credential) => credential.credentialId);
    await copyCredentialSecrets({
      tenantId: request.tenantId,
      credentialIds,
      from: this.regionOf(source).credentials,
      to: target.credentials,
      missingOnly: served,
    });
  }

  private regionOf(region: string): MigrationRegion {
    const data = this.props.regions[region];
    if (!data) throw new NotFoundError(`no residency region ${region}`);
    return data;
  }

  /**
   * Moves the tenant's users to its pool in the target region before any directory copy sends them there, so no
   * sign-in data of the tenant stays in the old region (movePoolUsers): the target's pool is the one the tenant's stack
   * made there (locally, made as it would), trusted for the tenant in the target and in the old pool's region (whose
   * API then answers the new tokens 421). Answers the pool the directory is to name. A run resumed after the cut-over
   * finds the pool moved already.
   *
   * Where the regions have no pools to move, the pool stays where it was made and only its registration (the one the
   * tenant's stack made there: its app client, its JWKS) is put into the target's issuer registry.
   */
  private async movePool(target: MigrationRegion, request: MigrationRequest, entry: TenantDirectoryEntry): Promise<TenantAuth | undefined> {
    const { tenantId, to } = request;
    if (!entry.auth) return undefined;
    const home = poolRegionOf(entry.auth);
    const source = home ? this.props.regions[home] : undefined;
    if (home === to || !target.pools || !source?.pools) {
      await target.issuers.register(tenantPoolRegistration(tenantId, entry.auth));
      return entry.auth;
    }
    const pool = await target.pools.tenants.poolOf(tenantId);
    if (!pool) throw new ConflictError(`tenant ${tenantId} has no user pool in ${to}: deploy its tenant stack there first`);
    const moved: TenantAuth = { ...pool, ...(entry.auth.identityProviders ? { identityProviders: entry.auth.identityProviders } : {}) };
    for (const region of new Set([target, source])) await region.issuers.register(tenantPoolRegistration(tenantId, moved));
    await movePoolUsers({
      tenantId,
      from: { pool: entry.auth, users: source.pools.users },
      to: { pool: moved, users: target.pools.users },
      members: new MemberRepository(target.db, target.tableName),
      executor: target.executor,
      actor: request.actor,
      requestId: request.requestId,
    });
    return moved;
  }

  /**
   * Sends the tenant to the target, every part again on every run that gets here (each is idempotent), so a run
   * resumed after a crash in the middle finishes what the crash left: the tenant's usage key in the target's usage
   * plans (before any copy sends a request there), every region's directory copy (a crash may have left some on the
   * old region; each names the tenant's pool as it is now), and the tenant record's new home, audited once: only while
   * the record in the target does not name it.
   */
  private async cutOver(target: MigrationRegion, request: MigrationRequest, entry: TenantDirectoryEntry, from: string, exportId: string): Promise<void> {
    const { tenantId, to } = request;
    const tenant = await new TenantRepository(target.db(tenantId), target.tableName).get(tenantId);
    if (!tenant) throw new ConflictError(`the migration lost the tenant record of ${tenantId} in ${to}`);
    await target.usageKeys?.ensure(tenantId, tenant.plan);
    for (const directory of this.props.directories) await directory.replicate({ ...entry, region: to });
    if (tenant.region !== to) await this.recordHome(target, request, from, exportId);
  }

  /** Every kind holds at least the bundle's items in the target (the import's own entry and record come on top). */
  private async verifyCounts(target: MigrationRegion, tenantId: string, manifest: BundleManifest): Promise<void> {
    for (const kind of this.props.catalogue) {
      const expected = manifest.files.find((file) => file.kind === kind.name)?.items ?? 0;
      let found = 0;
      for await (const _ of itemsOfKind(kind, tenantId, target.db(tenantId), target.tableName)) found += 1;
      if (found < expected) throw new ConflictError(`the migration lost items: ${kind.name} has ${found} in the target, the bundle ${expected}`);
    }
  }

  /** The tenant record names its new home, audited in the target region. */
  private async recordHome(target: MigrationRegion, request: MigrationRequest, from: string, exportId: string): Promise<void> {
    const now = new Date().toISOString();
    await target.executor.execute({
      tenantId: request.tenantId,
      event: {
        actor: request.actor,
        action: 'tenant.migrated',
        target: `migration/${exportId}`,
        requestId: request.requestId,
        change: { from, to: request.to },
      },
      writes: [
        {
          update: {
            Key: keys.tenantProfile(request.tenantId),
            ...updateOf({ set: { region: request.to, updatedAt: now }, add: { version: 1 } }, itemExists),
          },
        },
      ],
    });
  }
}

const { partitionKey: PK, sortKey: SK } = TABLE_SCHEMA;
/** The retention stamps an item may carry: its expiry, and when its retention began. */
const STAMP_ATTRIBUTE_NAMES = [TABLE_SCHEMA.ttlAttribute, TABLE_SCHEMA.retainedSinceAttribute, TABLE_SCHEMA.ownExpiryAttribute];
/** Attributes of an item that are no counter: its keys (the table's and its indexes') and its retention stamps. */
const NOT_COUNTS: ReadonlySet<string> = new Set([...KEY_ATTRIBUTES, ...STAMP_ATTRIBUTE_NAMES]);
/** Counter items carried per transaction (each with the executor's entry and idempotency record beside them). */
const COUNTS_PER_TRANSACTION = 25;

function storedKeyOf(item: Record<string, unknown>): string {
  return `${String(item[PK])} ${String(item[SK])}`;
}

/** Each counter of `item` that grew over `before` (the bundle's copy, absent when the item came after), by how much. */
function countsGrown(item: Record<string, unknown>, before: Record<string, unknown> | undefined): Record<string, number> {
  const grown: Record<string, number> = {};
  for (const [name, value] of Object.entries(item)) {
    if (NOT_COUNTS.has(name) || typeof value !== 'number') continue;
    const earlier = before?.[name];
    const growth = value - (typeof earlier === 'number' ? earlier : 0);
    if (growth > 0) grown[name] = growth;
  }
  return grown;
}

/** The retention stamps an item carries (its expiry, above all), for a counter item the target does not have yet. */
function stampsOf(item: Record<string, unknown>): Record<string, number> {
  return Object.fromEntries(STAMP_ATTRIBUTE_NAMES.filter((name) => typeof item[name] === 'number').map((name) => [name, item[name] as number]));
}

/** How long after its time an audit entry's transaction may still commit (a Lambda invocation's longest run). */
const LATE_COMMIT_MS = 15 * 60_000;

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((settled) => setTimeout(settled, ms)) : Promise.resolve();
}

/** Reads a kind's items from a bundle in a store (its NDJSON file of DynamoDB JSON lines). */
export function bundleKindReader(store: ObjectStore): NonNullable<TenantMigrationProps['readKind']> {
  return async function* (prefix, kind) {
    const reader = new NdjsonReader((await store.get(prefix + fileNameOf(kind.name))).body);
    try {
      for await (const line of reader.lines()) yield itemOf(line.text);
    } finally {
      reader.close();
    }
  };
}

/** Reads a bundle's manifest from a store; undefined when the bundle has none (not exported yet, or cut short). */
export function manifestReader(store: ObjectStore): TenantMigrationProps['readManifest'] {
  return async (prefix) => {
    let body: Readable;
    try {
      body = (await store.get(prefix + MANIFEST_FILE)).body;
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return undefined;
      throw error;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    // The import checks the signature and every file; here the manifest only says the export finished.
    return manifestSchema.parse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
  };
}
