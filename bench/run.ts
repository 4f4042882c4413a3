/**
 * `npm run bench`: prints the platform's speed and size figures, then a summary of the request path's figures beside
 * their goals (bench/figures.ts). Each bench module exports `run()`; a module that needs emulators starts and stops
 * its own.
 */
import '../local/sdk-quiet';
import { captureFunctionOutput } from '../local/function-output';
import { summaryLines } from './figures';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

async function main(): Promise<void> {
  // The functions' EMF metric lines stay off the figures (as `npm start` keeps them off the terminal).
  captureFunctionOutput();
  const only = process.argv.slice(2);
  const benches = readdirSync(__dirname)
    .filter((file) => file.endsWith('.bench.ts'))
    .filter((file) => only.length === 0 || only.some((name) => file.startsWith(name)))
    .sort();
  for (const file of benches) {
    const started = Date.now();
    const bench = (await import(join(__dirname, file))) as { run: () => Promise<void> };
    await bench.run();
    console.log(`(${file}: ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  // The request path's figures side by side with their goals, whatever ran (a figure no bench measured says so).
  console.log('\n== Summary: the request path at the limit, figure by figure against its goal');
  for (const line of summaryLines()) console.log(line);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
