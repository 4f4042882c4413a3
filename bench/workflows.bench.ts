import { runBundledHarness } from './bundled-harness';

/** Workflows and runs: DynamoDB calls per request type and latency through the handler on DynamoDB Local (see workflows.harness.ts). */
export async function run(): Promise<void> {
  await runBundledHarness('workflows');
}
