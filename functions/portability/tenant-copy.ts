import { createHash } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, QuotaExceededError } from '../core/errors';
import { conditionOf, itemAbsent } from '../data/conditions';
import type { CrossTenantCopy, DataKind, StoredKey } from '../data/data-kind';
import { batchGetItems } from '../data/item-reads';
import { tenantPrefix } from '../data/keys';
import type { ItemWrite, MutationExecutor } from '../data/mutation.executor';
import { COUNTER_ATTRIBUTES, type PlanSource, type QuotaChange } from '../data/mutation.ports';
import { TABLE_SCHEMA } from '../data/table.schema';
import { fileNameOf, type BundleManifest } from './bundle.schema';
import { itemOf, NdjsonReader } from './ndjson';
import type { ObjectStore } from './object-store';
import type { KindProgress, ProgressListener } from './tenant-export';
import { bundleObject, chainHeadsOf, KEY_ATTRIBUTES, type ImportResult, type TenantImporter, type VerifiedBundle } from './tenant-import';

const { partitionKey: PK, sortKey: SK, ttlAttribute: TTL, retainedSinceAttribute: SINCE, ownExpiryAttribute: OWN } = TABLE_SCHEMA;

/** Items per transaction: each brings its own write and at most one alongside, with room for the counter, plan check, record and entry. */
const BATCH = 20;
/** Items whose presence in the target one read checks (BatchGetItem's most). */
const CHUNK = 100;
/** Attempts at a batch of a restore whose items another writer made meanwhile. */
const RESTORE_ATTEMPTS = 3;

export interface TenantCopierProps {
  readonly db: (tenantId: string) => DynamoDBDocumentClient;
  readonly tableName: string;
  readonly catalogue: readonly DataKind[];
  readonly store: ObjectStore;
  /** Checks the bundle (manifest signature, every hash, the source's audit chain) before the first write. */
  readonly importer: Pick<TenantImporter, 'verify'>;
  /** Writes each batch with its quota change, retention stamps and audit entry, once per batch of the bundle. */
  readonly executor: Pick<MutationExecutor, 'execute' | 'findReplay'>;
  readonly plans: PlanSource;
  /** @default Date.now */
  readonly clock?: () => number;
}

export interface CopyRequest {
  /** The tenant the content goes to. */
  readonly tenantId: string;
  /**
   * The tenant whose bundle it is (the manifest must name it). The tenant itself for a restore of the content it lacks
   * (a live tenant, whose log went on since the bundle: see the class).
   */
  readonly sourceTenantId: string;
  readonly bundlePrefix: string;
  readonly actor: string;
  readonly requestId: string;
  /** The import job (named by the audit entry of each batch). */
  readonly jobId: string;
}

type CopiedKind = readonly [DataKind, CrossTenantCopy];

/** Whether the import is a copy into another tenant or the restore of what the tenant itself lacks. */
type CopyMode = 'copy' | 'restore';

/** One copied kind's file of one copy or restore: what its passes over the file need. */
interface KindPass {
  readonly request: CopyRequest;
  readonly mode: CopyMode;
  readonly bundle: VerifiedBundle;
  readonly kind: DataKind;
  readonly rule: CrossTenantCopy;
}

/** What the bundle brings: the keys of the copied items of parent kinds, and the increments of each counter. */
interface CopyPlan {
  readonly parents: ReadonlyMap<string, ReadonlySet<string>>;
  readonly quotas: ReadonlyMap<string, QuotaChange>;
  /** The items the target holds already (a copy resumed, or a collision), the first of them, and the first kind with items. */
  readonly held: { readonly count: number; readonly first?: string; readonly firstKind?: string };
}

/**
 * Copies the content of another tenant's bundle into a tenant: a platform admin's import (a tenant made anew from an
 * offboarded one's export, a template tenant's agents given to a new one). The kinds whose rule is a copy (agents,
 * their memories, workflows, tools) are written under the target's keys; who may sign in, keys, billing, the log and
 * bookkeeping stay behind (`DataKind.crossTenant`).
 *
 * The bundle is verified whole before the first write, and the target's plan is checked against everything it
 * brings. Each batch of items is one transaction of the mutation executor with its quota counter increment (checked
 * against the plan again), the target's retention stamps and an audit entry; every item must be new in the target.
 * A batch's idempotency key names the bundle and its place in it, so a copy that stopped (a crash, a quota raised
 * later) is finished by running it again, and the closing entry — naming the source and its audit chain head — makes a
 * second run of a finished copy change nothing.
 *
 * With the tenant as its own source, it restores the content a live tenant lacks (agents deleted by mistake, with
 * their memories): the same kinds, but only the items absent from the tenant, so nothing it changed or made since the
 * bundle is overwritten, and members, keys and the log are never brought back. Each item is checked before it is
 * counted and written; running it again restores what is still missing, so its batches need no idempotency record.
 */
