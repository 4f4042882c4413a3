import { Readable } from 'node:stream';
import fc from 'fast-check';
import { auditHeadKind } from '../../../functions/audit/audit.kind';
import { AuditRepository } from '../../../functions/audit/audit.repository';
import { CursorCodec } from '../../../functions/data/cursor';
import { tenantPrefix } from '../../../functions/data/keys';
import { BundleRejectedError } from '../../../functions/portability/bundle.errors';
import { MANIFEST_FILE, type BundleManifest } from '../../../functions/portability/bundle.schema';
import { bundlePrefix } from '../../../functions/portability/tenant-export';
import { TENANT_DATA_CATALOGUE } from '../../../functions/tenant-data.catalogue';
import { TenantPurge } from '../../../functions/tenants/tenant-purge';
import { LOCAL_REGIONS } from '../../../local/platform.config';
import { createPortabilityFixture, type PortabilityFixture, type TenantHistory } from './portability-fixture';

/**
 * Property 10, tenant data portability, against DynamoDB Local and an S3-compatible server: whatever a tenant did
 * (every kind of the catalogue has items), export → purge → import gives back exactly the items it had, plus the
 * import's own audit entry, and the audit chain verifies; importing the bundle again changes nothing; and any single
 * corruption, truncation or a bundle of another tenant is refused before the first write.
 */

const [EU] = LOCAL_REGIONS;
let fixture: PortabilityFixture;
/** Another tenant's bundle: offered to the tenant under test as a foreign bundle. */
let foreign: { prefix: string; manifest: BundleManifest };
let exports = 0;

beforeAll(async () => {
  fixture = await createPortabilityFixture('portability-prop');
  const other = await fixture.onboard('pf');
  await fixture.live(other, { agents: [{ instructions: 'other', memories: ['theirs'] }], runs: [1], apiKeys: 1, members: 0 });
  const manifest = await fixture.exporter(EU).export({ tenantId: other, exportId: 'foreign-1', createdBy: 'platform-admin:ops-1' });
  foreign = { prefix: bundlePrefix(other, 'foreign-1'), manifest };
});

afterAll(async () => {
  await fixture?.dispose();
});

