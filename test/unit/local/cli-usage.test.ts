import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** The tenant CLI as a person runs it: mistakes get one line and the usage, exit 2, and never a stack trace. */
const ROOT = join(__dirname, '..', '..', '..');

function run(...args: string[]) {
  const result = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), ['local/cli.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, LOCAL_DATA_DIR: join(ROOT, '.no-such-local-dir') },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('tenant CLI usage errors', () => {
  it.each([
    [['--bogus'], "error: Unknown option '--bogus'"],
    [[], 'error: no command given'],
    [['add'], 'error: add needs a slug, --name and --admin'],
    [['frobnicate'], 'error: unknown command frobnicate'],
    [['suspend'], 'error: suspend needs a tenant id or slug'],
    [['list', '--status'], "error: Option '--status <value>' argument missing"],
    [['budget', 'acme'], 'error: budget needs an amount in US dollars such as 25 or 25.50, not ""'],
    [['budget', 'acme', '12.345'], 'error: budget needs an amount in US dollars such as 25 or 25.50, not "12.345"'],
  ])('%j: one line, then the usage, exit 2', (args, line) => {
    const { status, stderr } = run(...args);
    expect(status).toBe(2);
    expect(stderr.split('\n')[0]).toBe(line);
    expect(stderr).toContain('usage: npm run tenant -- <command> [options]');
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('prints the usage for --help and exits 0', () => {
    const { status, stdout } = run('--help');
    expect(status).toBe(0);
    expect(stdout).toContain('usage: npm run tenant');
  });
});