export class TenantCopier {
  private readonly clock: () => number;

  constructor(private readonly props: TenantCopierProps) {
    this.clock = props.clock ?? Date.now;
  }

  async copy(request: CopyRequest, onProgress: ProgressListener = () => undefined): Promise<ImportResult> {
    const { tenantId, sourceTenantId } = request;
    const mode: CopyMode = tenantId === sourceTenantId ? 'restore' : 'copy';
    const bundle = await this.props.importer.verify(sourceTenantId, request.bundlePrefix);
    const { manifest } = bundle;
    // A copy happens once per bundle; a restore once per job (the same bundle may be needed again after more losses).
    const idempotency =
      mode === 'copy'
        ? { key: `bundle-copy-${manifest.signature.slice(0, 40)}`, fingerprint: manifest.signature }
        : { key: `bundle-restore-${request.jobId}`, fingerprint: `${manifest.signature}-${request.jobId}` };
    const earlier = await this.props.executor.findReplay(tenantId, idempotency);
    if (earlier) return { ...(earlier.body as ImportResult), alreadyImported: true };

    const copied = this.copiedKinds();
    const passes = copied.map(([kind, rule]): KindPass => ({ request, mode, bundle, kind, rule }));
    const plan = await this.planOf(passes);
    if (mode === 'copy') await this.refuseCollisions(tenantId, manifest, plan);
    await this.checkQuotas(tenantId, plan);
    const progress: KindProgress[] = [];
    for (const pass of passes) {
      progress.push(await this.copyKind(pass, plan));
      await onProgress(progress);
    }
    const result: ImportResult = { exportId: manifest.exportId, sourceRegion: manifest.sourceRegion, items: progress, alreadyImported: false };
    await this.props.executor.execute({
      tenantId,
      event: {
        actor: request.actor,
        action: 'tenant.import',
        target: `import/${manifest.exportId}/${mode === 'copy' ? `from/${sourceTenantId}` : 'missing'}/chain/${chainHeadsOf(manifest)}`,
        requestId: request.requestId,
        change: {
          mode,
          sourceTenantId,
          exportId: manifest.exportId,
          sourceRegion: manifest.sourceRegion,
          signature: manifest.signature,
          auditChain: manifest.auditChain,
        },
      },
      idempotency,
      response: { status: 200, body: result },
    });
    return result;
  }

  /** The catalogue's kinds that cross tenants, in its order (a parent kind before its children). */
  private copiedKinds(): CopiedKind[] {
    const copied = this.props.catalogue.flatMap((kind): CopiedKind[] => (kind.crossTenant === 'omit' ? [] : [[kind, kind.crossTenant]]));
    copied.forEach(([kind, rule], at) => {
      const parent = rule.parent?.kind;
      if (parent !== undefined && !copied.slice(0, at).some(([earlier]) => earlier.name === parent)) {
        throw new Error(`kind ${kind.name} is copied with its parent ${parent}, which must be a copied kind before it in the catalogue`);
      }
    });
    return copied;
  }

  /** One pass over the copied files: which parents come along, and how much each counter of the target grows. */
  private async planOf(passes: readonly KindPass[]): Promise<CopyPlan> {
    const parentKinds = new Set(passes.flatMap(({ rule }) => (rule.parent ? [rule.parent.kind] : [])));
    const parents = new Map<string, Set<string>>();
    const quotas = new Map<string, QuotaChange>();
    let held: CopyPlan['held'] = { count: 0 };
    for (const pass of passes) {
      const keys = parentKinds.has(pass.kind.name) ? new Set<string>() : undefined;
      if (keys) parents.set(pass.kind.name, keys);
      const every = (item: Record<string, unknown>) => {
        keys?.add(keyText(item));
        held = held.firstKind ? held : { ...held, firstKind: pass.kind.name };
      };
      const onHeld = (item: Record<string, unknown>) => {
        held = { ...held, count: held.count + 1, first: held.first ?? `${pass.kind.name} ${String(item[SK])}` };
      };
      await this.eachCopied(pass, parents, every, onHeld, (item) => {
        const change = pass.rule.quota?.(pass.request.tenantId, item);
        if (!change) return;
        const id = keyText(change.counter.key);
        const sum = quotas.get(id);
        quotas.set(id, { counter: change.counter, delta: (sum?.delta ?? 0) + change.delta, bytes: (sum?.bytes ?? 0) + (change.bytes ?? 0) });
      });
    }
    return { parents, quotas, held };
  }

