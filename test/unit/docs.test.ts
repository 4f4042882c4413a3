import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CATALOGUE } from '../../functions/core/error-catalogue';
import { ROUTES } from '../../functions/routes';

/**
 * The docs cannot rot: every `npm run` script, CLI command and API route they name exists, and every problem code
 * of the error catalogue has its troubleshooting section. (Every alarm's runbook section: test/infra/runbooks.test.ts.)
 */
const ROOT = join(__dirname, '..', '..');
const DOCS = join(ROOT, 'docs');
const docs = readdirSync(DOCS)
  .filter((name) => name.endsWith('.md'))
  .map((name) => ({ name, text: readFileSync(join(DOCS, name), 'utf8') }));
const scripts = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
const cliCommands = [...readFileSync(join(ROOT, 'local', 'cli.ts'), 'utf8').matchAll(/^ {2}([a-z][a-z-]*) /gm)].map((match) => match[1]);

describe('docs/', () => {
  it('has the guides the operators need', () => {
    expect(docs.map((doc) => doc.name).sort()).toEqual(
      expect.arrayContaining(['api.md', 'architecture.md', 'deployment.md', 'migration.md', 'runbooks.md', 'tenant-administration.md', 'troubleshooting.md']),
    );
    expect(docs.find((doc) => doc.name === 'architecture.md')!.text).toContain('```mermaid');
  });

  it.each(docs.map((doc) => [doc.name, doc.text]))('%s names only npm scripts that exist', (_, text) => {
    const named = [...text.matchAll(/npm run ([a-z:-]+)/g)].map((match) => match[1]);
    expect(named.filter((script) => !scripts.includes(script))).toEqual([]);
  });

  it.each(docs.map((doc) => [doc.name, doc.text]))('%s names only CLI commands that exist', (_, text) => {
    const named = [...text.matchAll(/npm run tenant -- ([a-z][a-z-]*)/g)].map((match) => match[1]);
    expect(cliCommands.length).toBeGreaterThan(5);
    expect(named.filter((command) => !cliCommands.includes(command))).toEqual([]);
  });

  it.each(docs.map((doc) => [doc.name, doc.text]))('%s names only API routes that exist', (_, text) => {
    const routes = new Set(ROUTES.map((route) => `${route.method} ${route.path}`));
    const named = [...text.matchAll(/\b(GET|POST|PUT|PATCH|DELETE) (\/v1\/[^\s`?)|]*)/g)].map((match) => `${match[1]} ${match[2]}`);
    expect(named.filter((route) => !routes.has(route))).toEqual([]);
  });

  it('gives every problem code of the error catalogue a troubleshooting section', () => {
    const troubleshooting = docs.find((doc) => doc.name === 'troubleshooting.md')!.text;
    const documented = [...troubleshooting.matchAll(/^### `([a-z-]+)`$/gm)].map((match) => match[1]);
    expect(ERROR_CATALOGUE.map((entry) => entry.code).filter((code) => !documented.includes(code))).toEqual([]);
  });
});
