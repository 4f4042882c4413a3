import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import {
  BUNDLE_EXTERNALS,
  BUNDLED_SDK_PACKAGES,
  bundleLimitKib,
  NODE_SOURCE_MAPS_OPTION,
  LAMBDA_BUILD_OPTIONS,
  OPENAPI_DOCUMENT_ENTRY,
  OPENAPI_DOCUMENT_FILE,
  SOURCE_MAPPED_STACK_ENTRY,
  SOURCE_MAPPED_STACK_FILE,
  RUNTIME_CREDENTIAL_LINKS,
  SSO_MEMBERSHIP_ENTRY,
  SSO_MEMBERSHIP_FILE,
  STRIPE_CLIENT_ENTRY,
  STRIPE_CLIENT_FILE,
  XRAY_TRACING_ENTRY,
  XRAY_TRACING_FILE,
} from '../lib/function-bundling';
import { recordFigure } from './figures';

/**
 * Bundle size and cold import time of every Lambda entry, bundled as the CDK construct bundles it (esbuild, minified,
 * source map, node 22 target; the AWS SDK's DynamoDB and STS clients inside from their ES modules, its other clients,
 * the credential chain's profile links and the side files left out, see lib/function-bundling.ts), and bundled as it
 * was before the SDK went in (all of the SDK loaded from node_modules, as from the runtime's copy). Cold import is a
 * fresh node requiring the bundle, the AWS SDK modules it loads included, in wall and CPU time, each run beside one of
 * `node -e 0`; where active tracing is on (every function in AWS) the tracer's file adds its own time at the first
 * invocation, measured once below.
 */
const ENTRY_DIR = join(__dirname, '..', 'functions', 'api');
const IMPORT_RUNS = 7;
/** The AWS SDK modules nearly every entry loads at import (DynamoDB with its document client, STS). */
const SDK_FLOOR_MODULES = ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/client-sts'];
/** Every entry with all of the AWS SDK left out, loaded from node_modules: how the runtime's copy loads. */
const SDK_OUTSIDE = ['@aws-sdk/*', ...BUNDLE_EXTERNALS.filter((name) => !name.startsWith('@aws-sdk/'))];
const GOAL_KIB = 150;
const GOAL_RATIO = 1.8;

/** As the functions are bundled; each build names what it leaves out (`external`). */
const SETTINGS: BuildOptions = { ...LAMBDA_BUILD_OPTIONS, metafile: true, logLevel: 'error' };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Runs `script` in a fresh node (the bench's own, as Lambda's major) with no node options, as the functions run, and
 * returns what it printed. `nodeOptions` sets some (the source map figure).
 */
function nodeOutput(script: string, nodeOptions = ''): string {
  const result = spawnSync(process.execPath, ['-e', script], { stdio: 'pipe', env: { ...process.env, AWS_REGION: 'eu-central-1', NODE_OPTIONS: nodeOptions } });
  if (result.status !== 0) throw new Error(`node failed: ${result.stderr.toString()}`);
  return result.stdout.toString();
}

/** Wall time and CPU time (user + system, every thread) of one fresh node process that runs `script`, in ms. */
function nodeRun(script: string, nodeOptions?: string): { wall: number; cpu: number } {
  const start = process.hrtime.bigint();
  const cpu = Number(nodeOutput(`${script};const u=process.cpuUsage();process.stdout.write(String((u.user+u.system)/1000))`, nodeOptions));
  return { wall: Number(process.hrtime.bigint() - start) / 1e6, cpu };
}

/** `require` of each SDK floor module, resolved from the project as the bundles resolve them. */
function sdkFloorRequires(): string {
  return SDK_FLOOR_MODULES.map((name) => `require(${JSON.stringify(require.resolve(name))})`).join(';');
}

/**
 * What an entry's own code takes at import: the median time to require its bundle in a node that has loaded the AWS
 * SDK floor first (its compile and top-level work; the SDK's own load left out), in ms.
 */
function ownImport(file: string): number {
  const times: number[] = [];
  for (let i = 0; i < IMPORT_RUNS; i++) {
    times.push(
      Number(nodeOutput(`${sdkFloorRequires()};const t=performance.now();require(${JSON.stringify(file)});process.stdout.write(String(performance.now()-t))`)),
    );
  }
  return median(times);
}

interface ColdImport {
  /** Medians of `node -e 0`, measured in turn with the import so that both see the same machine load. */
  readonly baseline: { wall: number; cpu: number };
  readonly wall: number;
  readonly cpu: number;
}

