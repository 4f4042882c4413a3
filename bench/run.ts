/**
 * `npm run bench`: prints the platform's speed and size figures, then a summary of the request path's figures beside
 * their goals (bench/figures.ts). Each bench module exports `run()` and runs in a node process of its own, so that
 * none is timed on a heap or a JIT state another left behind (the export bench's 100,000 items, for one); it sends
 * its figures back for the summary. A module that needs emulators starts and stops its own.
 */
import '../local/sdk-quiet';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { captureFunctionOutput } from '../local/function-output';
import { type BenchFigure, recordFigure, recordedFigures, summaryLines } from './figures';

/** The argument that makes this script run one bench module and send its figures to the process that started it. */
const ONE = '--one';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === ONE) return runOne(args[1]);
  const benches = readdirSync(__dirname)
    .filter((file) => file.endsWith('.bench.ts'))
    .filter((file) => args.length === 0 || args.some((name) => file.startsWith(name)))
    .sort();
  for (const file of benches) {
    const started = Date.now();
    for (const figure of await runInChild(file)) recordFigure(figure);
    console.log(`(${file}: ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  // The request path's figures side by side with their goals, whatever ran (a figure no bench measured says so).
  console.log('\n== Summary: the request path at the limit, figure by figure against its goal');
  for (const line of summaryLines()) console.log(line);
}

/** Runs one bench module in a new node (this script's own, with the same loader) and returns the figures it recorded. */
function runInChild(file: string): Promise<BenchFigure[]> {
  return new Promise((resolve, reject) => {
    const figures: BenchFigure[] = [];
    const child = spawn(process.execPath, [...process.execArgv, __filename, ONE, file], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('message', (message) => figures.push(...(message as BenchFigure[])));
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve(figures) : reject(new Error(`${file} failed (${signal ?? `exit ${code}`})`))));
  });
}

/** In the child: runs the module, then sends what it recorded. */
async function runOne(file: string): Promise<void> {
  // The functions' EMF metric lines stay off the figures (as `npm start` keeps them off the terminal).
  captureFunctionOutput();
  const bench = (await import(join(__dirname, file))) as { run: () => Promise<void> };
  await bench.run();
  await new Promise<void>((sent, failed) => process.send!(recordedFigures(), (error: Error | null) => (error ? failed(error) : sent())));
  process.disconnect();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
