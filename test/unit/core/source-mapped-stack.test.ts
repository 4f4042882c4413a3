import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { LAMBDA_BUILD_OPTIONS, SOURCE_MAPPED_STACK_ENTRY, SOURCE_MAPPED_STACK_FILE } from '../../../lib/function-bundling';
import { sourceMappedStack, withReadableStack } from '../../../functions/core/source-mapped-stack';

/**
 * The functions run without Node's source maps (reading a bundle's map at every cold start costs 8-14 ms); their
 * logger maps the stacks of the errors it writes instead, with the mapper it loads beside the bundle at the first
 * one. A bundle built as the Lambda bundles are, run in a node without options, logs an error thrown in its source:
 * the line names the source file and line, the cause's too.
 */
const scratch = mkdtempSync(join(tmpdir(), 'source-mapped-stack-'));
const bundle = join(scratch, 'out', 'index.js');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const ENTRY = `import { createLogger } from ${JSON.stringify(join(__dirname, '../../../functions/core/logger'))};
import { checkTenantId } from ${JSON.stringify(join(__dirname, '../../../functions/data/keys'))};

const logger = createLogger('stack-test');

function fail(): never {
  throw new Error('boom', { cause: new Error('root cause') });
}

try {
  fail();
} catch (error) {
  logger.error('failed', { error: error as Error });
  process.stdout.write(JSON.stringify({ raw: (error as Error).stack }) + '\\n');
}
try {
  checkTenantId('Not a tenant id');
} catch (error) {
  logger.error('platform code failed', { error: error as Error });
}
logger.error('timed out', { error: new DOMException('took too long', 'TimeoutError') });
`;
/** The line of the `throw` in ENTRY (1-based), where the error and its cause are made. */
const THROW_LINE = 7;

interface LoggedError {
  readonly error: { readonly stack: string; readonly location: string; readonly cause: { readonly stack: string } };
}

function runBundle(nodeOptions: string): {
  logged: LoggedError;
  platform: LoggedError;
  builtIn: LoggedError & { error: { name: string; message: string } };
  raw: string;
} {
  const result = spawnSync(process.execPath, [bundle], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: nodeOptions } });
  expect(result.status).toBe(0);
  // Powertools writes an ERROR line to stderr (console.error), the raw stack goes to stdout.
  const lines = `${result.stdout}\n${result.stderr}`
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
  return {
    logged: lines.find((line) => line.message === 'failed'),
    platform: lines.find((line) => line.message === 'platform code failed'),
    builtIn: lines.find((line) => line.message === 'timed out'),
    raw: lines.find((line) => 'raw' in line).raw,
  };
}

describe('source-mapped stacks in the logs', () => {
  beforeAll(() => {
    writeFileSync(join(scratch, 'entry.ts'), ENTRY);
    // As a function's asset carries them: index.js, and the stack mapper beside it (a side file the logger loads).
    buildSync({ ...LAMBDA_BUILD_OPTIONS, entryPoints: [join(scratch, 'entry.ts')], outfile: bundle, logLevel: 'error' });
    buildSync({
      ...LAMBDA_BUILD_OPTIONS,
      entryPoints: [SOURCE_MAPPED_STACK_ENTRY],
      outfile: join(scratch, 'out', SOURCE_MAPPED_STACK_FILE),
      logLevel: 'error',
    });
  });

  it('names the source file and line of a bundle run without Node source maps, the cause too', () => {
    const { logged, raw } = runBundle('');
    // Node left the stack as the bundle runs: minified index.js positions.
    expect(raw).toMatch(/index\.js:\d+:\d+/);
    expect(raw).not.toMatch(/entry\.ts/);
    expect(logged.error.stack.split('\n')[1]).toMatch(new RegExp(`entry\\.ts:${THROW_LINE}:\\d+\\)?$`));
    expect(logged.error.stack).not.toMatch(/index\.js:\d+/);
    expect(logged.error.location).toMatch(new RegExp(`entry\\.ts:${THROW_LINE}$`));
    expect(logged.error.cause.stack.split('\n')[1]).toMatch(new RegExp(`entry\\.ts:${THROW_LINE}:\\d+\\)?$`));
  });

  it("names the platform's own sources by their path in the repository", () => {
    const { platform } = runBundle('');
    expect(platform.error.stack.split('\n')[1]).toMatch(/\(functions\/data\/keys\.ts:\d+:\d+\)$/);
    expect(platform.error.location).toMatch(/^functions\/data\/keys\.ts:\d+$/);
  });

  it('shows a built-in error (a DOMException answers its name and message only on itself) by its name and message', () => {
    const { builtIn } = runBundle('');
    expect(builtIn.error).toMatchObject({ name: 'TimeoutError', message: 'took too long' });
    expect(builtIn.error.stack).toMatch(/entry\.ts:\d+:\d+/);
  });

  it('leaves stacks to Node where it maps them itself', () => {
    const { logged, raw } = runBundle('--enable-source-maps');
    expect(raw.split('\n')[1]).toMatch(new RegExp(`entry\\.ts:${THROW_LINE}:\\d+\\)?$`));
    expect(logged.error.stack).toBe(raw);
  });

  it('leaves frames of files without a map, and lines that are no frames, as they are', () => {
    const stack = ['Error: x', '    at fail (/nowhere/index.js:1:200)', '    at node:internal/main:12:3', '    at plain text'].join('\n');
    expect(sourceMappedStack(stack)).toBe(stack);
  });

  it('ends at a cause that leads back to its error', () => {
    const error = new Error('loop');
    error.stack = runBundle('').raw;
    error.cause = error;
    const shown = withReadableStack(error);
    expect(shown.stack).toMatch(/entry\.ts:\d+:\d+/);
  });

  it('does not change the error it is given', () => {
    // A stack of the bundle as it ran, index.js positions in it.
    const stack = runBundle('').raw;
    const error = new Error('kept', { cause: 'not an error' });
    error.stack = stack;
    const shown = withReadableStack(error);
    expect(shown).not.toBe(error);
    expect(shown.stack).not.toBe(stack);
    expect(error.stack).toBe(stack);
    expect(shown).toBeInstanceOf(Error);
    expect(shown.cause).toBe(error.cause);
    expect(shown.message).toBe('kept');
  });
});

describe('the stack mapper as the logger loads it', () => {
  it('leaves the error as it is when the mapper cannot load: the line is written either way', () => {
    jest.isolateModules(() => {
      jest.doMock('../../../functions/core/source-mapped-stack', () => {
        throw new Error('not beside index.js');
      });
      const { readableError } =
        require('../../../functions/core/source-mapped-stack.loader') as typeof import('../../../functions/core/source-mapped-stack.loader');
      const error = new Error('kept');
      expect(readableError(error)).toBe(error);
    });
  });
});
