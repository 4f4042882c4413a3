import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { recordFigure } from './figures';

/**
 * Bundle size and cold import time of every Lambda entry, bundled as the CDK construct bundles it (esbuild, minified,
 * source map, node 22 target, the runtime's own AWS SDK v3 left external).
 */
const ENTRY_DIR = join(__dirname, '..', 'functions', 'api');
const IMPORT_RUNS = 7;

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

export async function run(): Promise<void> {
  // Inside the project so the bundles resolve the installed AWS SDK as the Lambda runtime provides its own.
  const cache = join(__dirname, '..', 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const outdir = mkdtempSync(join(cache, 'bench-bundles-'));
  try {
    // Lambda entries are the files that export a handler; the others are shared wiring.
    const entries = readdirSync(ENTRY_DIR).filter((file) => file.endsWith('.ts') && /export const handler\b/.test(readFileSync(join(ENTRY_DIR, file), 'utf8')));
    const baseline = nodeTime('0');
    console.log(`\n== Lambda bundles (esbuild, minified; @aws-sdk/* external as on the nodejs22.x runtime)`);
    console.log(`node -e 0: ${baseline.toFixed(1)} ms (median of ${IMPORT_RUNS})`);
    console.log('entry'.padEnd(22) + 'bundle KiB'.padStart(12) + 'inputs'.padStart(8) + 'cold import ms'.padStart(16) + 'over node -e 0'.padStart(16));
    const measured: { name: string; kib: number; ratio: number }[] = [];
    for (const entry of entries) {
      const name = entry.replace(/\.ts$/, '');
      const outfile = join(outdir, `${name}.js`);
      const result = await build({
        entryPoints: [join(ENTRY_DIR, entry)],
        bundle: true,
        minify: true,
        sourcemap: true,
        platform: 'node',
        target: 'node22',
        format: 'cjs',
        external: ['@aws-sdk/*'],
        outfile,
        metafile: true,
        logLevel: 'error',
      });
      const bytes = result.metafile.outputs[Object.keys(result.metafile.outputs).find((o) => o.endsWith('.js'))!].bytes;
      const inputs = Object.keys(result.metafile.inputs).length;
      const cold = nodeTime(`require(${JSON.stringify(outfile)})`);
      measured.push({ name, kib: bytes / 1024, ratio: cold / baseline });
      console.log(
        name.padEnd(22) +
          (bytes / 1024).toFixed(1).padStart(12) +
          String(inputs).padStart(8) +
          cold.toFixed(1).padStart(16) +
          `+${(cold - baseline).toFixed(1)} (${(cold / baseline).toFixed(2)}x)`.padStart(16),
      );
    }
    recordBundleFigures(measured);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The summary's figures: the largest bundle and the slowest cold import, each against the goal for every entry. */
function recordBundleFigures(measured: readonly { name: string; kib: number; ratio: number }[]): void {
  const largest = [...measured].sort((a, b) => b.kib - a.kib)[0];
  const over = measured.filter((entry) => entry.kib > 150).length;
  recordFigure({
    figure: 'largest Lambda bundle (minified)',
    now: `${largest.kib.toFixed(0)} KiB (${largest.name}); ${over} of ${measured.length} over 150 KiB`,
    goal: 'every entry <= 150 KiB',
    met: over === 0,
  });
  const slowest = [...measured].sort((a, b) => b.ratio - a.ratio)[0];
  recordFigure({
    figure: 'slowest cold import vs node -e 0',
    now: `${slowest.ratio.toFixed(2)}x (${slowest.name})`,
    goal: '<= 1.8x for every entry',
    met: slowest.ratio <= 1.8,
  });
}

if (require.main === module) void run();