/** Cold import of `file` (or a `script` of requires) against `node -e 0`, runs taken in turn (a shared machine's load shifts between them). */
function coldImport(file: string, script = false): ColdImport {
  const runs = { baseWall: [] as number[], baseCpu: [] as number[], wall: [] as number[], cpu: [] as number[] };
  for (let i = 0; i < IMPORT_RUNS; i++) {
    const base = nodeRun('0');
    const cold = nodeRun(script ? file : `require(${JSON.stringify(file)})`);
    runs.baseWall.push(base.wall);
    runs.baseCpu.push(base.cpu);
    runs.wall.push(cold.wall);
    runs.cpu.push(cold.cpu);
  }
  return { baseline: { wall: median(runs.baseWall), cpu: median(runs.baseCpu) }, wall: median(runs.wall), cpu: median(runs.cpu) };
}

/** Bundles one entry to `outfile` and returns its minified size in bytes. */
async function bundle(entry: string, outfile: string, external: readonly string[]): Promise<{ bytes: number }> {
  const result = await build({ ...SETTINGS, entryPoints: [entry], external: [...external], outfile });
  return { bytes: result.metafile!.outputs[Object.keys(result.metafile!.outputs).find((o) => o.endsWith('.js'))!].bytes };
}

const row = (cells: string[]) =>
  cells[0].padEnd(22) +
  cells
    .slice(1)
    .map((cell, i) => cell.padStart([11, 10, 8, 16, 16, 16, 8, 9, 7][i]))
    .join('');

interface Measured {
  readonly name: string;
  /** `index.js` as shipped, the bundled AWS SDK clients included. */
  readonly kib: number;
  /** The same entry with all of the AWS SDK left out: its own code and libraries, which the size goal measures. */
  readonly ownKib: number;
  /** Cold import over `node -e 0`: wall time (the goal's measure) and CPU time (steadier on a loaded machine). */
  readonly ratio: number;
  readonly cpuRatio: number;
  /** The entry's own import after the SDK's, in ms. */
  readonly ownMs: number;
  /** The zod schemas its import builds. */
  readonly schemas: number;
  /** Cold import over `node -e 0` with all of the AWS SDK loaded from node_modules instead (wall time). */
  readonly runtimeSdkRatio: number;
}

