/**
 * `npm test`'s checks before jest, in two lanes side by side: the type check of the project (about 23 s, one core) in
 * one, and the console's type check, biome and the OpenAPI lint (about 16 s) in the other, so that on a two-core
 * machine they take about as long as the longer lane rather than the sum (about 39 s one after the other).
 *
 * A lane stops at its first failing command; each command's output is printed whole when it ends, so the lanes' lines do
 * not interleave. The run fails when any command fails.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

interface Command {
  readonly label: string;
  readonly command: string;
  readonly args: readonly string[];
}

/** A tool the project installs (`node_modules/.bin`), whether or not npm put that folder on the PATH. */
const tool = (label: string, name: string, ...args: string[]): Command => ({ label, command: join(__dirname, '..', 'node_modules', '.bin', name), args });

const LANES: readonly (readonly Command[])[] = [
  [tool('tsc', 'tsc', '--noEmit')],
  [
    tool('tsc (console)', 'tsc', '--noEmit', '-p', 'web'),
    tool('biome', 'biome', 'ci', '.'),
    { label: 'lint:api', command: 'npm', args: ['run', '--silent', 'lint:api'] },
  ],
];

interface Ran {
  readonly label: string;
  readonly code: number;
  readonly seconds: number;
  readonly output: string;
}

/** One command with its stdout and stderr captured together; resolves with its exit code (1 when ended by a signal). */
function runCommand({ label, command, args }: Command): Promise<Ran> {
  const started = Date.now();
  const chunks: Buffer[] = [];
  const child = spawn(command, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ label, code: code ?? 1, seconds: (Date.now() - started) / 1000, output: Buffer.concat(chunks).toString() }));
  });
}

/** A lane's commands one after the other, stopping at the first that fails; its report is printed when it ends. */
async function runLane(commands: readonly Command[]): Promise<boolean> {
  for (const command of commands) {
    const ran = await runCommand(command);
    const verdict = ran.code === 0 ? 'passed' : `failed (exit ${ran.code})`;
    process.stdout.write(`${ran.output.trimEnd() ? `${ran.output.trimEnd()}\n` : ''}${ran.label}: ${verdict} in ${ran.seconds.toFixed(1)} s\n`);
    if (ran.code !== 0) return false;
  }
  return true;
}

Promise.all(LANES.map(runLane)).then(
  (lanes) => process.exit(lanes.every(Boolean) ? 0 : 1),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
