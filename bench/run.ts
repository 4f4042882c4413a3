/**
 * `npm run bench`: prints the platform's speed and size figures. Each bench module exports `run()`; a module that
 * needs emulators starts and stops its own.
 */
import '../local/sdk-quiet';
import { captureFunctionOutput } from '../local/function-output';
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
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
