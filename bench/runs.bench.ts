import { runBundledHarness } from './bundled-harness';

/** Durable runs: runs/s and queue-to-start latency through the local SQS emulator and the run worker (see runs.harness.ts). */
export async function run(): Promise<void> {
  await runBundledHarness('runs');
}
