/**
 * `npm test`'s jest run: the integration project in one jest process and the unit and infra projects in another, side
 * by side. Each still runs one file at a time (see jest.config.js), but the integration files mostly wait on DynamoDB
 * Local and cognito-local while the infra files synthesize the CDK app on the other core, so the two halves overlap
 * almost fully on a two-core machine (about 230 s for both against 440 s one after the other).
 *
 * Each half's output is passed through as it comes, a whole chunk at a time; the run fails when either half fails.
 * With arguments (`npm test -- <path>`, `--selectProjects unit`, ...) it is one plain jest run with those arguments.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const JEST = join(__dirname, '..', 'node_modules', 'jest', 'bin', 'jest.js');
const HALVES: readonly (readonly string[])[] = [['integration'], ['unit', 'infra']];

interface Outcome {
  readonly projects: readonly string[];
  readonly code: number;
  readonly seconds: number;
}

/** One jest process; resolves with its exit code (1 when it was ended by a signal). */
function jest(args: readonly string[], pipe: boolean): Promise<number> {
  const child = spawn(process.execPath, [JEST, ...args], { stdio: pipe ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
  if (pipe) {
    child.stdout?.on('data', (chunk: Buffer) => process.stdout.write(chunk));
    child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  }
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code ?? 1));
  });
}

async function half(projects: readonly string[]): Promise<Outcome> {
  const started = Date.now();
  const code = await jest(['--selectProjects', ...projects], true);
  return { projects, code, seconds: Math.round((Date.now() - started) / 1000) };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.length > 0) return jest(args, false);
  const outcomes = await Promise.all(HALVES.map(half));
  for (const { projects, code, seconds } of outcomes) {
    process.stdout.write(`\njest ${projects.join(' + ')}: ${code === 0 ? 'passed' : `failed (exit ${code})`} in ${seconds} s\n`);
  }
  return outcomes.every((outcome) => outcome.code === 0) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
