import { runBundledHarness } from './bundled-harness';

/**
 * Agents, memories, usage and audit: DynamoDB calls per request type, latency through the handlers against DynamoDB
 * Local alone, and audit lanes under concurrent writers (see resources.harness.ts).
 */
export async function run(): Promise<void> {
  await runBundledHarness('resources');
}
