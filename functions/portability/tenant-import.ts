import { BatchWriteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LaneVerifier, type AuditEntry } from '../audit/audit-chain';
import { auditEntryKind, auditHeadKind } from '../audit/audit.kind';
import { AuditSealer } from '../audit/audit-sealer';
import { ConflictError } from '../core/errors';
import * as z from '../core/zod';
import type { DataKind } from '../data/data-kind';
import { tenantPrefix } from '../data/keys';
import * as keys from '../data/table-keys';
import type { MutationExecutor, PutInput } from '../data/mutation.executor';
import { PARTITION_KEY_ATTRIBUTES, TABLE_SCHEMA } from '../data/table.schema';
import { BundleRejectedError } from './bundle.errors';
import { fileNameOf, MANIFEST_FILE, manifestSchema, type BundleFile, type BundleManifest, type ManifestSigner } from './bundle.schema';
import { itemsOfKind, kindPage } from './kind-items';
import { itemOf, NdjsonReader } from './ndjson';
import { ObjectChangedError, ObjectNotFoundError, type ObjectStore } from './object-store';
import type { KindProgress, ProgressListener } from './tenant-export';

const { partitionKey: PK, sortKey: SK } = TABLE_SCHEMA;
/** Every key attribute of the table and its indexes. */
export const KEY_ATTRIBUTES = new Set<string>([PK, SK, ...Object.values(TABLE_SCHEMA.indexes).flatMap((index) => [index.partitionKey, index.sortKey])]);
/** What retention stamps on an item (retention-stamp.ts), the TTL of a stamped item included: no kind's schema names them. */
const STAMP_ATTRIBUTES = new Set<string>([TABLE_SCHEMA.retainedSinceAttribute, TABLE_SCHEMA.ownExpiryAttribute, TABLE_SCHEMA.ttlAttribute]);

/** Largest manifest read: a manifest lists one small entry per kind and per audit lane. */
const MAX_MANIFEST_BYTES = 1024 * 1024;
const BATCH = 25;
const MAX_BATCH_ROUNDS = 9;

export interface TenantImporterProps {
  readonly db: (tenantId: string) => DynamoDBDocumentClient;
  readonly tableName: string;
  readonly catalogue: readonly DataKind[];
  readonly store: ObjectStore;
  readonly signer: ManifestSigner;
  /** Records the import entry (and remembers the import, so a second run changes nothing). */
  readonly executor: Pick<MutationExecutor, 'execute' | 'findReplay'>;
}

export interface ImportRequest {
  /** The tenant the items go to: the bundle must be this tenant's. */
  readonly tenantId: string;
  /** Where the bundle's objects are: `tenants/<tenantId>/exports/<exportId>/`. */
  readonly bundlePrefix: string;
  readonly actor: string;
  readonly requestId: string;
  /** The target of the audit entries of the import's own job (`import/<jobId>`), which are no change of the tenant's. */
  readonly jobTarget?: string;
}

export interface ImportResult {
  readonly exportId: string;
  readonly sourceRegion: string;
  readonly items: readonly KindProgress[];
  /** True when this bundle had been imported already: nothing was written. */
  readonly alreadyImported: boolean;
}

/** A checked bundle: the manifest and the version of each object that was checked. */
export interface VerifiedBundle {
  readonly manifest: BundleManifest;
  readonly etags: ReadonlyMap<string, string | undefined>;
}

/**
 * Imports a bundle into its tenant. Every object is checked before the first write (manifest shape and signature,
 * tenant, one file per kind of the catalogue, each line an item the kind owns in that tenant with the kind's shape,
 * item counts, byte lengths and SHA-256 per file, the audit chain up to the manifest's head); the writes then read
 * the same object versions again. The import is recorded in the audit log with an entry naming the bundle's chain
 * head, under an idempotency key of the bundle, so running it twice changes nothing.
 */
export class TenantImporter {
  constructor(private readonly props: TenantImporterProps) {}

  /** Checks the whole bundle; throws `BundleRejectedError` naming the file, line and hashes when it is not sound. */
  async verify(tenantId: string, prefix: string): Promise<VerifiedBundle> {
    const { manifest, etag } = await this.readManifest(tenantId, prefix);
    const files = this.filesByKind(manifest);
    const etags = new Map<string, string | undefined>([[MANIFEST_FILE, etag]]);
    const lanes = new Map<number, LaneVerifier>();
    for (const kind of this.props.catalogue) {
      const file = files.get(kind.name) as BundleFile;
      etags.set(file.name, await this.verifyFile(manifest, kind, file, prefix, lanes));
    }
    const heads = new Map(manifest.auditChain.map((head) => [head.lane, head]));
    for (const lane of lanes.keys()) {
      if (!heads.has(lane)) throw new BundleRejectedError({ file: MANIFEST_FILE }, `audit lane ${lane} has entries but no head in auditChain`);
    }
    for (const head of manifest.auditChain) {
      const broken = (lanes.get(head.lane) ?? new LaneVerifier(tenantId, head.lane)).finish({ seq: head.seq, hash: head.hash, time: '' });
      if (broken) {
        throw new BundleRejectedError(
          { file: fileNameOf(auditEntryKind.name) },
          `the audit chain does not verify: lane ${broken.lane} at entry ${broken.seq}: ${broken.detail}`,
        );
      }
    }
    return { manifest, etags };
  }

