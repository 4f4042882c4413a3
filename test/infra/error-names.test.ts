import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { LAMBDA_BUILD_OPTIONS } from '../../lib/function-bundling';
import { REPO_ROOT } from '../../lib/source-paths';

/**
 * The Lambda bundles are minified, and minifying renames classes: an error whose name comes from its class
 * (`new.target.name`, or no name at all) logs as `K` in AWS, while the local platform shows the real one. Every error
 * class of the functions therefore writes its name out. Checked in the sources, and in a bundle built as the
 * functions' are, where each exported error class is made and its name read.
 */
const FUNCTIONS_DIR = path.join(REPO_ROOT, 'functions');

/** What the test makes each exported error class with: a detail first, unless the class takes other arguments. */
const DEFAULT_ARGUMENTS = `'detail', [], 'body'`;
const ARGUMENTS: Readonly<Record<string, string>> = { ManifestError: '[]' };

interface ErrorClass {
  readonly file: string;
  readonly className: string;
  readonly exported: boolean;
  readonly abstract: boolean;
  /** The string its body gives `name`, if any. */
  readonly declaredName: string | undefined;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The text between a class's opening brace (at `open`) and its matching closing brace. */
function bodyAt(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error('unbalanced braces');
}

function errorClasses(): ErrorClass[] {
  const header = /^(export )?(abstract )?class (\w+) extends (\w*Error)\b[^{\n]*\{/gm;
  return sourceFiles(FUNCTIONS_DIR).flatMap((file) => {
    const text = fs.readFileSync(file, 'utf8');
    return [...text.matchAll(header)].map((match) => {
      const body = bodyAt(text, (match.index ?? 0) + match[0].length - 1);
      const declared = /(?:readonly name(?:: string)? = |this\.name = )'([^']+)'/.exec(body);
      return {
        file: path.relative(REPO_ROOT, file),
        className: match[3],
        exported: match[1] !== undefined,
        abstract: match[2] !== undefined,
        declaredName: declared?.[1],
      };
    });
  });
}

describe('error names in the Lambda bundles', () => {
  const classes = errorClasses();

  it('finds the error classes of the functions', () => {
    expect(classes.length).toBeGreaterThan(40);
    expect(classes.map((c) => c.className)).toEqual(expect.arrayContaining(['NotFoundError', 'LastAdminError', 'TenantIsolationError']));
  });

  it('every concrete error class writes its name out', () => {
    const unnamed = classes.filter((c) => !c.abstract && c.declaredName === undefined).map((c) => `${c.file}: ${c.className}`);
    expect(unnamed).toEqual([]);
  });

  it('a minified bundle keeps the name of every exported error class', async () => {
    const exported = classes.filter((c) => c.exported && !c.abstract);
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'error-names-'));
    try {
      const imports = exported.map((c, i) => `import { ${c.className} as E${i} } from ${JSON.stringify(path.join(REPO_ROOT, c.file))};`);
      // A constructor that refuses its arguments fails the test, naming itself: give it its own in ARGUMENTS.
      const made = exported.map((c, i) => `${JSON.stringify(`${c.file}: ${c.className}`)}: new E${i}(${ARGUMENTS[c.className] ?? DEFAULT_ARGUMENTS}).name`);
      const entry = path.join(outdir, 'entry.ts');
      fs.writeFileSync(entry, `${imports.join('\n')}\nprocess.stdout.write(JSON.stringify({ ${made.join(', ')} }));\n`);
      const outfile = path.join(outdir, 'entry.js');
      await build({ ...LAMBDA_BUILD_OPTIONS, entryPoints: [entry], outfile, logLevel: 'error' });
      const run = spawnSync(process.execPath, [outfile], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      const names = JSON.parse(run.stdout) as Record<string, string>;
      expect(names).toEqual(Object.fromEntries(exported.map((c) => [`${c.file}: ${c.className}`, c.declaredName])));
      // Minified indeed: the classes themselves were renamed.
      expect(fs.readFileSync(outfile, 'utf8')).not.toMatch(/class NotFoundError\b/);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }, 60_000);
});
