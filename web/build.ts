import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, buildSync, type BuildOptions, type Metafile } from 'esbuild';

/**
 * Builds the console: web/src/main.tsx bundled by esbuild (Preact's JSX, minified, content-hashed file names) and
 * web/index.html pointing at the bundle. The output is a folder of static files: the local gateway serves it at `/`,
 * and the region stack uploads it to the console bucket. Runtime settings (API URL, admin pool) are not baked in: the
 * console reads `config.json` beside index.html, written by whoever serves it.
 */

export interface ConsoleBuild {
  /** The folder with index.html and assets/. */
  readonly dir: string;
  /** Bytes of the JavaScript and CSS the browser loads. */
  readonly bytes: number;
}

const ROOT = __dirname;

function buildOptions(outDir: string): BuildOptions & { metafile: true } {
  return {
    entryPoints: { app: join(ROOT, 'src', 'main.tsx') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: '[name]-[hash]',
    outdir: join(outDir, 'assets'),
    metafile: true,
    write: true,
    legalComments: 'none',
    logLevel: 'silent',
  };
}

function prepare(outDir: string): void {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, 'assets'), { recursive: true });
}

/** Writes index.html with the bundle's hashed names. */
function finish(outDir: string, metafile: Metafile): ConsoleBuild {
  const outputs = Object.entries(metafile.outputs);
  const script = outputs.find(([file]) => file.endsWith('.js'));
  const style = outputs.find(([file]) => file.endsWith('.css'));
  if (!script) throw new Error('the console build produced no script');
  const href = (file: string) => `/assets/${file.split('/').pop()}`;
  const html = readFileSync(join(ROOT, 'index.html'), 'utf8')
    .replace('<!--styles-->', style ? `<link rel="stylesheet" href="${href(style[0])}">` : '')
    .replace('<!--script-->', `<script type="module" src="${href(script[0])}"></script>`);
  writeFileSync(join(outDir, 'index.html'), html);
  return { dir: outDir, bytes: outputs.reduce((sum, [, output]) => sum + output.bytes, 0) };
}

export async function buildConsole(outDir: string): Promise<ConsoleBuild> {
  prepare(outDir);
  return finish(outDir, (await build(buildOptions(outDir))).metafile);
}

/** The same build, synchronously: CDK synthesis is synchronous. */
export function buildConsoleSync(outDir: string): ConsoleBuild {
  prepare(outDir);
  return finish(outDir, buildSync(buildOptions(outDir)).metafile);
}

if (require.main === module) {
  const outDir = process.argv[2] ?? join(ROOT, '..', 'dist', 'web');
  buildConsole(outDir)
    .then(({ dir, bytes }) => console.log(`console built in ${dir} (${Math.round(bytes / 1024)} KiB of script and style)`))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