  /** Verifies, then writes every item back; a second run of the same bundle writes nothing (its signed manifest tells it). */
  async import(request: ImportRequest, onProgress: ProgressListener = () => undefined): Promise<ImportResult> {
    const { tenantId, bundlePrefix: prefix } = request;
    // The signed manifest answers the cheap questions first (done before? a log that went on?), so a tenant the bundle
    // cannot be written into whole is refused before every file is read.
    const { manifest } = await this.readManifest(tenantId, prefix);
    const idempotency = { key: `bundle-import-${manifest.signature.slice(0, 40)}`, fingerprint: manifest.signature };
    const earlier = await this.props.executor.findReplay(tenantId, idempotency);
    if (earlier) return { ...(earlier.body as ImportResult), alreadyImported: true };
    await this.refuseMovedChain(tenantId, manifest);
    await this.refuseNewerEntries(tenantId, manifest, request.jobTarget);
    const bundle = await this.verify(tenantId, prefix);
    if (bundle.manifest.signature !== manifest.signature)
      throw new BundleRejectedError({ file: MANIFEST_FILE }, 'the manifest was replaced while it was checked');

    const db = this.props.db(tenantId);
    const progress: KindProgress[] = [];
    for (const kind of this.props.catalogue) {
      const name = fileNameOf(kind.name);
      const { body } = await this.getChecked(prefix + name, bundle.etags.get(name));
      const reader = new NdjsonReader(body);
      let items = 0;
      let bytes = 0;
      let batch: PutInput[] = [];
      for await (const line of reader.lines()) {
        batch.push(kind.writeBack(itemOf(line.text)));
        items += 1;
        bytes += Buffer.byteLength(line.text) + 1;
        if (batch.length === BATCH) {
          await this.writeBatch(db, batch);
          batch = [];
        }
      }
      await this.writeBatch(db, batch);
      progress.push({ kind: kind.name, items, bytes });
      await onProgress(progress);
    }
    const result: ImportResult = { exportId: manifest.exportId, sourceRegion: manifest.sourceRegion, items: progress, alreadyImported: false };
    await this.props.executor.execute({
      tenantId,
      event: {
        actor: request.actor,
        action: 'tenant.import',
        target: `import/${manifest.exportId}/chain/${chainHeadsOf(manifest)}`,
        requestId: request.requestId,
        change: { exportId: manifest.exportId, sourceRegion: manifest.sourceRegion, signature: manifest.signature, auditChain: manifest.auditChain },
      },
      idempotency,
      response: { status: 200, body: result },
    });
    // The import leaves the log sealed: its own entry and the bundle's pending ones are linked before it returns.
    await new AuditSealer({ db: this.props.db, tableName: this.props.tableName }).seal(tenantId);
    return result;
  }

