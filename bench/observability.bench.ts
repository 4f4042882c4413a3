import { runBundledHarness } from './bundled-harness';

/** What metrics and cost attribution add per request (see observability.harness.ts). */
export async function run(): Promise<void> {
  await runBundledHarness('observability');
}
