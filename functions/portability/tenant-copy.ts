import { createHash } from 'node:crypto';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, QuotaExceededError } from '../core/errors';
import { conditionOf, itemAbsent } from '../data/conditions';
import type { CrossTenantCopy, DataKind, StoredKey } from '../data/data-kind';
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
}

export interface CopyRequest {
  /** The tenant the content goes to. */
  readonly tenantId: string;
  /** The tenant whose bundle it is (the manifest must name it). */
  readonly sourceTenantId: string;
  readonly bundlePrefix: string;
  readonly actor: string;
  readonly requestId: string;
  /** The import job (named by the audit entry of each batch). */
  readonly jobId: string;
}

type CopiedKind = readonly [DataKind, CrossTenantCopy];

/** What the bundle brings: the keys of the copied items of parent kinds, and the increments of each counter. */
interface CopyPlan {
  readonly parents: ReadonlyMap<string, ReadonlySet<string>>;
  readonly quotas: ReadonlyMap<string, QuotaChange>;
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
 */
export class TenantCopier {
  constructor(private readonly props: TenantCopierProps) {}

  async copy(request: CopyRequest, onProgress: ProgressListener = () => undefined): Promise<ImportResult> {
    const { tenantId, sourceTenantId } = request;
    if (tenantId === sourceTenantId) throw new Error('a copy goes to another tenant: the tenant importer restores its own bundles');
    const bundle = await this.props.importer.verify(sourceTenantId, request.bundlePrefix);
    const { manifest } = bundle;
    const idempotency = { key: `bundle-copy-${manifest.signature.slice(0, 40)}`, fingerprint: manifest.signature };
    const earlier = await this.props.executor.findReplay(tenantId, idempotency);
    if (earlier) return { ...(earlier.body as ImportResult), alreadyImported: true };

    const copied = this.copiedKinds();
    const plan = await this.planOf(request, bundle, copied);
    await this.checkQuotas(tenantId, plan);
    const progress: KindProgress[] = [];
    for (const [kind, rule] of copied) {
      progress.push(await this.copyKind(request, bundle, kind, rule, plan));
      await onProgress(progress);
    }
    const result: ImportResult = { exportId: manifest.exportId, sourceRegion: manifest.sourceRegion, items: progress, alreadyImported: false };
    await this.props.executor.execute({
      tenantId,
      event: {
        actor: request.actor,
        action: 'tenant.import',
        target: `import/${manifest.exportId}/from/${sourceTenantId}/chain/${chainHeadsOf(manifest)}`,
        requestId: request.requestId,
        change: {
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
  private async planOf(request: CopyRequest, bundle: VerifiedBundle, copied: readonly CopiedKind[]): Promise<CopyPlan> {
    const parentKinds = new Set(copied.flatMap(([, rule]) => (rule.parent ? [rule.parent.kind] : [])));
    const parents = new Map<string, Set<string>>();
    const quotas = new Map<string, QuotaChange>();
    for (const [kind, rule] of copied) {
      const keys = parentKinds.has(kind.name) ? new Set<string>() : undefined;
      if (keys) parents.set(kind.name, keys);
      await this.eachCopied(request, bundle, kind, rule, parents, (item) => {
        if (keys) keys.add(keyText(item));
        const change = rule.quota?.(request.tenantId, item);
        if (!change) return;
        const id = keyText(change.counter.key);
        const sum = quotas.get(id);
        quotas.set(id, { counter: change.counter, delta: (sum?.delta ?? 0) + change.delta, bytes: (sum?.bytes ?? 0) + (change.bytes ?? 0) });
      });
    }
    return { parents, quotas };
  }

  /** The target's plan must hold what it has and what the bundle brings, counter by counter, before anything is written. */
  private async checkQuotas(tenantId: string, plan: CopyPlan): Promise<void> {
    const limits = await this.props.plans.planOf(tenantId, { fresh: true });
    const db = this.props.db(tenantId);
    for (const change of plan.quotas.values()) {
      const limit = limits.limits[change.counter.quota];
      if (limit === undefined) continue;
      const { Item } = await db.send(new GetCommand({ TableName: this.props.tableName, Key: change.counter.key, ConsistentRead: true }));
      const inUse = Number(Item?.[COUNTER_ATTRIBUTES.count] ?? 0);
      if (inUse + change.delta > limit) {
        throw new QuotaExceededError(
          `the ${limits.title} plan allows ${limit} ${change.counter.label}; ${inUse} in use and the bundle brings ${change.delta}: nothing was imported`,
          { quota: change.counter.quota, limit, usage: inUse },
        );
      }
    }
  }

  /** Writes one kind's copied items, a batch per transaction; a batch of the same counter only (an agent's memories). */
  private async copyKind(request: CopyRequest, bundle: VerifiedBundle, kind: DataKind, rule: CrossTenantCopy, plan: CopyPlan): Promise<KindProgress> {
    let batch: Record<string, unknown>[] = [];
    let batchCounter: string | undefined;
    let number = 0;
    let items = 0;
    let bytes = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      await this.writeBatch(request, bundle.manifest, kind, rule, (number += 1), batch);
      batch = [];
    };
    await this.eachCopied(request, bundle, kind, rule, plan.parents, async (item, text) => {
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

  /** One batch: every item new in the target, with what goes alongside, the counter's increment and one audit entry. */
  private async writeBatch(
    request: CopyRequest,
    manifest: BundleManifest,
    kind: DataKind,
    rule: CrossTenantCopy,
    number: number,
    items: readonly Record<string, unknown>[],
  ) {
    const { tenantId } = request;
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
    const place = `${manifest.signature.slice(0, 40)}-${kind.name}-${number}`;
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
      idempotency: { key: `bundle-copy-${place}`, fingerprint: createHash('sha256').update(place).digest('hex') },
      response: { status: 200 },
    });
  }

  /**
   * Reads a copied kind's file (the version that was verified) and hands on each item under the target's keys, its
   * source's retention stamps taken off; an item whose parent does not come along is left out.
   */
  private async eachCopied(
    request: CopyRequest,
    bundle: VerifiedBundle,
    kind: DataKind,
    rule: CrossTenantCopy,
    parents: ReadonlyMap<string, ReadonlySet<string>>,
    use: (item: Record<string, unknown>, text: string) => unknown,
  ): Promise<void> {
    const name = fileNameOf(kind.name);
    const { body } = await bundleObject(this.props.store, request.bundlePrefix + name, bundle.etags.get(name));
    const reader = new NdjsonReader(body);
    try {
      for await (const line of reader.lines()) {
        const item = rekeyed(kind, unstamped(itemOf(line.text)), request.sourceTenantId, request.tenantId);
        if (rule.parent && !parents.get(rule.parent.kind)?.has(keyText(rule.parent.key(request.tenantId, item)))) continue;
        await use(item, line.text);
      }
    } finally {
      reader.close();
    }
  }
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
  const stays = [...KEY_ATTRIBUTES].some((name) => typeof moved[name] === 'string' && (moved[name] as string).includes(source));
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
