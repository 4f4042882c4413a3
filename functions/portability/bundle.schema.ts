import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from '../core/zod';
import { canonicalJson } from '../core/request-conventions';

/**
 * A tenant data bundle: one NDJSON file per kind of the data catalogue (each line `{"Item": <DynamoDB JSON>}`, the
 * shape DynamoDB's own export to S3 writes, so every attribute type survives) and a manifest that names each file
 * with its item count, byte length and SHA-256, the tenant, the source region and the audit chain head. The manifest
 * is signed with a platform key, so a bundle edited consistently (file and manifest together) is refused as well as
 * a corrupted or truncated one.
 */

export const BUNDLE_SCHEMA_VERSION = 1;

/** The object name of a kind's file in a bundle. */
export const fileNameOf = (kind: string): string => `${kind}.ndjson`;

export const MANIFEST_FILE = 'manifest.json';

const sha256Schema = z.string().check(z.regex(/^[0-9a-f]{64}$/, 'must be a hex SHA-256'));

export const bundleFileSchema = z.strictObject({
  kind: z.string().check(z.minLength(1)),
  name: z.string().check(z.minLength(1)),
  items: z.int().check(z.nonnegative()),
  bytes: z.int().check(z.nonnegative()),
  sha256: sha256Schema,
});
export type BundleFile = z.infer<typeof bundleFileSchema>;

export const chainHeadSchema = z.strictObject({ lane: z.int().check(z.nonnegative()), seq: z.int().check(z.nonnegative()), hash: sha256Schema });
export type BundleChainHead = z.infer<typeof chainHeadSchema>;

export const unsignedManifestSchema = z.strictObject({
  schemaVersion: z.literal(BUNDLE_SCHEMA_VERSION),
  exportId: z.string().check(z.minLength(1)),
  tenantId: z.string().check(z.minLength(1)),
  sourceRegion: z.string().check(z.minLength(1)),
  createdAt: z.iso.datetime(),
  createdBy: z.string().check(z.minLength(1)),
  files: z.array(bundleFileSchema),
  /** The head of every audit lane the bundle holds, as its audit-head file holds them. */
  auditChain: z.array(chainHeadSchema),
});
export type UnsignedManifest = z.infer<typeof unsignedManifestSchema>;

export const manifestSchema = z.extend(unsignedManifestSchema, { signature: sha256Schema });
export type BundleManifest = z.infer<typeof manifestSchema>;

/** Signs and checks manifests with a platform key (HMAC-SHA256 over the canonical JSON of the unsigned manifest). */
export class ManifestSigner {
  private readonly key: Buffer;

  constructor(secret: string) {
    if (secret.length < 32) throw new RangeError('the manifest signing secret must have at least 32 characters');
    // A key of its own, derived from the platform secret, so a manifest signature is no valid signature of anything else.
    this.key = createHmac('sha256', secret).update('tenant-bundle-manifest/v1').digest();
  }

  sign(manifest: UnsignedManifest): BundleManifest {
    return { ...manifest, signature: this.signatureOf(manifest) };
  }

  verifies(manifest: BundleManifest): boolean {
    const { signature, ...unsigned } = manifest;
    const expected = Buffer.from(this.signatureOf(unsigned), 'hex');
    const given = Buffer.from(signature, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private signatureOf(manifest: UnsignedManifest): string {
    return createHmac('sha256', this.key).update(canonicalJson(manifest)).digest('hex');
  }
}