  /**
   * A copy writes only items the target does not hold: one that holds some already is refused before the first write,
   * unless this bundle's copy wrote them (its first batch is recorded: a copy that stopped and runs again).
   */
  private async refuseCollisions(tenantId: string, manifest: BundleManifest, plan: CopyPlan): Promise<void> {
    const { count, first, firstKind } = plan.held;
    if (count === 0) return;
    if (firstKind && (await this.props.executor.findReplay(tenantId, batchIdempotency(manifest, firstKind, 1)))) return;
    throw new ConflictError(
      `tenant ${tenantId} already holds ${count} of the bundle's items (the ${first} first): a bundle's content is copied only into a tenant that does not hold it; nothing was imported`,
    );
  }

  /** The target's plan must hold what it has and what the bundle brings, counter by counter, before anything is written. */
  private async checkQuotas(tenantId: string, plan: CopyPlan): Promise<void> {
    const limits = await this.props.plans.planOf(tenantId, { fresh: true });
    const changes = [...plan.quotas.values()].filter((change) => limits.limits[change.counter.quota] !== undefined);
    const counters = await batchGetItems(
      this.props.db(tenantId),
      this.props.tableName,
      changes.map((change) => change.counter.key),
      [PK, SK, COUNTER_ATTRIBUTES.count],
    );
    const counts = new Map(counters.map((counter) => [keyText(counter), Number(counter[COUNTER_ATTRIBUTES.count] ?? 0)]));
    for (const change of changes) {
      const limit = limits.limits[change.counter.quota];
      const inUse = counts.get(keyText(change.counter.key)) ?? 0;
      if (inUse + change.delta > limit) {
        throw new QuotaExceededError(
          `the ${limits.title} plan allows ${limit} ${change.counter.label}; ${inUse} in use and the bundle brings ${change.delta}: nothing was imported`,
          { quota: change.counter.quota, limit, usage: inUse },
        );
      }
    }
  }

  /** Writes one kind's copied items, a batch per transaction; a batch of the same counter only (an agent's memories). */
  private async copyKind(pass: KindPass, plan: CopyPlan): Promise<KindProgress> {
    const { request, kind, rule } = pass;
    let batch: Record<string, unknown>[] = [];
    let batchCounter: string | undefined;
    let number = 0;
    let items = 0;
    let bytes = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      await this.writeBatch(pass, (number += 1), batch);
      batch = [];
    };
    await this.eachCopied(pass, plan.parents, undefined, undefined, async (item, text) => {
      const counter = rule.quota ? keyText(rule.quota(request.tenantId, item).counter.key) : undefined;
      if (batch.length === BATCH || counter !== batchCounter) await flush();
      batchCounter = counter;
      batch.push(item);
      items += 1;
      bytes += Buffer.byteLength(text) + 1;
    });
    await flush();
    return { kind: kind.name, items, bytes };
  }

  /**
   * One batch: every item new in the target, with what goes alongside, the counter's increment and one audit entry. A
   * restore's batch whose item another writer made meanwhile is checked again and written without it.
   */
  private async writeBatch(pass: KindPass, number: number, items: readonly Record<string, unknown>[]): Promise<void> {
    let pending = items;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.writeItems(pass, number, pending);
      } catch (error) {
        if (pass.mode !== 'restore' || !(error instanceof ConflictError) || attempt === RESTORE_ATTEMPTS) throw error;
        pending = await this.absent(pass.request.tenantId, pending);
        if (pending.length === 0) return;
      }
    }
  }

  private async writeItems({ request, mode, bundle, kind, rule }: KindPass, number: number, items: readonly Record<string, unknown>[]): Promise<void> {
    const { tenantId } = request;
    const { manifest } = bundle;
    const writes: ItemWrite[] = items.flatMap((item): ItemWrite[] => [
      {
        put: { Item: item, ...conditionOf(itemAbsent) },
        onConditionFailed: () =>
          new ConflictError(
            `tenant ${tenantId} already has the ${kind.name} ${String(item[SK])}: a bundle's content is copied only into a tenant that does not hold it`,
          ),
      },
      ...(rule.alongside?.(tenantId, item) ?? []),
    ]);
    const changes = rule.quota ? items.map((item) => (rule.quota as NonNullable<CrossTenantCopy['quota']>)(tenantId, item)) : [];
    const quotas =
      changes.length > 0 ? [{ counter: changes[0].counter, delta: changes.length, bytes: changes.reduce((sum, change) => sum + (change.bytes ?? 0), 0) }] : [];
    await this.props.executor.execute({
      tenantId,
      event: {
        actor: request.actor,
        action: 'import.copy',
        target: `import/${request.jobId}/${kind.name}/${number}`,
        requestId: request.requestId,
        change: { sourceTenantId: request.sourceTenantId, exportId: manifest.exportId, kind: kind.name, keys: items.map((item) => `${item[PK]} ${item[SK]}`) },
      },
      writes,
      quotas,
      ...(mode === 'copy' ? { idempotency: batchIdempotency(manifest, kind.name, number), response: { status: 200 } } : {}),
    });
  }

  /** The items the tenant does not hold (strongly consistent reads of their keys). */
  private async absent(tenantId: string, items: readonly Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
    const keys = items.map((item) => ({ pk: String(item[PK]), sk: String(item[SK]) }));
    const held = new Set((await batchGetItems(this.props.db(tenantId), this.props.tableName, keys, [PK, SK])).map(keyText));
    return items.filter((item) => !held.has(keyText(item)));
  }

  /**
   * Reads a copied kind's file (the version that was verified) and hands on each item under the target's keys, its
   * source's retention stamps taken off; an item whose parent does not come along is left out. `every` sees each
   * item that comes along. In a restore, and wherever `held` is given, an item the tenant holds goes to `held` (if
   * given) instead of `use`.
   */
  private async eachCopied(
    { request, mode, bundle, kind, rule }: KindPass,
    parents: ReadonlyMap<string, ReadonlySet<string>>,
    every: ((item: Record<string, unknown>) => unknown) | undefined,
    held: ((item: Record<string, unknown>) => unknown) | undefined,
    use: (item: Record<string, unknown>, text: string) => unknown,
  ): Promise<void> {
    let chunk: { item: Record<string, unknown>; text: string }[] = [];
    const flush = async () => {
      const items = chunk.map(({ item }) => item);
      const absent = mode === 'restore' || held ? new Set(await this.absent(request.tenantId, items)) : undefined;
      for (const { item, text } of chunk) {
        if (!absent || absent.has(item)) await use(item, text);
        else held?.(item);
      }
      chunk = [];
    };
    const nowSeconds = Math.floor(this.clock() / 1000);
    const name = fileNameOf(kind.name);
    const { body } = await bundleObject(this.props.store, request.bundlePrefix + name, bundle.etags.get(name));
    const reader = new NdjsonReader(body);
    try {
      for await (const line of reader.lines()) {
        const stored = itemOf(line.text);
        // An item past its TTL (its own expiry, or the source's retention) is gone for its readers and TTL deletes it.
        if (typeof stored[TTL] === 'number' && stored[TTL] <= nowSeconds) continue;
        const item = rekeyed(kind, unstamped(stored), request.sourceTenantId, request.tenantId);
        if (rule.parent && !parents.get(rule.parent.kind)?.has(keyText(rule.parent.key(request.tenantId, item)))) continue;
        every?.(item);
        chunk.push({ item, text: line.text });
        if (chunk.length === CHUNK) await flush();
      }
      await flush();
    } finally {
      reader.close();
    }
  }
}

