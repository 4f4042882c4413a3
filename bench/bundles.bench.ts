import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import {
  BUNDLE_DEFINE,
  BUNDLE_EXTERNALS,
  bundleLimitKib,
  STRIPE_CLIENT_ENTRY,
  STRIPE_CLIENT_FILE,
  XRAY_TRACING_ENTRY,
  XRAY_TRACING_FILE,
} from '../lib/function-bundling';
import { recordFigure } from './figures';

/**
 * Bundle size and cold import time of every Lambda entry, bundled as the CDK construct bundles it (esbuild, minified,
 * source map, node 22 target; the runtime's own AWS SDK v3 and the X-Ray tracer's file left out, see
 * lib/function-bundling.ts). Cold import is a fresh node requiring the bundle, the AWS SDK modules it loads included,
 * in wall and CPU time, each run beside one of `node -e 0`;
 * where active tracing is on (every function in AWS) the tracer's file adds its own time at the first invocation,
 * measured once below.
 */
const ENTRY_DIR = join(__dirname, '..', 'functions', 'api');
const IMPORT_RUNS = 7;
const GOAL_KIB = 150;
const GOAL_RATIO = 1.8;

const SETTINGS: BuildOptions = {
  bundle: true,
  minify: true,
  sourcemap: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  metafile: true,
  logLevel: 'error',
  define: { ...BUNDLE_DEFINE },
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Wall time and CPU time (user + system, every thread) of one fresh node process that runs `script`, in ms. */
function nodeRun(script: string): { wall: number; cpu: number } {
  const start = process.hrtime.bigint();
  const measured = `${script};const u=process.cpuUsage();process.stdout.write(String((u.user+u.system)/1000))`;
  const result = spawnSync(process.execPath, ['-e', measured], { stdio: 'pipe', env: { ...process.env, AWS_REGION: 'eu-central-1' } });
  if (result.status !== 0) throw new Error(`node failed: ${result.stderr.toString()}`);
  return { wall: Number(process.hrtime.bigint() - start) / 1e6, cpu: Number(result.stdout.toString()) };
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

/** Bundles one entry to `outfile`: its minified size in bytes and the number of input files. */
async function bundle(entry: string, outfile: string, external: readonly string[]): Promise<{ bytes: number; inputs: number }> {
  const result = await build({ ...SETTINGS, entryPoints: [entry], external: [...external], outfile });
  const output = result.metafile!.outputs[Object.keys(result.metafile!.outputs).find((o) => o.endsWith('.js'))!];
  return { bytes: output.bytes, inputs: Object.keys(result.metafile!.inputs).length };
}

const row = (cells: string[]) =>
  cells[0].padEnd(22) +
  cells
    .slice(1)
    .map((cell, i) => cell.padStart([12, 12, 8, 16, 16, 8][i]))
    .join('');

interface Measured {
  readonly name: string;
  readonly kib: number;
  /** Cold import over `node -e 0`: wall time (the goal's measure) and CPU time (steadier on a loaded machine). */
  readonly ratio: number;
  readonly cpuRatio: number;
}

export async function run(): Promise<void> {
  // Inside the project so the bundles resolve the installed AWS SDK as the Lambda runtime provides its own.
  const cache = join(__dirname, '..', 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const outdir = mkdtempSync(join(cache, 'bench-bundles-'));
  try {
    // Lambda entries are the files that export a handler; the others are shared wiring.
    const entries = readdirSync(ENTRY_DIR).filter((file) => file.endsWith('.ts') && /export const handler\b/.test(readFileSync(join(ENTRY_DIR, file), 'utf8')));
    console.log(`\n== Lambda bundles (esbuild, minified; left out: ${BUNDLE_EXTERNALS.join(', ')})`);
    console.log(`cold import: medians of ${IMPORT_RUNS}, each run beside one of node -e 0; goals: <= ${GOAL_KIB} KiB and <= ${GOAL_RATIO}x (met: y/n each)`);
    console.log(row(['entry', 'bundle KiB', 'test limit', 'inputs', 'wall ms (x)', 'CPU ms (x)', 'goals']));
    const measured: Measured[] = [];
    for (const entry of entries) {
      const name = entry.replace(/\.ts$/, '');
      const outfile = join(outdir, `${name}.js`);
      const { bytes, inputs } = await bundle(join(ENTRY_DIR, entry), outfile, BUNDLE_EXTERNALS);
      const cold = coldImport(outfile);
      const result = { name, kib: bytes / 1024, ratio: cold.wall / cold.baseline.wall, cpuRatio: cold.cpu / cold.baseline.cpu };
      measured.push(result);
      const met = `${result.kib <= GOAL_KIB ? 'y' : 'n'}/${result.ratio <= GOAL_RATIO ? 'y' : 'n'}`;
      const cells = [result.kib.toFixed(1), String(bundleLimitKib(name)), String(inputs)];
      const times = [`${cold.wall.toFixed(0)} (${result.ratio.toFixed(2)}x)`, `${cold.cpu.toFixed(0)} (${result.cpuRatio.toFixed(2)}x)`];
      console.log(row([name, ...cells, ...times, met]));
    }
    await measureSideFile(outdir, XRAY_TRACING_ENTRY, XRAY_TRACING_FILE, 'beside every index.js; loaded at the first invocation where active tracing is on');
    await measureSideFile(outdir, STRIPE_CLIENT_ENTRY, STRIPE_CLIENT_FILE, 'beside the billing entries; loaded where a region collects through Stripe');
    const sdkFloor = measureSdkFloor();
    recordBundleFigures(measured, sdkFloor);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** A side file (lib/function-bundling.ts): its size and what requiring it adds, once per instance that loads it. */
async function measureSideFile(outdir: string, entry: string, file: string, where: string): Promise<void> {
  const outfile = join(outdir, file);
  const { bytes } = await bundle(entry, outfile, ['@aws-sdk/*']);
  const cold = coldImport(outfile);
  console.log(
    `${file} (${where}): ${(bytes / 1024).toFixed(1)} KiB, +${(cold.wall - cold.baseline.wall).toFixed(0)} ms wall, +${(cold.cpu - cold.baseline.cpu).toFixed(0)} ms CPU`,
  );
}

/**
 * The floor under every entry's cold import: the AWS SDK clients that nearly every entry loads at import (DynamoDB
 * with its document client, and STS for the tenant-scoped credentials), which the Lambda runtime provides and no
 * bundle can leave out; what an entry takes above it is its own.
 */
function measureSdkFloor(): number {
  const sdk = ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/client-sts'].map((name) => `require(${JSON.stringify(require.resolve(name))})`);
  const cold = coldImport(sdk.join(';'), true);
  console.log(
    `AWS SDK floor (DynamoDB, document client, STS; loaded at import by nearly every entry): ${cold.wall.toFixed(0)} ms wall (${(cold.wall / cold.baseline.wall).toFixed(2)}x), ` +
      `${cold.cpu.toFixed(0)} ms CPU (${(cold.cpu / cold.baseline.cpu).toFixed(2)}x)`,
  );
  return cold.wall / cold.baseline.wall;
}

/**
 * The summary's figures: the largest bundle and the slowest cold import, each against the goal for every entry; the
 * cold import's row also gives the AWS SDK's own ratio, under which no entry that loads it at import can go.
 */
function recordBundleFigures(measured: readonly Measured[], sdkFloorRatio: number): void {
  const largest = [...measured].sort((a, b) => b.kib - a.kib)[0];
  const over = measured.filter((entry) => entry.kib > GOAL_KIB).length;
  recordFigure({
    figure: 'largest Lambda bundle (minified)',
    now: `${largest.kib.toFixed(0)} KiB (${largest.name}); ${over} of ${measured.length} over ${GOAL_KIB} KiB`,
    goal: `every entry <= ${GOAL_KIB} KiB`,
    met: over === 0,
  });
  const slowest = [...measured].sort((a, b) => b.ratio - a.ratio)[0];
  const slow = measured.filter((entry) => entry.ratio > GOAL_RATIO).length;
  recordFigure({
    figure: 'slowest cold import vs node -e 0',
    now: `${slowest.ratio.toFixed(2)}x wall, ${slowest.cpuRatio.toFixed(2)}x CPU (${slowest.name}); ${slow} of ${measured.length} over ${GOAL_RATIO}x; the AWS SDK alone ${sdkFloorRatio.toFixed(2)}x`,
    goal: `<= ${GOAL_RATIO}x for every entry`,
    met: slowest.ratio <= GOAL_RATIO,
  });
}

if (require.main === module) void run();
