import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { BUNDLE_EXTERNALS, bundleLimitKib, XRAY_TRACING_ENTRY, XRAY_TRACING_FILE } from '../lib/function-bundling';
import { recordFigure } from './figures';

/**
 * Bundle size and cold import time of every Lambda entry, bundled as the CDK construct bundles it (esbuild, minified,
 * source map, node 22 target; the runtime's own AWS SDK v3 and the X-Ray tracer's file left out, see
 * lib/function-bundling.ts). Cold import is a fresh node requiring the bundle, the AWS SDK modules it loads included;
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
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Wall time of a fresh node process that runs `script`, in ms (median of several runs). */
function nodeTime(script: string): number {
  const times: number[] = [];
  for (let i = 0; i < IMPORT_RUNS; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, ['-e', script], { stdio: 'pipe', env: { ...process.env, AWS_REGION: 'eu-central-1' } });
    if (result.status !== 0) throw new Error(`node failed: ${result.stderr.toString()}`);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
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

export async function run(): Promise<void> {
  // Inside the project so the bundles resolve the installed AWS SDK as the Lambda runtime provides its own.
  const cache = join(__dirname, '..', 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const outdir = mkdtempSync(join(cache, 'bench-bundles-'));
  try {
    // Lambda entries are the files that export a handler; the others are shared wiring.
    const entries = readdirSync(ENTRY_DIR).filter((file) => file.endsWith('.ts') && /export const handler\b/.test(readFileSync(join(ENTRY_DIR, file), 'utf8')));
    const baseline = nodeTime('0');
    console.log(`\n== Lambda bundles (esbuild, minified; left out: ${BUNDLE_EXTERNALS.join(', ')})`);
    console.log(`node -e 0: ${baseline.toFixed(1)} ms (median of ${IMPORT_RUNS}); goals: <= ${GOAL_KIB} KiB and <= ${GOAL_RATIO}x (met: y/n each)`);
    console.log(row(['entry', 'bundle KiB', 'test limit', 'inputs', 'cold import ms', 'over node -e 0', 'goals']));
    const measured: { name: string; kib: number; ratio: number }[] = [];
    for (const entry of entries) {
      const name = entry.replace(/\.ts$/, '');
      const outfile = join(outdir, `${name}.js`);
      const { bytes, inputs } = await bundle(join(ENTRY_DIR, entry), outfile, BUNDLE_EXTERNALS);
      const cold = nodeTime(`require(${JSON.stringify(outfile)})`);
      const kib = bytes / 1024;
      measured.push({ name, kib, ratio: cold / baseline });
      const met = `${kib <= GOAL_KIB ? 'y' : 'n'}/${cold / baseline <= GOAL_RATIO ? 'y' : 'n'}`;
      console.log(
        row([
          name,
          kib.toFixed(1),
          String(bundleLimitKib(name)),
          String(inputs),
          cold.toFixed(1),
          `+${(cold - baseline).toFixed(1)} (${(cold / baseline).toFixed(2)}x)`,
          met,
        ]),
      );
    }
    await measureTracer(outdir, baseline);
    recordBundleFigures(measured);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The X-Ray tracer's file: its size and what requiring it adds, once per instance where tracing is on. */
async function measureTracer(outdir: string, baseline: number): Promise<void> {
  const outfile = join(outdir, XRAY_TRACING_FILE);
  const { bytes } = await bundle(XRAY_TRACING_ENTRY, outfile, ['@aws-sdk/*']);
  const cold = nodeTime(`require(${JSON.stringify(outfile)})`);
  console.log(
    `${XRAY_TRACING_FILE} (beside every index.js; loaded at the first invocation where active tracing is on): ` +
      `${(bytes / 1024).toFixed(1)} KiB, +${(cold - baseline).toFixed(1)} ms`,
  );
}

/** The summary's figures: the largest bundle and the slowest cold import, each against the goal for every entry. */
function recordBundleFigures(measured: readonly { name: string; kib: number; ratio: number }[]): void {
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
    now: `${slowest.ratio.toFixed(2)}x (${slowest.name}); ${slow} of ${measured.length} over ${GOAL_RATIO}x`,
    goal: `<= ${GOAL_RATIO}x for every entry`,
    met: slowest.ratio <= GOAL_RATIO,
  });
}

if (require.main === module) void run();
