import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type * as z from '../core/zod';
import { manifestFileName, tenantManifestSchema, type TenantManifest, type TenantManifestInput } from './tenant-manifest.schema';

/**
 * Reads and writes `tenants/*.json`. Every problem names the file and the field, e.g.
 * `tenants/acme.json: sso.oidc[0].issuer: Invalid URL`, and all problems of all files are reported at once so one
 * run of `cdk synth` or the CLI shows everything to fix.
 */

/** One thing wrong with a manifest. */
export interface ManifestProblem {
  readonly file: string;
  /** The field path, `(root)` for the whole document. */
  readonly field: string;
  readonly message: string;
}

export class ManifestError extends Error {
  constructor(readonly problems: readonly ManifestProblem[]) {
    super(`invalid tenant manifest${problems.length > 1 ? 's' : ''}:\n${problems.map((p) => `  ${p.file}: ${p.field}: ${p.message}`).join('\n')}`);
    this.name = 'ManifestError';
  }
}

/** A field path as people write it: `sso.oidc[0].issuer`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)), '');
}

function problemsOf(file: string, error: z.core.$ZodError): ManifestProblem[] {
  return error.issues.map((issue) => ({ file, field: fieldPath(issue.path), message: issue.message }));
}

/** Validates one manifest document; `file` only labels the problems. */
export function parseManifest(document: unknown, file: string): TenantManifest {
  const result = tenantManifestSchema.safeParse(document);
  if (!result.success) throw new ManifestError(problemsOf(file, result.error));
  return result.data;
}

/** Reads and validates one manifest file; its name must be `<slug>.json`. */
export function readManifest(path: string, label = path): TenantManifest {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ManifestError([{ file: label, field: '(root)', message: `not readable JSON: ${(error as Error).message}` }]);
  }
  const manifest = parseManifest(document, label);
  if (basename(path) !== manifestFileName(manifest.slug)) {
    throw new ManifestError([{ file: label, field: 'slug', message: `the file of slug ${manifest.slug} must be named ${manifestFileName(manifest.slug)}` }]);
  }
  return manifest;
}

/**
 * Reads every `*.json` of a folder (sorted by name), validates each and checks that ids and slugs are unique.
 * A missing folder holds no manifests. Throws one ManifestError listing every problem.
 */
export function loadManifests(dir: string, label = dir): TenantManifest[] {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort();
  const problems: ManifestProblem[] = [];
  const manifests: { file: string; manifest: TenantManifest }[] = [];
  for (const name of files) {
    const file = join(label, name);
    try {
      manifests.push({ file, manifest: readManifest(join(dir, name), file) });
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      problems.push(...error.problems);
    }
  }
  const firstById = new Map<string, string>();
  for (const { file, manifest } of manifests) {
    const other = firstById.get(manifest.id);
    if (other) problems.push({ file, field: 'id', message: `tenant id ${manifest.id} is already used by ${other}` });
    else firstById.set(manifest.id, file);
  }
  if (problems.length > 0) throw new ManifestError(problems);
  return manifests.map(({ manifest }) => manifest);
}

/**
 * Writes a manifest as `<dir>/<slug>.json` after validating it (defaults left out, as a person would write it).
 * Refuses to overwrite unless asked. Returns the path.
 */
export function writeManifest(dir: string, input: TenantManifestInput, options: { readonly overwrite?: boolean } = {}): string {
  const manifest = parseManifest(input, manifestFileName(String(input.slug)));
  const path = join(dir, manifestFileName(manifest.slug));
  if (!options.overwrite && existsSync(path)) {
    throw new ManifestError([{ file: path, field: '(root)', message: 'a manifest with this slug exists already' }]);
  }
  mkdirSync(dir, { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(input, null, 2)}\n`);
  renameSync(temporary, path);
  return path;
}
