import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Readable } from 'node:stream';
import { auditEntryKind, auditHeadKind } from '../audit/audit.kind';
import type { DataKind } from '../data/data-kind';
import {
  BUNDLE_SCHEMA_VERSION,
  fileNameOf,
  MANIFEST_FILE,
  type BundleChainHead,
  type BundleFile,
  type BundleManifest,
  type ManifestSigner,
} from './bundle.schema';
import { itemsOfKind } from './kind-items';
import { NdjsonWriter } from './ndjson';
import type { ObjectStore } from './object-store';

/** Items and bytes written so far of one kind. */
export interface KindProgress {
  readonly kind: string;
  readonly items: number;
  readonly bytes: number;
}

/** Told after each kind (and every `PROGRESS_EVERY` items): what the export has written so far. */
export type ProgressListener = (progress: readonly KindProgress[]) => Promise<void> | void;

const PROGRESS_EVERY = 5_000;

export interface TenantExporterProps {
  /** The tenant-scoped client of a tenant. */
  readonly db: (tenantId: string) => DynamoDBDocumentClient;
  readonly tableName: string;
  /** The region the table is in (recorded as the bundle's source region). */
  readonly region: string;
  readonly catalogue: readonly DataKind[];
  readonly store: ObjectStore;
  readonly signer: ManifestSigner;
  /** @default Date.now */
  readonly clock?: () => number;
}

export interface ExportRequest {
  readonly tenantId: string;
  readonly exportId: string;
  /** `<principalType>:<principalId>` of who asked. */
  readonly createdBy: string;
}

/** Where the objects of a bundle live in the store: `tenants/<tenantId>/exports/<exportId>/`. */
export function bundlePrefix(tenantId: string, exportId: string): string {
  return `tenants/${tenantId}/exports/${exportId}/`;
}

/**
 * Writes a tenant's bundle: every kind of the catalogue streamed to its own NDJSON file, then the signed manifest
 * (written last: a bundle without a manifest is incomplete). The audit log is cut at the heads read first, so the
 * entries, the heads and the manifest's chain head agree even while the tenant keeps writing. Entries not sealed yet
 * are exported too, as pending entries (the importing side seals them): those pending before the heads were read,
 * less any sealed meanwhile at or below the heads, so none is lost to a concurrent sealer and none is in twice. The
 * export writes nothing, so it also reads a restore point's table.
 */
export class TenantExporter {
  private readonly clock: () => number;

  constructor(private readonly props: TenantExporterProps) {
    this.clock = props.clock ?? Date.now;
  }

  async export(request: ExportRequest, onProgress: ProgressListener = () => undefined): Promise<BundleManifest> {
    const { tenantId, exportId } = request;
    const db = this.props.db(tenantId);
    const createdAt = new Date(this.clock()).toISOString();
    const pending = await this.pendingItems(tenantId, db);
    const heads = await this.headItems(tenantId, db);
    const progress: KindProgress[] = [];
    const files: BundleFile[] = [];
    for (const kind of this.props.catalogue) {
      const items = kind === auditHeadKind ? heads.values() : this.itemsCutAtHeads(kind, tenantId, db, heads, pending);
      const file = await this.writeFile(bundlePrefix(tenantId, exportId), kind, items, async (written) => {
        progress[files.length] = { kind: kind.name, ...written };
        await onProgress(progress);
      });
      files.push(file);
      progress[files.length - 1] = { kind: kind.name, items: file.items, bytes: file.bytes };
      await onProgress(progress);
    }
    const auditChain: BundleChainHead[] = [...heads.values()]
      .map((head) => ({ lane: head.lane as number, seq: head.seq as number, hash: head.hash as string }))
      .sort((a, b) => a.lane - b.lane);
    const manifest = this.props.signer.sign({
      schemaVersion: BUNDLE_SCHEMA_VERSION,
      exportId,
      tenantId,
      sourceRegion: this.props.region,
      createdAt,
      createdBy: request.createdBy,
      files,
      auditChain,
    });
    await this.props.store.put(bundlePrefix(tenantId, exportId) + MANIFEST_FILE, Readable.from([JSON.stringify(manifest)]), 'application/json');
    return manifest;
  }

  /** The audit heads as stored now, by lane. */
  private async headItems(tenantId: string, db: DynamoDBDocumentClient): Promise<Map<number, Record<string, unknown>>> {
    const heads = new Map<number, Record<string, unknown>>();
    for await (const item of itemsOfKind(auditHeadKind, tenantId, db, this.props.tableName)) heads.set(item.lane as number, item);
    return heads;
  }

  /** The pending audit entries as stored now, by id (read before the heads). */
  private async pendingItems(tenantId: string, db: DynamoDBDocumentClient): Promise<Map<string, Record<string, unknown>>> {
    const pending = new Map<string, Record<string, unknown>>();
    for await (const item of itemsOfKind(auditEntryKind, tenantId, db, this.props.tableName)) {
      if (typeof item.seq !== 'number') pending.set(String(item.id), item);
    }
    return pending;
  }

  /**
   * The kind's items; sealed audit entries only up to their lane's head as read first, then the entries pending
   * before that which were not sealed at or below it.
   */
  private async *itemsCutAtHeads(
    kind: DataKind,
    tenantId: string,
    db: DynamoDBDocumentClient,
    heads: Map<number, Record<string, unknown>>,
    pending: Map<string, Record<string, unknown>>,
  ) {
    if (kind !== auditEntryKind) {
      yield* itemsOfKind(kind, tenantId, db, this.props.tableName);
      return;
    }
    const unsealed = new Map(pending);
    for await (const item of itemsOfKind(kind, tenantId, db, this.props.tableName)) {
      if (typeof item.seq !== 'number') continue;
      if (item.seq > ((heads.get(item.lane as number)?.seq as number | undefined) ?? 0)) continue;
      if (typeof item.id === 'string') unsealed.delete(item.id);
      yield item;
    }
    yield* unsealed.values();
  }

  private async writeFile(
    prefix: string,
    kind: DataKind,
    items: AsyncIterable<Record<string, unknown>> | Iterable<Record<string, unknown>>,
    onProgress: (written: { items: number; bytes: number }) => Promise<void>,
  ): Promise<BundleFile> {
    const name = fileNameOf(kind.name);
    const writer = new NdjsonWriter();
    const stored = this.props.store.put(prefix + name, writer.stream, 'application/x-ndjson');
    try {
      for await (const item of items) {
        await writer.write(item);
        if (writer.written.items % PROGRESS_EVERY === 0) await onProgress(writer.written);
      }
    } catch (error) {
      writer.stream.destroy(error as Error);
      await stored.catch(() => undefined);
      throw error;
    }
    const digest = writer.end();
    await stored;
    return { kind: kind.name, name, ...digest };
  }
}