/** The idempotency of a copy's batch: the bundle and the batch's place in it. */
function batchIdempotency(manifest: BundleManifest, kind: string, number: number) {
  const place = `${manifest.signature.slice(0, 40)}-${kind}-${number}`;
  return { key: `bundle-copy-${place}`, fingerprint: createHash('sha256').update(place).digest('hex') };
}

/** The item under the target tenant's keys: every key attribute (table and indexes) that names the source is moved. */
export function rekeyed(kind: DataKind, item: Readonly<Record<string, unknown>>, from: string, to: string): Record<string, unknown> {
  const source = tenantPrefix(from);
  const target = tenantPrefix(to);
  const moved: Record<string, unknown> = { ...item };
  for (const name of KEY_ATTRIBUTES) {
    const value = moved[name];
    if (typeof value === 'string' && value.startsWith(source)) moved[name] = target + value.slice(source.length);
  }
  const key = { pk: String(moved[PK]), sk: String(moved[SK]) };
  // Only keys name tenants (content may say anything): a key that still names the source after the move is no key of the target's.
  const stays = from !== to && [...KEY_ATTRIBUTES].some((name) => typeof moved[name] === 'string' && (moved[name] as string).includes(source));
  if (!kind.owns(key, to) || stays) throw new Error(`the ${kind.name} ${key.pk} ${key.sk} does not move to tenant ${to} by its keys alone`);
  return moved;
}

/** The item as its kind wrote it: the source's retention stamp off, its own expiry (if any) back as its TTL. */
export function unstamped(item: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { [SINCE]: since, [OWN]: own, [TTL]: ttl, ...rest } = item;
  const ownExpiry = since === undefined ? ttl : own;
  return { ...rest, ...(ownExpiry !== undefined ? { [TTL]: ownExpiry } : {}) };
}

/** A stored key (or an item's) as one string, for sets and maps. */
function keyText(key: StoredKey | Readonly<Record<string, unknown>>): string {
  const { [PK]: pk, [SK]: sk } = key as Readonly<Record<string, unknown>>;
  return `${String(pk)}\n${String(sk)}`;
}
