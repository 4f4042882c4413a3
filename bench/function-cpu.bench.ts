import { runBundledHarness } from './bundled-harness';

/** The CPU time a route group's function spends per request beside a bare handler's (see function-cpu.harness.ts). */
export async function run(): Promise<void> {
  await runBundledHarness('function-cpu');
}
