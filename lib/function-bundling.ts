import * as path from 'node:path';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { XRAY_TRACING_MODULE } from '../functions/core/tracing';
import { REPO_ROOT } from './source-paths';

/**
 * How every Lambda entry is bundled (the CDK construct and the bundles bench alike): esbuild, minified, source maps
 * without sources, node 22, CommonJS. Left out of `index.js`: the AWS SDK v3, which the nodejs22.x runtime provides,
 * and the X-Ray tracer, which sits beside it as `xray-tracing.js` and is loaded only where tracing is on.
 */
export const BUNDLE_EXTERNALS = ['@aws-sdk/*', XRAY_TRACING_MODULE] as const;

/** The X-Ray tracer's own file (functions/core/xray-tracing.ts), bundled beside each function's `index.js`. */
export const XRAY_TRACING_ENTRY = path.join(REPO_ROOT, 'functions', 'core', 'xray-tracing.ts');
export const XRAY_TRACING_FILE = `${path.basename(XRAY_TRACING_MODULE)}.js`;

/**
 * Largest `index.js` of a function, minified, in KiB: what the entries reach, checked by the bundling test so that a
 * module that drags a large dependency into a function fails it. The goal is 150 KiB (the bundles bench prints each
 * entry against it); zod (about 100 KiB) and the Stripe SDK (about 240 KiB, in the billing entries only) keep the
 * entries above it.
 */
export const BUNDLE_LIMIT_KIB = 300;

/** The entries that bill (the tenants group serves the invoices and the Stripe webhook; the period close charges). */
const STRIPE_BUNDLE_LIMITS_KIB: Readonly<Record<string, number>> = { tenants: 575, 'period-close': 545 };

/** The size limit of an entry's `index.js` (`functions/api/<name>.ts`), in KiB. */
export function bundleLimitKib(name: string): number {
  return STRIPE_BUNDLE_LIMITS_KIB[name] ?? BUNDLE_LIMIT_KIB;
}

/** The esbuild command line that writes the X-Ray tracer's file into a function's asset (a bundling hook). */
export function xrayTracingBundleCommand(inputDir: string, outputDir: string): string {
  const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
  return [
    quote(path.join(inputDir, 'node_modules', '.bin', 'esbuild')),
    quote(path.join(inputDir, path.relative(REPO_ROOT, XRAY_TRACING_ENTRY))),
    '--bundle',
    '--minify',
    '--sourcemap',
    '--sources-content=false',
    '--platform=node',
    '--target=node22',
    '--format=cjs',
    quote('--external:@aws-sdk/*'),
    quote(`--outfile=${path.join(outputDir, XRAY_TRACING_FILE)}`),
  ].join(' ');
}

/** The NodejsFunction bundling of every platform function: `index.js` with `xray-tracing.js` beside it. */
export const FUNCTION_BUNDLING: nodejs.BundlingOptions = {
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  target: 'node22',
  externalModules: [...BUNDLE_EXTERNALS],
  // The X-Ray tracer beside index.js, loaded at the first invocation (every function traces actively).
  commandHooks: {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir, outputDir) => [xrayTracingBundleCommand(inputDir, outputDir)],
  },
};
