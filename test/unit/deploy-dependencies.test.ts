import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

/**
 * The onboarding build and the fleet pipeline install `npm ci --omit=dev`: `dependencies` must hold everything
 * deploying needs (the CDK app, the packages esbuild bundles into the functions, the CLIs the builds call), and
 * nothing else belongs there. Emulators, test and lint tools stay devDependencies.
 */
const ROOT = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** The CLIs the builds run: `npx cdk`, `npx tsx` (cdk.json's app), and esbuild (NodejsFunction bundles with it). */
const DEPLOY_CLIS = ['aws-cdk', 'tsx', 'esbuild'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') || path.endsWith('.tsx') ? [path] : [];
  });
}

/** Packages imported by a file: as values only (not `import type`), or with types too. */
function importedPackages(text: string, withTypes = false): string[] {
  const statement = withTypes ? /^import [^;]*?from '([^'.][^']*)';/gms : /^import (?!type )[^;]*?from '([^'.][^']*)';/gms;
  const specifiers = [...text.matchAll(statement)].map((match) => match[1]);
  return specifiers.map((specifier) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]));
}

describe('what deploying installs (npm ci --omit=dev)', () => {
  // The console (web/) is built when the app synthesizes, so its imports are deploy-time dependencies too.
  const deployed = ['bin', 'lib', 'functions', 'web'].flatMap((dir) => sourceFiles(join(ROOT, dir)));
  const needed = new Set(
    deployed.flatMap((file) => importedPackages(readFileSync(file, 'utf8'))).filter((name) => !name.startsWith('node:') && !builtinModules.includes(name)),
  );

  it('holds every package the CDK app and the functions import', () => {
    expect([...needed].filter((name) => !(name in manifest.dependencies)).sort()).toEqual([]);
  });

  it('holds the CLIs the builds run, pinned to exact versions', () => {
    for (const cli of DEPLOY_CLIS) expect(manifest.dependencies[cli]).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('holds nothing the deployed code does not import (type packages of its imports included)', () => {
    const imported = new Set(deployed.flatMap((file) => importedPackages(readFileSync(file, 'utf8'), true)));
    const extra = Object.keys(manifest.dependencies).filter((name) => !imported.has(name) && !DEPLOY_CLIS.includes(name));
    expect(extra).toEqual([]);
  });
});