const historyArbitrary: fc.Arbitrary<TenantHistory> = fc.record({
  agents: fc.array(
    fc.record({
      instructions: fc.string({ unit: 'grapheme', maxLength: 60 }),
      memories: fc.array(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 2 }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  runs: fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 1, maxLength: 2 }),
  apiKeys: fc.integer({ min: 1, max: 2 }),
  members: fc.integer({ min: 1, max: 2 }),
});

type Corruption =
  | { readonly type: 'flip-byte' | 'truncate'; readonly file: number; readonly at: number; readonly xor: number }
  | { readonly type: 'drop-line' | 'repeat-line' | 'consistent-edit'; readonly file: number; readonly at: number }
  | { readonly type: 'foreign' };

/** One corruption of each type per run, each at a drawn file and position. */
const corruptionsArbitrary: fc.Arbitrary<Corruption[]> = fc
  .array(fc.record({ file: fc.nat(), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { minLength: 5, maxLength: 5 })
  .map(([flip, truncate, drop, repeat, consistent]) => [
    { type: 'flip-byte', ...flip },
    { type: 'truncate', ...truncate },
    { type: 'drop-line', file: drop.file, at: drop.at },
    { type: 'repeat-line', file: repeat.file, at: repeat.at },
    { type: 'consistent-edit', file: consistent.file, at: consistent.at },
    { type: 'foreign' },
  ]);

async function read(key: string): Promise<Buffer> {
  const { body } = await fixture.store.get(key);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const put = (key: string, body: Buffer | string) => fixture.store.put(key, Readable.from([Buffer.from(body)]), 'application/octet-stream');

/** Copies a bundle to a new prefix with one corruption; returns the prefix and the file a refusal must name. */
async function corruptedCopy(tenantId: string, source: string, manifest: BundleManifest, corruption: Corruption): Promise<{ prefix: string; file: string }> {
  const target = bundlePrefix(tenantId, `corrupt-${++exports}`);
  if (corruption.type === 'foreign') {
    for (const name of [MANIFEST_FILE, ...foreign.manifest.files.map((file) => file.name)]) await put(target + name, await read(foreign.prefix + name));
    return { prefix: target, file: MANIFEST_FILE };
  }
  const names = [MANIFEST_FILE, ...manifest.files.map((file) => file.name)];
  const lineFiles = manifest.files.filter((file) => file.items > 0).map((file) => file.name);
  const bytesFiles = [MANIFEST_FILE, ...lineFiles];
  const name =
    corruption.type === 'flip-byte' || corruption.type === 'truncate'
      ? bytesFiles[corruption.file % bytesFiles.length]
      : lineFiles[corruption.file % lineFiles.length];
  let edited = manifest;
  for (const other of names) {
    const body = await read(source + other);
    if (other !== name) {
      await put(target + other, body);
      continue;
    }
    const lines = body.toString('utf8').split('\n').slice(0, -1);
    const line = corruption.at % Math.max(lines.length, 1);
    switch (corruption.type) {
      case 'flip-byte': {
        const flipped = Buffer.from(body);
        flipped[corruption.at % body.length] ^= corruption.xor;
        await put(target + other, flipped);
        break;
      }
      case 'truncate':
        await put(target + other, body.subarray(0, corruption.at % body.length));
        break;
      case 'drop-line':
        await put(
          target + other,
          lines
            .filter((_, i) => i !== line)
            .map((text) => `${text}\n`)
            .join(''),
        );
        break;
      case 'repeat-line':
        await put(
          target + other,
          lines
            .flatMap((text, i) => (i === line ? [text, text] : [text]))
            .map((text) => `${text}\n`)
            .join(''),
        );
        break;
      case 'consistent-edit': {
        // The file loses a line and the manifest is fixed to match: only the signature can tell.
        const shorter = Buffer.from(
          lines
            .filter((_, i) => i !== line)
            .map((text) => `${text}\n`)
            .join(''),
        );
        const { createHash } = await import('node:crypto');
        edited = {
          ...manifest,
          files: manifest.files.map((file) =>
            file.name === other ? { ...file, items: file.items - 1, bytes: shorter.length, sha256: createHash('sha256').update(shorter).digest('hex') } : file,
          ),
        };
        await put(target + other, shorter);
        break;
      }
    }
  }
  if (edited !== manifest) await put(target + MANIFEST_FILE, JSON.stringify(edited));
  return { prefix: target, file: corruption.type === 'consistent-edit' ? MANIFEST_FILE : name };
}

type Item = Record<string, unknown>;
const keyOf = (item: Item) => `${item.pk} ${item.sk}`;
const byKey = (items: readonly Item[]) => new Map(items.map((item) => [keyOf(item), item]));

describe('property 10: tenant data portability', () => {
  it('export → purge → import gives back the same items with a verifying chain; every bad bundle is refused with nothing written', async () => {
    const { db, tableName } = fixture.lifecycle.regions[EU].local;
    const purge = new TenantPurge(db, tableName, TENANT_DATA_CATALOGUE);
    await fc.assert(
      fc.asyncProperty(historyArbitrary, corruptionsArbitrary, async (history, corruptions) => {
        // Prepare
        const tenantId = await fixture.onboard('pt');
        await fixture.live(tenantId, history);
        const before = await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId));
        const exportId = `export-${++exports}`;
        // Act
        const manifest = await fixture.exporter(EU).export({ tenantId, exportId, createdBy: 'user:u-admin' });
        await purge.purge(tenantId);
        const emptied = await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId));
        const refusals = [];
        for (const corruption of corruptions) {
          const { prefix, file } = await corruptedCopy(tenantId, bundlePrefix(tenantId, exportId), manifest, corruption);
          const importing = fixture.importer(EU).import({ tenantId, bundlePrefix: prefix, actor: 'platform-admin:ops-1', requestId: `import-bad-${exports}` });
          refusals.push({
            corruption,
            file,
            outcome: await importing.then(
              () => 'imported',
              (error: unknown) => error,
            ),
          });
        }
        const afterRefusals = await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId));
        const imported = await fixture
          .importer(EU)
          .import({ tenantId, bundlePrefix: bundlePrefix(tenantId, exportId), actor: 'platform-admin:ops-1', requestId: `import-${exportId}` });
        const after = await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId));
        const again = await fixture
          .importer(EU)
          .import({ tenantId, bundlePrefix: bundlePrefix(tenantId, exportId), actor: 'platform-admin:ops-1', requestId: `import-again-${exportId}` });
        const afterAgain = await fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId));
        const verification = await new AuditRepository({
          db: db(tenantId),
          tableName,
          tenantId,
          cursors: new CursorCodec('portability-verify-cursor-secret-32-chars'),
          lanes: 1,
        }).verify();

        // Assess
        expect(manifest.files.filter((file) => file.items === 0).map((file) => file.kind)).toEqual([]);
        expect(emptied).toEqual([]);
        for (const { corruption, file, outcome } of refusals) {
          // The problem names the file (and, for a bad line, the line): 422 validation-failed with `bundle`.
          const named = outcome instanceof BundleRejectedError ? outcome.where.file : outcome;
          expect({ corruption, named }).toEqual({ corruption, named: file });
        }
        expect(afterRefusals).toEqual([]);
        expect(imported.alreadyImported).toBe(false);
        const restored = byKey(after);
        const added = after.filter((item) => !before.some((old) => keyOf(old) === keyOf(item)));
        expect(added.map((item) => (item.action as string) ?? (String(item.pk).includes('#IDEMPOTENCY') ? 'idempotency' : String(item.sk)))).toEqual(
          expect.arrayContaining(['tenant.import']),
        );
        expect(added).toHaveLength(2);
        for (const item of before) {
          if (auditHeadKind.owns({ pk: String(item.pk), sk: String(item.sk) }, tenantId))
            expect(restored.get(keyOf(item))).toMatchObject({ seq: (item.seq as number) + 1 });
          else expect(restored.get(keyOf(item))).toEqual(item);
        }
        const entry = added.find((item) => item.action === 'tenant.import') as Item;
        expect(entry.target).toBe(`import/${exportId}/chain/${manifest.auditChain.map((head) => `${head.lane}-${head.seq}-${head.hash}`).join('+')}`);
        expect(verification).toMatchObject({ valid: true });
        expect(again.alreadyImported).toBe(true);
        expect(afterAgain).toEqual(after);
      }),
      { numRuns: 4, verbose: 1, endOnFailure: true },
    );
  });
});
