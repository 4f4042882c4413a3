/**
 * `npm test`'s jest run: the integration project in one jest process and the unit and infra projects in another, side
 * by side. Each still runs one file at a time (see jest.config.js), but the integration files mostly wait on DynamoDB
 * Local and cognito-local while the infra files synthesize the CDK app on the other core, so the two halves overlap
 * almost fully on a two-core machine (about 230 s for both against 440 s one after the other).
 *
 * Some integration files run in the unit and infra half, with emulators of its own: those that start what they test
 * themselves (the whole local platform of `npm start`, the console in Chromium) and the fuzz of every route. The
 * integration half took 428 s where the other took 241 s, and the run lasts as long as its longer half.
 *
 * Each half's output is passed through as it comes, a whole chunk at a time; the run fails when either half fails.
 * With arguments (`npm test -- <path>`, `--selectProjects unit`, ...) it is one plain jest run with those arguments.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const JEST = join(__dirname, '..', 'node_modules', 'jest', 'bin', 'jest.js');

/** Integration files run beside the unit and infra projects (patterns under test/integration/, about 110 s in all). */
const BESIDE_UNIT_AND_INFRA = ['local-start\\.test\\.ts$', 'console/', 'all-routes\\.fuzz\\.test\\.ts$'];

interface Half {
  readonly name: string;
  readonly args: readonly string[];
}

const HALVES: readonly Half[] = [
  {
    name: 'integration',
    args: ['--selectProjects', 'integration', '--testPathIgnorePatterns', ...BESIDE_UNIT_AND_INFRA.map((pattern) => `/test/integration/${pattern}`)],
  },
  {
    name: 'unit + infra + integration (npm start, console, fuzz of every route)',
    args: ['--selectProjects', 'unit', 'infra', 'integration', '--testPathIgnorePatterns', `/test/integration/(?!${BESIDE_UNIT_AND_INFRA.join('|')})`],
  },
];

interface Outcome {
  readonly name: string;
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

async function half({ name, args }: Half): Promise<Outcome> {
  const started = Date.now();
  const code = await jest(args, true);
  return { name, code, seconds: Math.round((Date.now() - started) / 1000) };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.length > 0) return jest(args, false);
  const outcomes = await Promise.all(HALVES.map(half));
  for (const { name, code, seconds } of outcomes) {
    process.stdout.write(`\njest ${name}: ${code === 0 ? 'passed' : `failed (exit ${code})`} in ${seconds} s\n`);
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
