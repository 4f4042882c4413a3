import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The variable that names this run's temporary root to the teardown (both run in the jest parent process). */
const ROOT_ENV = 'AGENT_PLATFORM_TEST_TMPDIR';

/**
 * One temporary root for the unit and infra projects' run, removed by its teardown. Every CDK app a test synthesizes
 * without an outdir writes its cloud assembly (templates and bundled function assets) into a fresh `cdk.out*`
 * directory of the system's temporary folder, and no one removes it: a full run left about 900 MB there. Test workers
 * are started after this setup and inherit `TMPDIR`, so `os.tmpdir()` in them, and in the esbuild and CDK processes
 * they start, names the root. Both projects name this setup; in one run the first makes the root and the other keeps it.
 */
export default function setup(): void {
  if (process.env[ROOT_ENV]) return;
  const root = mkdtempSync(join(tmpdir(), 'agent-platform-infra-'));
  process.env[ROOT_ENV] = root;
  process.env.TMPDIR = root;
}

/** Removes the run's temporary root with everything the tests left in it (once all projects' tests have ended). */
export function teardown(): void {
  const root = process.env[ROOT_ENV];
  if (!root) return;
  delete process.env[ROOT_ENV];
  rmSync(root, { recursive: true, force: true });
}