export async function run(): Promise<void> {
  // Inside the project so the bundles resolve the installed AWS SDK as the Lambda runtime provides its own.
  const cache = join(__dirname, '..', 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const outdir = mkdtempSync(join(cache, 'bench-bundles-'));
  try {
    // Lambda entries are the files that export a handler; the others are shared wiring.
    const entries = readdirSync(ENTRY_DIR).filter((file) => file.endsWith('.ts') && /export const handler\b/.test(readFileSync(join(ENTRY_DIR, file), 'utf8')));
    console.log(`\n== Lambda bundles (esbuild, minified; inside: ${BUNDLED_SDK_PACKAGES.join(', ')}; left out: ${BUNDLE_EXTERNALS.join(', ')})`);
    console.log(
      `cold import: medians of ${IMPORT_RUNS}, each run beside one of node -e 0; goals: <= ${GOAL_KIB} KiB without the SDK and <= ${GOAL_RATIO}x (met: y/n each)`,
    );
    console.log('no SDK: the entry with all of the AWS SDK left out; runtime SDK: its cold import so, the SDK loaded from node_modules');
    console.log(`own ms: the no-SDK bundle's require in a node that has loaded the AWS SDK floor first (its own compile and top-level work)`);
    console.log('schemas: the zod schemas its import builds (top-level work, counted: steady where the times are not)');
    console.log(row(['entry', 'index KiB', 'no SDK', 'limit', 'wall ms (x)', 'CPU ms (x)', 'runtime SDK (x)', 'own ms', 'schemas', 'goals']));
    const measured: Measured[] = [];
    for (const entry of entries) {
      const name = entry.replace(/\.ts$/, '');
      const outfile = join(outdir, `${name}.js`);
      const outside = join(outdir, `${name}.no-sdk.js`);
      const { bytes } = await bundle(join(ENTRY_DIR, entry), outfile, BUNDLE_EXTERNALS);
      const { bytes: ownBytes } = await bundle(join(ENTRY_DIR, entry), outside, SDK_OUTSIDE);
      const cold = coldImport(outfile);
      const runtimeSdk = coldImport(outside);
      const ownMs = ownImport(outside);
      const schemas = await schemasBuiltAtImport(outdir, name);
      const result = {
        name,
        kib: bytes / 1024,
        ownKib: ownBytes / 1024,
        ratio: cold.wall / cold.baseline.wall,
        cpuRatio: cold.cpu / cold.baseline.cpu,
        ownMs,
        schemas,
        runtimeSdkRatio: runtimeSdk.wall / runtimeSdk.baseline.wall,
      };
      measured.push(result);
      const met = `${result.ownKib <= GOAL_KIB ? 'y' : 'n'}/${result.ratio <= GOAL_RATIO ? 'y' : 'n'}`;
      const cells = [result.kib.toFixed(1), result.ownKib.toFixed(1), String(bundleLimitKib(name))];
      const times = [
        `${cold.wall.toFixed(0)} (${result.ratio.toFixed(2)}x)`,
        `${cold.cpu.toFixed(0)} (${result.cpuRatio.toFixed(2)}x)`,
        `${runtimeSdk.wall.toFixed(0)} (${result.runtimeSdkRatio.toFixed(2)}x)`,
        ownMs.toFixed(1),
        String(schemas),
      ];
      console.log(row([name, ...cells, ...times, met]));
    }
    await measureSideFile(outdir, {
      entry: XRAY_TRACING_ENTRY,
      file: XRAY_TRACING_FILE,
      where: 'beside every index.js; loaded at the first invocation where active tracing is on',
      after: 'agents',
    });
    await measureSideFile(outdir, {
      entry: STRIPE_CLIENT_ENTRY,
      file: STRIPE_CLIENT_FILE,
      where: 'beside the billing entries; loaded where a region collects through Stripe',
      after: 'tenants',
    });
    await measureSideFile(outdir, {
      entry: OPENAPI_DOCUMENT_ENTRY,
      file: OPENAPI_DOCUMENT_FILE,
      where: 'beside the platform group; loaded, and the document built, at the first GET /v1/openapi.json',
      after: 'platform',
      use: "m.openApiDocument('https://api.example.com','production')",
    });
    const tenantsFile = join(outdir, 'tenants.js');
    await measureSideFile(outdir, {
      entry: SOURCE_MAPPED_STACK_ENTRY,
      file: SOURCE_MAPPED_STACK_FILE,
      where: "beside every index.js; loaded at the first error a function logs, and its first stack maps through the bundle's map",
      after: 'tenants',
      use: `m.sourceMappedStack(${JSON.stringify(`Error: x\n    at f (${tenantsFile}:1:1000)`)})`,
    });
    await measureSideFile(outdir, {
      entry: SSO_MEMBERSHIP_ENTRY,
      file: SSO_MEMBERSHIP_FILE,
      where: "beside the pre-token trigger's index.js; loaded, with the AWS SDK's clients it carries, at the first federated sign-in",
      after: 'pre-token-generation',
    });
    const runtimeFloor = measureSdkFloor();
    const bundledFloor = await measureBundledSdkFloor(outdir);
    const largest = [...measured].sort((a, b) => b.kib - a.kib)[0].name;
    await measureCredentialLinks(outdir, largest);
    measureSourceMaps(outdir, largest);
    const heaviest = [...measured].sort((a, b) => b.ownMs - a.ownMs)[0];
    await splitTopLevelWork(outdir, heaviest.name);
    recordBundleFigures(measured, { runtime: runtimeFloor, bundled: bundledFloor });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * A side file (lib/function-bundling.ts): its size, and what requiring it adds once per instance that loads it, in a
 * node that has loaded the index.js of `after` first, as a function loads its side files after its own bundle (median
 * of the runs, ms), with its first use (`use`, an expression of the module `m`) where that does the work; and, apart,
 * in a fresh node over `node -e 0`, the built-in modules it shares with index.js included.
 */
async function measureSideFile(
  outdir: string,
  side: { readonly entry: string; readonly file: string; readonly where: string; readonly after: string; readonly use?: string },
): Promise<void> {
  const outfile = join(outdir, side.file);
  const { bytes } = await bundle(side.entry, outfile, BUNDLE_EXTERNALS);
  const afterIndex: number[] = [];
  for (let i = 0; i < IMPORT_RUNS; i++) {
    const script =
      `require(${JSON.stringify(join(outdir, `${side.after}.js`))});const t=performance.now();const m=require(${JSON.stringify(outfile)});` +
      `${side.use ?? ''};process.stdout.write(String(performance.now()-t))`;
    afterIndex.push(Number(nodeOutput(script)));
  }
  const cold = coldImport(outfile);
  console.log(
    `${side.file} (${side.where}): ${(bytes / 1024).toFixed(1)} KiB; ${median(afterIndex).toFixed(1)} ms to load${side.use ? ' and use' : ''} after ${side.after}'s ` +
      `index.js; alone in a fresh node ${signedMs(cold.wall - cold.baseline.wall)} wall, ${signedMs(cold.cpu - cold.baseline.cpu)} CPU`,
  );
}

/** A difference of times, whole ms with its sign (a file too small to time shows +0 or a negative rounding). */
function signedMs(ms: number): string {
  const whole = Math.round(ms);
  return `${whole < 0 ? '' : '+'}${whole === 0 ? 0 : whole} ms`;
}

/**
 * An entry bundled as the functions are but unminified and without the AWS SDK (`outdir/<name>.<purpose>.js`), where
 * esbuild heads each module's top-level code with a `// <path>` comment and zod's code reads as written.
 */
async function unminifiedBundle(outdir: string, name: string, purpose: string): Promise<string> {
  const outfile = join(outdir, `${name}.${purpose}.js`);
  await build({ ...SETTINGS, minify: false, sourcemap: false, entryPoints: [join(ENTRY_DIR, `${name}.ts`)], external: [...SDK_OUTSIDE], outfile });
  return outfile;
}

/** The first statement of zod's internals constructor, which runs once for every schema built. */
const ZOD_INTERNALS = /function Internals\(def\) \{\s*this\.def = def;/;

/**
 * How many zod schemas an entry builds at import: the entry bundled again unminified, a count put into zod's
 * internals constructor, then required in a fresh node. A count, unlike a time, does not move with the machine's load,
 * so it shows what a change to the schema modules took out of an entry's top-level work.
 */
async function schemasBuiltAtImport(outdir: string, name: string): Promise<number> {
  const outfile = await unminifiedBundle(outdir, name, 'count');
  const text = readFileSync(outfile, 'utf8');
  if (!ZOD_INTERNALS.test(text)) throw new Error(`${name}: zod's internals constructor not found in the bundle; update ZOD_INTERNALS for this zod`);
  writeFileSync(
    outfile,
    text.replace(ZOD_INTERNALS, (start) => `${start}globalThis.__schemas+=1;`),
  );
  return Number(nodeOutput(`globalThis.__schemas=0;require(${JSON.stringify(outfile)});process.stdout.write(String(globalThis.__schemas))`));
}

/** Where an entry's top-level work goes: module kinds in the order the split prints them. */
const WORK_KINDS: readonly { readonly name: string; readonly test: (file: string) => boolean }[] = [
  { name: 'schema and kind modules (zod schemas built at import)', test: (file) => /^functions\/.*\.(schema|kind)\.ts$/.test(file) },
  { name: 'other own modules', test: (file) => file.startsWith('functions/') },
  { name: 'libraries (zod, Middy, Powertools)', test: () => true },
];

/**
 * Splits one entry's own import (`name`, the heaviest) by the module that does the work: the entry is bundled again
 * unminified, where esbuild heads each module's top-level code with a `// <path>` comment, and a time mark is put
 * before each; the time between two marks is the first one's module's top-level work (the zod schemas it builds
 * included). What comes before the first mark is the compile of the file. Medians of the runs, in ms.
 */
async function splitTopLevelWork(outdir: string, name: string): Promise<void> {
  const outfile = await unminifiedBundle(outdir, name, 'split');
  const marked = readFileSync(outfile, 'utf8')
    .split('\n')
    .map((line) =>
      /^\/\/ ((node_modules|functions)\/\S+)$/.test(line) ? `globalThis.__marks.push([${JSON.stringify(line.slice(3))}, performance.now()]);\n${line}` : line,
    )
    .join('\n');
  writeFileSync(outfile, `${marked}\nglobalThis.__marks.push(['', performance.now()]);\n`);
  const runs: Record<string, number>[] = [];
  for (let i = 0; i < IMPORT_RUNS; i++) {
    const script = `${sdkFloorRequires()};globalThis.__marks=[];const t=performance.now();require(${JSON.stringify(outfile)});process.stdout.write(JSON.stringify([t,...globalThis.__marks]))`;
    const [start, ...marks] = JSON.parse(nodeOutput(script)) as [number, ...[string, number][]];
    const split: Record<string, number> = { compile: marks[0][1] - start };
    for (let m = 0; m + 1 < marks.length; m++) {
      const kind = WORK_KINDS.find((candidate) => candidate.test(marks[m][0]))!.name;
      split[kind] = (split[kind] ?? 0) + (marks[m + 1][1] - marks[m][1]);
    }
    runs.push(split);
  }
  const part = (key: string) => median(runs.map((split) => split[key] ?? 0)).toFixed(1);
  const parts = [`compile (before the first module) ${part('compile')}`, ...WORK_KINDS.map((kind) => `${kind.name} ${part(kind.name)}`)];
  console.log(`${name}'s own import, unminified, by module (ms, medians of ${IMPORT_RUNS}): ${parts.join('; ')}`);
}

/**
 * What Node's source maps (`--enable-source-maps`, which the functions do not set) would add to the cold import of the
 * largest entry: Node reads and parses the bundle's map as it loads the bundle. The functions' logger reads it at the
 * first error it writes instead; every cold import above is timed without the option, as the functions run. Both
 * ways are taken in turn.
 */
function measureSourceMaps(outdir: string, name: string): void {
  const file = join(outdir, `${name}.js`);
  const { a: withMaps, b: without } = pairedImports(file, file, { a: NODE_SOURCE_MAPS_OPTION });
  console.log(
    `source maps (medians of ${PAIRED_RUNS} in turn): ${name}'s cold import ${without.wall.toFixed(1)} ms wall, ${without.cpu.toFixed(1)} ms CPU ` +
      `as the functions run; ${withMaps.wall.toFixed(1)} ms wall, ${withMaps.cpu.toFixed(1)} ms CPU with NODE_OPTIONS=${NODE_SOURCE_MAPS_OPTION}, ` +
      `which would read its map (${(statSync(`${file}.map`).size / 1024).toFixed(0)} KiB) at every cold start`,
  );
}

/**
 * The floor under every entry's cold import: the AWS SDK clients that nearly every entry loads at import (DynamoDB
 * with its document client, and STS for the tenant-scoped credentials), loaded from node_modules as from the
 * runtime's copy, which holds every command of each service.
 */
function measureSdkFloor(): number {
  const cold = coldImport(sdkFloorRequires(), true);
  console.log(
    `AWS SDK floor from node_modules (DynamoDB, document client, STS; as the runtime's copy loads): ${cold.wall.toFixed(0)} ms wall (${(cold.wall / cold.baseline.wall).toFixed(2)}x), ` +
      `${cold.cpu.toFixed(0)} ms CPU (${(cold.cpu / cold.baseline.cpu).toFixed(2)}x)`,
  );
  return cold.wall / cold.baseline.wall;
}

/**
 * The same clients as the bundles carry them: bundled from their ES modules with the commands the functions send,
 * tree-shaken, minified, the credential chain's profile links left out. What stays is the floor under an entry's cold
 * import now.
 */
async function measureBundledSdkFloor(outdir: string): Promise<number> {
  const entry = join(outdir, 'sdk-floor.entry.js');
  writeFileSync(
    entry,
    [
      "export { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';",
      "export { DynamoDBDocumentClient, BatchGetCommand, BatchWriteCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';",
      "export { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';",
    ].join('\n'),
  );
  const outfile = join(outdir, 'sdk-floor.js');
  const { bytes } = await bundle(entry, outfile, BUNDLE_EXTERNALS);
  const cold = coldImport(outfile);
  console.log(
    `the same as the bundles carry them (ES modules, tree-shaken, minified: ${(bytes / 1024).toFixed(0)} KiB): ${cold.wall.toFixed(0)} ms wall (${(cold.wall / cold.baseline.wall).toFixed(2)}x), ` +
      `${cold.cpu.toFixed(0)} ms CPU (${(cold.cpu / cold.baseline.cpu).toFixed(2)}x)`,
  );
  return cold.wall / cold.baseline.wall;
}

/** Runs of each file in `pairedImports`. */
const PAIRED_RUNS = 15;

/**
 * Medians of the cold imports of `a` and `b` (wall and CPU, ms), taken alternately so both see the same machine load;
 * `nodeOptions` sets node options for either side (none by default, as the functions run).
 */
function pairedImports(
  a: string,
  b: string,
  nodeOptions: { readonly a?: string; readonly b?: string } = {},
): { a: { wall: number; cpu: number }; b: { wall: number; cpu: number } } {
  const runs = { a: { wall: [] as number[], cpu: [] as number[] }, b: { wall: [] as number[], cpu: [] as number[] } };
  for (let i = 0; i < PAIRED_RUNS; i++) {
    for (const which of i % 2 ? (['a', 'b'] as const) : (['b', 'a'] as const)) {
      const { wall, cpu } = nodeRun(`require(${JSON.stringify(which === 'a' ? a : b)})`, nodeOptions[which]);
      runs[which].wall.push(wall);
      runs[which].cpu.push(cpu);
    }
  }
  const medians = (which: 'a' | 'b') => ({ wall: median(runs[which].wall), cpu: median(runs[which].cpu) });
  return { a: medians('a'), b: medians('b') };
}

/**
 * What leaving the credential chain's profile links out of `index.js` (`RUNTIME_CREDENTIAL_LINKS`) saves: the AWS SDK
 * floor and the largest entry, each bundled with the links inside and without them, their cold imports taken in turn.
 */
async function measureCredentialLinks(outdir: string, largest: string): Promise<void> {
  const withLinks = BUNDLE_EXTERNALS.filter((name) => !RUNTIME_CREDENTIAL_LINKS.includes(name));
  console.log(`the credential chain's profile links left out (${RUNTIME_CREDENTIAL_LINKS.join(', ')}; medians of ${PAIRED_RUNS} in turn):`);
  for (const [label, entry] of [
    ['the AWS SDK floor', join(outdir, 'sdk-floor.entry.js')],
    [largest, join(ENTRY_DIR, `${largest}.ts`)],
  ]) {
    const inside = join(outdir, `${label.replace(/\W+/g, '-')}.links-inside.js`);
    const outside = join(outdir, `${label.replace(/\W+/g, '-')}.links-outside.js`);
    const sizes = [(await bundle(entry, inside, withLinks)).bytes, (await bundle(entry, outside, BUNDLE_EXTERNALS)).bytes];
    const { a, b } = pairedImports(inside, outside);
    console.log(
      `  ${label}: ${(sizes[0] / 1024).toFixed(0)} KiB with them inside, ${(sizes[1] / 1024).toFixed(0)} without; cold import ` +
        `${a.wall.toFixed(1)} -> ${b.wall.toFixed(1)} ms wall (${(a.wall - b.wall).toFixed(1)} saved), ${a.cpu.toFixed(1)} -> ${b.cpu.toFixed(1)} ms CPU (${(a.cpu - b.cpu).toFixed(1)} saved)`,
    );
  }
}

/**
 * The summary's figures: the largest bundle and the slowest cold import, each against the goal for every entry. The
 * size goal measures an entry without the AWS SDK, as when it was set; the row gives `index.js` as shipped too. The
 * cold import's row gives the AWS SDK floor's own ratio, under which no entry that loads it at import can go, and the
 * slowest entry's with all of the SDK loaded from node_modules.
 */
function recordBundleFigures(measured: readonly Measured[], floor: { runtime: number; bundled: number }): void {
  const largest = [...measured].sort((a, b) => b.ownKib - a.ownKib)[0];
  const largestShipped = [...measured].sort((a, b) => b.kib - a.kib)[0];
  const over = measured.filter((entry) => entry.ownKib > GOAL_KIB).length;
  recordFigure({
    figure: 'largest Lambda bundle (minified)',
    now:
      `${largest.ownKib.toFixed(0)} KiB without the AWS SDK (${largest.name}); ${over} of ${measured.length} over ${GOAL_KIB} KiB; ` +
      `largest index.js, the SDK clients in it included, ${largestShipped.kib.toFixed(0)} KiB (${largestShipped.name})`,
    goal: `every entry <= ${GOAL_KIB} KiB`,
    met: over === 0,
  });
  const slowest = [...measured].sort((a, b) => b.ratio - a.ratio)[0];
  const slowestBefore = [...measured].sort((a, b) => b.runtimeSdkRatio - a.runtimeSdkRatio)[0];
  const slow = measured.filter((entry) => entry.ratio > GOAL_RATIO).length;
  recordFigure({
    figure: 'slowest cold import vs node -e 0',
    now:
      `${slowest.ratio.toFixed(2)}x wall, ${slowest.cpuRatio.toFixed(2)}x CPU (${slowest.name}); ${slow} of ${measured.length} over ${GOAL_RATIO}x; ` +
      `the AWS SDK floor alone ${floor.bundled.toFixed(2)}x (from the runtime's files ${floor.runtime.toFixed(2)}x, ` +
      `the slowest entry so ${slowestBefore.runtimeSdkRatio.toFixed(2)}x)`,
    goal: `<= ${GOAL_RATIO}x for every entry`,
    met: slowest.ratio <= GOAL_RATIO,
  });
}

if (require.main === module) void run();