  private async readManifest(tenantId: string, prefix: string): Promise<{ manifest: BundleManifest; etag?: string }> {
    const { body, etag } = await this.getChecked(prefix + MANIFEST_FILE);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += (chunk as Buffer).length;
      if (size > MAX_MANIFEST_BYTES) {
        body.destroy();
        throw new BundleRejectedError({ file: MANIFEST_FILE }, `the manifest is larger than ${MAX_MANIFEST_BYTES} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    let json: unknown;
    try {
      json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (error) {
      throw new BundleRejectedError({ file: MANIFEST_FILE }, `the manifest is not JSON (${(error as Error).message})`);
    }
    const parsed = manifestSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new BundleRejectedError({ file: MANIFEST_FILE }, `the manifest is invalid at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    const manifest = parsed.data;
    if (!this.props.signer.verifies(manifest))
      throw new BundleRejectedError({ file: MANIFEST_FILE }, 'the manifest signature does not verify: the manifest was changed after export');
    if (manifest.tenantId !== tenantId) {
      throw new BundleRejectedError({ file: MANIFEST_FILE }, `the bundle holds tenant ${manifest.tenantId}'s data, not tenant ${tenantId}'s`);
    }
    return { manifest, ...(etag ? { etag } : {}) };
  }

  /** One file per kind of the catalogue, named after it, and no file of a kind the catalogue does not know. */
  private filesByKind(manifest: BundleManifest): Map<string, BundleFile> {
    const files = new Map<string, BundleFile>();
    for (const file of manifest.files) {
      if (!this.props.catalogue.some((kind) => kind.name === file.kind)) throw new BundleRejectedError({ file: MANIFEST_FILE }, `unknown kind ${file.kind}`);
      if (file.name !== fileNameOf(file.kind))
        throw new BundleRejectedError({ file: MANIFEST_FILE }, `the file of kind ${file.kind} must be ${fileNameOf(file.kind)}, not ${file.name}`);
      if (files.has(file.kind)) throw new BundleRejectedError({ file: MANIFEST_FILE }, `kind ${file.kind} is listed twice`);
      files.set(file.kind, file);
    }
    const missing = this.props.catalogue.filter((kind) => !files.has(kind.name)).map((kind) => kind.name);
    if (missing.length > 0) throw new BundleRejectedError({ file: MANIFEST_FILE }, `no file for kind ${missing.join(', ')}`);
    return files;
  }

  /** Checks every line and the file's count, length and hash; returns the version checked. */
  private async verifyFile(
    manifest: BundleManifest,
    kind: DataKind,
    file: BundleFile,
    prefix: string,
    lanes: Map<number, LaneVerifier>,
  ): Promise<string | undefined> {
    const { tenantId } = manifest;
    const { body, etag } = await this.getChecked(prefix + file.name);
    const heads = new Set<number>();
    const reader = new NdjsonReader(body);
    let items = 0;
    try {
      for await (const line of reader.lines()) {
        items += 1;
        const item = this.checkedItem(tenantId, kind, file, line.number, line.text);
        // Entries pending at export time have no place in the chain yet: the file's hash covers them, the sealer links them.
        if (kind === auditEntryKind && typeof item.seq === 'number') this.pushEntry(tenantId, file, line.number, item, lanes);
        if (kind === auditHeadKind) this.checkHead(manifest, file, line.number, item, heads);
      }
    } finally {
      reader.close();
    }
    const { bytes, sha256 } = reader.digest();
    const location = { file: file.name, expectedSha256: file.sha256, actualSha256: sha256 };
    if (items !== file.items) throw new BundleRejectedError(location, `the file holds ${items} items, the manifest says ${file.items} (truncated or extended)`);
    if (bytes !== file.bytes) throw new BundleRejectedError(location, `the file has ${bytes} bytes, the manifest says ${file.bytes} (truncated or extended)`);
    if (sha256 !== file.sha256) throw new BundleRejectedError(location, `the file's SHA-256 is ${sha256}, the manifest says ${file.sha256}`);
    if (kind === auditHeadKind && heads.size !== manifest.auditChain.length) {
      throw new BundleRejectedError(location, `the file holds ${heads.size} audit heads, the manifest's audit chain ${manifest.auditChain.length}`);
    }
    return etag;
  }

  private checkedItem(tenantId: string, kind: DataKind, file: BundleFile, line: number, text: string): Record<string, unknown> {
    const at = { file: file.name, line, expectedSha256: file.sha256 };
    let item: Record<string, unknown>;
    try {
      item = itemOf(text);
    } catch (error) {
      throw new BundleRejectedError(at, `the line is no item: ${(error as Error).message}`);
    }
    const key = { pk: String(item[PK]), sk: String(item[SK]) };
    const prefix = tenantPrefix(tenantId);
    const foreign = PARTITION_KEY_ATTRIBUTES.find((name) => item[name] !== undefined && !String(item[name]).startsWith(prefix));
    if (foreign || !kind.owns(key, tenantId)) {
      throw new BundleRejectedError(at, `item ${key.pk} ${key.sk} is not tenant ${tenantId}'s ${kind.name}`);
    }
    const stamped = item[TABLE_SCHEMA.retainedSinceAttribute] !== undefined;
    const fields = Object.fromEntries(Object.entries(item).filter(([name]) => !KEY_ATTRIBUTES.has(name) && !(stamped && STAMP_ATTRIBUTES.has(name))));
    const parsed = z.safeParse(kind.schema, fields);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new BundleRejectedError(at, `the item is no valid ${kind.name}: ${issue.path.join('.') || '(item)'}: ${issue.message}`);
    }
    return item;
  }

  private pushEntry(tenantId: string, file: BundleFile, line: number, item: Record<string, unknown>, lanes: Map<number, LaneVerifier>): void {
    const lane = item.lane as number;
    let verifier = lanes.get(lane);
    if (!verifier) lanes.set(lane, (verifier = new LaneVerifier(tenantId, lane)));
    const broken = verifier.push(item as unknown as AuditEntry);
    if (broken) throw new BundleRejectedError({ file: file.name, line }, `the audit chain breaks at lane ${broken.lane} entry ${broken.seq}: ${broken.detail}`);
  }

  /** A head of the audit-head file must be the manifest's head of its lane (the manifest is what was signed). */
  private checkHead(manifest: BundleManifest, file: BundleFile, line: number, item: Record<string, unknown>, seen: Set<number>): void {
    const head = manifest.auditChain.find((candidate) => candidate.lane === item.lane);
    if (!head || head.seq !== item.seq || head.hash !== item.hash || seen.has(head.lane)) {
      throw new BundleRejectedError({ file: file.name, line }, `the head of lane ${item.lane} is not the manifest's audit chain head of that lane`);
    }
    seen.add(head.lane);
  }

  /**
   * The tenant's log must be empty (a purged tenant, a new region) or exactly at the bundle's heads (an import that
   * stopped half-way): writing the bundle's heads over a log that went on would cut entries off the chain.
   */
  private async refuseMovedChain(tenantId: string, manifest: BundleManifest): Promise<void> {
    const bundleHeads = new Map(manifest.auditChain.map((head) => [head.lane, head]));
    for await (const item of itemsOfKind(auditHeadKind, tenantId, this.props.db(tenantId), this.props.tableName)) {
      const head = bundleHeads.get(item.lane as number);
      if (!head || head.seq !== item.seq || head.hash !== item.hash) {
        throw new TenantLogMovedError(
          `tenant ${tenantId}'s audit log has moved on since the bundle was made (lane ${item.lane} is at entry ${item.seq}, the bundle at ${head?.seq ?? 0}): import into a purged tenant or another region`,
        );
      }
    }
  }

  /**
   * The log has moved on too when it has an entry written after the bundle was made that is not sealed yet (the
   * sealer links entries within its delay, and only then does a head move): a change of the tenant's since the bundle,
   * whose items the bundle's would overwrite. The entries of the import's own job are left aside.
   */
  private async refuseNewerEntries(tenantId: string, manifest: BundleManifest, jobTarget: string | undefined): Promise<void> {
    const db = this.props.db(tenantId);
    let start: Record<string, unknown> | undefined;
    do {
      const page = await kindPage(auditEntryKind, tenantId, db, this.props.tableName, keys.auditPendingPartition(tenantId), start);
      const newer = page.items.find((item) => item.target !== jobTarget && String(item.time) > manifest.createdAt);
      if (newer) {
        throw new TenantLogMovedError(
          `tenant ${tenantId}'s audit log has moved on since the bundle was made (${String(newer.action)} at ${String(newer.time)}, the bundle at ${manifest.createdAt}): import into a purged tenant or another region`,
        );
      }
      start = page.next;
    } while (start);
  }

  private getChecked(key: string, etag?: string) {
    return bundleObject(this.props.store, key, etag);
  }

  private async writeBatch(db: DynamoDBDocumentClient, puts: readonly PutInput[]): Promise<void> {
    const conditional = puts.filter((put) => put.ConditionExpression);
    for (const put of conditional) await db.send(new PutCommand({ TableName: this.props.tableName, ...put }));
    let requests: Record<string, unknown>[] = puts.filter((put) => !put.ConditionExpression).map((put) => ({ PutRequest: { Item: put.Item } }));
    for (let round = 0; requests.length > 0; round++) {
      if (round >= MAX_BATCH_ROUNDS) throw new Error(`import did not finish: DynamoDB kept ${requests.length} puts unprocessed`);
      const { UnprocessedItems } = await db.send(new BatchWriteCommand({ RequestItems: { [this.props.tableName]: requests as never } }));
      requests = (UnprocessedItems?.[this.props.tableName] ?? []) as Record<string, unknown>[];
      if (requests.length > 0) await new Promise((done) => setTimeout(done, 50 * 2 ** round));
    }
  }
}

/**
 * The tenant's log went on since the bundle was made: writing the bundle whole would overwrite newer items and cut
 * entries off the chain (the job service then restores only the content the tenant lacks).
 */
export class TenantLogMovedError extends ConflictError {
  override readonly name: string = 'TenantLogMovedError';
}

/** The bundle's audit chain heads as an import entry's target names them: `<lane>-<seq>-<hash>` joined by `+`. */
export function chainHeadsOf(manifest: BundleManifest): string {
  return manifest.auditChain.map((head) => `${head.lane}-${head.seq}-${head.hash}`).join('+');
}

/** A bundle's object (with `etag`, only the version that was checked); a missing or replaced one refuses the bundle. */
export async function bundleObject(store: ObjectStore, key: string, etag?: string) {
  try {
    return await store.get(key, etag);
  } catch (error) {
    const file = key.slice(key.lastIndexOf('/') + 1);
    if (error instanceof ObjectNotFoundError) throw new BundleRejectedError({ file }, 'the file is missing from the bundle');
    if (error instanceof ObjectChangedError) throw new BundleRejectedError({ file }, 'the file was replaced after it was checked');
    throw error;
  }
}
