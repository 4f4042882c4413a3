import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';

/**
 * Stack traces that name the TypeScript sources, without Node's `--enable-source-maps`. With that flag Node reads
 * and parses a bundle's source map as it loads the bundle: a function's `index.js.map` is about 0.9 MiB, and reading
 * it made every cold start 8-14 ms slower (`npm run bench -- bundles`), for stacks that only an error's log line
 * shows. Here the map beside a bundle (`<file>.js.map`, as esbuild links it) is read at the first stack that names
 * the bundle, once per container, and each frame of the bundle is rewritten to its place in the sources. The logger
 * loads this module at the first error it writes, and not where Node maps stacks itself (the flag on, or tsx, which
 * runs the local platform, turning source maps on): see source-mapped-stack.loader.ts.
 */

/**
 * The source maps read so far, by bundle path: `null` for a file that has none (or none that parses). A map stays for
 * the container's life once read (about 14 MiB of heap for the largest function's, of its 512 MB), so that a run of
 * errors reads it once.
 */
const maps = new Map<string, SourceMap | null>();

/** A frame's position: `(<file>:<line>:<column>)` or, in an anonymous frame, `at <file>:<line>:<column>`. */
const FRAME_POSITION = /(\(|at )([^()\s]+\.[cm]?js):(\d+):(\d+)(\)?)$/;

/** The source map of `file`, read once: its `.map` beside it. */
function sourceMapOf(file: string): SourceMap | null {
  let map = maps.get(file);
  if (map === undefined) {
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
    } catch {
      map = null;
    }
    maps.set(file, map);
  }
  return map;
}

/**
 * A source's path as the map names it, relative to where the bundle was built (`../../build/app/functions/core/x.ts`):
 * from the first `node_modules/` on for a library's file, from the `functions/` folder on for the platform's own.
 */
function sourcePath(source: string): string {
  const library = source.indexOf('node_modules/');
  if (library >= 0) return source.slice(library);
  const own = source.lastIndexOf('functions/');
  if (own >= 0 && (own === 0 || source[own - 1] === '/')) return source.slice(own);
  return source.replace(/^(\.\.\/)+/, '');
}

/** `stack` with each frame in a bundle that has a source map beside it pointed at the source (line and column). */
export function sourceMappedStack(stack: string): string {
  return stack
    .split('\n')
    .map((line) => {
      const frame = FRAME_POSITION.exec(line);
      if (!frame) return line;
      const [whole, open, file, lineNumber, columnNumber, close] = frame;
      const origin = sourceMapOf(file)?.findOrigin(Number(lineNumber), Number(columnNumber));
      if (!origin || !('fileName' in origin)) return line;
      return `${line.slice(0, line.length - whole.length)}${open}${sourcePath(origin.fileName)}:${origin.lineNumber}:${origin.columnNumber}${close}`;
    })
    .join('\n');
}

/** How deep a chain of causes is mapped (a cause that leads back to its error would not end). */
const MAX_CAUSES = 8;

/**
 * `error` with its stack, and its causes', source-mapped, for a log line: a plain `Error` holding its name, message,
 * mapped stack, cause and own enumerable properties (not a clone of its class: a built-in such as `DOMException`
 * answers its name and message only on itself), or `error` itself where no frame maps. The error is not changed:
 * whoever holds it still sees the stack it was thrown with.
 */
export function withReadableStack(error: Error, causes = MAX_CAUSES): Error {
  const stack = typeof error.stack === 'string' ? sourceMappedStack(error.stack) : error.stack;
  const cause = error.cause instanceof Error && causes > 0 ? withReadableStack(error.cause, causes - 1) : error.cause;
  if (stack === error.stack && cause === error.cause) return error;
  const shown = new Error(error.message);
  for (const [key, value] of Object.entries(error)) Object.defineProperty(shown, key, { value, writable: true, configurable: true, enumerable: true });
  const hidden = (value: unknown) => ({ value, writable: true, configurable: true, enumerable: false });
  Object.defineProperties(shown, { name: hidden(error.name), stack: hidden(stack), ...(cause === undefined ? {} : { cause: hidden(cause) }) });
  return shown;
}
