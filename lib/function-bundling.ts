import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';
import { XRAY_TRACING_MODULE } from '../functions/core/tracing';
import { REPO_ROOT } from './source-paths';
import { STRIPE_CLIENT_MODULE } from '../functions/billing/stripe-client.loader';
import { OPENAPI_DOCUMENT_MODULE } from '../functions/api/openapi-document.loader';
import { SOURCE_MAPPED_STACK_MODULE } from '../functions/core/source-mapped-stack.loader';
import { SSO_MEMBERSHIP_MODULE } from '../functions/api/sso-membership.loader';

/**
 * A module that Lambda bundles leave out of `index.js` and carry as a file of its own beside it, loaded by a literal
 * `require(<module>)` only when the function needs it.
 */
interface SideFile {
  /** The module specifier the code requires (`./xray-tracing`). */
  readonly module: string;
  /** Its TypeScript source. */
  readonly entry: string;
  /** The entries (`functions/api/<name>.ts`) whose asset carries it. @default every entry */
  readonly entries?: readonly string[];
}

/** The X-Ray tracer: beside every function's `index.js`, loaded at the first invocation where tracing is on. */
const XRAY_TRACING: SideFile = { module: XRAY_TRACING_MODULE, entry: path.join(REPO_ROOT, 'functions', 'core', 'xray-tracing.ts') };

/** The entries that bill (the tenants group serves the invoices and the Stripe webhook; the period close charges). */
export const STRIPE_ENTRIES: readonly string[] = ['tenants', 'period-close'];

/** The Stripe SDK's client: beside the billing entries' `index.js`, loaded where a region collects through Stripe. */
const STRIPE_CLIENT: SideFile = {
  module: STRIPE_CLIENT_MODULE,
  entry: path.join(REPO_ROOT, 'functions', 'billing', 'stripe-client.ts'),
  entries: STRIPE_ENTRIES,
};

/**
 * The OpenAPI document's generator (the whole route table, every group's zod schemas, zod's JSON Schema generator):
 * beside the platform group's `index.js`, loaded at the first request for the document.
 */
const OPENAPI_DOCUMENT: SideFile = {
  module: OPENAPI_DOCUMENT_MODULE,
  entry: path.join(REPO_ROOT, 'functions', 'api', 'openapi-document.ts'),
  entries: ['platform'],
};

/**
 * The stack mapper (the source map read and used to name the sources in a logged error's stack): beside every
 * function's `index.js`, loaded at the first error the function logs.
 */
const SOURCE_MAPPED_STACK: SideFile = {
  module: SOURCE_MAPPED_STACK_MODULE,
  entry: path.join(REPO_ROOT, 'functions', 'core', 'source-mapped-stack.ts'),
};

/**
 * The pre-token trigger's SSO membership (the runtime config, the tenant's data clients, the member writes): beside
 * the trigger's `index.js`, loaded at the first federated sign-in. The sign-ins of the pool's own users, and the
 * trigger's import, never load the AWS SDK's clients, which this file carries.
 */
const SSO_MEMBERSHIP: SideFile = {
  module: SSO_MEMBERSHIP_MODULE,
  entry: path.join(REPO_ROOT, 'functions', 'api', 'sso-membership.ts'),
  entries: ['pre-token-generation'],
};

const SIDE_FILES: readonly SideFile[] = [XRAY_TRACING, STRIPE_CLIENT, OPENAPI_DOCUMENT, SOURCE_MAPPED_STACK, SSO_MEMBERSHIP];

/**
 * The AWS SDK v3 packages bundled into each function's `index.js`: DynamoDB with its document client, and STS for
 * the tenant-scoped credentials, which nearly every function loads at import. Bundled from their ES modules
 * (`BUNDLE_MAIN_FIELDS`), they are tree-shaken to the commands the function uses and load faster than the runtime's
 * own copy of them, whose files hold every command of the service (the bundles bench times both ways). The types
 * package has no code.
 */
export const BUNDLED_SDK_PACKAGES: readonly string[] = [
  '@aws-sdk/client-dynamodb',
  '@aws-sdk/lib-dynamodb',
  '@aws-sdk/util-dynamodb',
  '@aws-sdk/client-sts',
  '@aws-sdk/types',
];

/**
 * The other AWS SDK v3 packages the project depends on (Cognito, SES, API Gateway, EventBridge, Secrets Manager, S3,
 * SQS, Bedrock): left out of `index.js` and loaded from the one the nodejs22.x runtime provides, only by the routes
 * that call them. Read from package.json, so a client added there is left out without a change here.
 */
export const RUNTIME_SDK_PACKAGES: readonly string[] = Object.keys(
  (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies,
).filter((name) => name.startsWith('@aws-sdk/') && !BUNDLED_SDK_PACKAGES.includes(name));

/**
 * The links of the AWS SDK's default credential chain that read a profile (`AWS_PROFILE`, the shared config and
 * credentials files, `credential_process`, SSO sessions) or a web identity token file. The chain imports each only
 * when the links before it found nothing, and in Lambda its first link, the execution role's credentials in the
 * environment, always answers. Left out of `index.js` (with the STS, SSO and sign-in clients they bring, about 90 KiB
 * of every function), they load from the runtime's copy of the SDK should a chain ever reach them, as the clients of
 * `RUNTIME_SDK_PACKAGES` do. The chain's container and instance metadata links stay inside.
 */
export const RUNTIME_CREDENTIAL_LINKS: readonly string[] = [
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-web-identity',
];

/** Every package left out of `index.js` that the function loads from the runtime's copy of the AWS SDK. */
export const RUNTIME_PACKAGES: readonly string[] = [...RUNTIME_SDK_PACKAGES, ...RUNTIME_CREDENTIAL_LINKS];

/**
 * How every Lambda entry is bundled (the CDK construct and the bundles bench alike): esbuild, minified, source maps
 * without sources, node 22, CommonJS. Left out of `index.js`: the AWS SDK packages the runtime provides and only some
 * routes or no Lambda function need (`RUNTIME_PACKAGES`), and the side files (the X-Ray tracer, the Stripe client, the
 * OpenAPI document's generator, the stack mapper, the SSO membership), which sit beside it and are loaded only when
 * used.
 */
export const BUNDLE_EXTERNALS: readonly string[] = [...RUNTIME_PACKAGES, ...SIDE_FILES.map((side) => side.module)];

/**
 * The syntax esbuild may not emit: `import()`. A package left out of a bundle loads from the runtime's copy of the
 * SDK, which only `require` finds (through `NODE_PATH`; an `import()` resolves from the file's own folder up, and finds
 * nothing there), so esbuild turns the SDK's `await import(<package>)` into a `require` of it.
 */
export const BUNDLE_SUPPORTED: Readonly<Record<string, boolean>> = { 'dynamic-import': false };

/**
 * Where esbuild looks first in a package.json: the ES modules (`module`), which it can tree-shake, before the
 * CommonJS build (`main`). The bundled SDK packages and the Smithy packages under them ship both; with the SDK left
 * out, every entry bundles the same files either way.
 */
export const BUNDLE_MAIN_FIELDS: readonly string[] = ['module', 'main'];

/**
 * Node's option that maps stack traces through the bundles' source maps. The functions run without it: Node would
 * read and parse each bundle's map (about 0.9 MiB for the largest) as it loads the bundle, 8-14 ms of every cold start
 * for stacks only an error's log line shows. Their logger maps the stacks of the errors it writes instead, reading the
 * map at the first of them (functions/core/source-mapped-stack.ts); the map ships beside `index.js` for that, and for
 * reading a position of an error the logger did not write. The bundles bench times the largest entry both ways.
 */
export const NODE_SOURCE_MAPS_OPTION = '--enable-source-maps';

/**
 * What the Lambda bundles replace at build time: `process.env.LAMBDA_BUNDLE` reads "true" there, so the code the
 * local platform alone uses (the file credential store, the mailbox mailer) sits behind a check of it and is left out
 * of `index.js`. The local platform's bundles (local/function-bundles.ts) and the tests keep it.
 */
export const BUNDLE_DEFINE: Readonly<Record<string, string>> = { 'process.env.LAMBDA_BUNDLE': '"true"' };

/**
 * The same bundling as esbuild API options, for the code that calls esbuild itself (the bundles bench, the bundling
 * test): what `functionBundling` gives the CDK construct and the side files' command line.
 */
export const LAMBDA_BUILD_OPTIONS: Readonly<BuildOptions> = {
  bundle: true,
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  mainFields: [...BUNDLE_MAIN_FIELDS],
  supported: { ...BUNDLE_SUPPORTED },
  define: { ...BUNDLE_DEFINE },
  external: [...BUNDLE_EXTERNALS],
};

/** The X-Ray tracer's own file (functions/core/xray-tracing.ts), bundled beside each function's `index.js`. */
export const XRAY_TRACING_ENTRY = XRAY_TRACING.entry;
export const XRAY_TRACING_FILE = sideFileName(XRAY_TRACING);

/** The Stripe client's own file (functions/billing/stripe-client.ts), beside the billing entries' `index.js`. */
export const STRIPE_CLIENT_ENTRY = STRIPE_CLIENT.entry;
export const STRIPE_CLIENT_FILE = sideFileName(STRIPE_CLIENT);

/** The OpenAPI document generator's own file (functions/api/openapi-document.ts), beside the platform group's `index.js`. */
export const OPENAPI_DOCUMENT_ENTRY = OPENAPI_DOCUMENT.entry;
export const OPENAPI_DOCUMENT_FILE = sideFileName(OPENAPI_DOCUMENT);

/** The stack mapper's own file (functions/core/source-mapped-stack.ts), bundled beside each function's `index.js`. */
export const SOURCE_MAPPED_STACK_ENTRY = SOURCE_MAPPED_STACK.entry;
export const SOURCE_MAPPED_STACK_FILE = sideFileName(SOURCE_MAPPED_STACK);

/** The SSO membership's own file (functions/api/sso-membership.ts), beside the pre-token trigger's `index.js`. */
export const SSO_MEMBERSHIP_ENTRY = SSO_MEMBERSHIP.entry;
export const SSO_MEMBERSHIP_FILE = sideFileName(SSO_MEMBERSHIP);

function sideFileName(side: SideFile): string {
  return `${path.basename(side.module)}.js`;
}

/**
 * Largest `index.js` of a function, minified, in KiB: what the entries reach, checked by the bundling test so that a
 * module that drags a large dependency into a function fails it. It is the limit of the entry's own code and
 * libraries (the goal is 150 KiB; the bundles bench prints each entry against it: zod/mini is about 49 KiB of each,
 * and the data catalogue brings every kind's module into the groups that purge, export or check quotas), plus what
 * the bundled AWS SDK clients take (`BUNDLED_SDK_KIB`).
 */
export const BUNDLE_LIMIT_KIB = 250;

/**
 * The AWS SDK clients bundled into every `index.js` (`BUNDLED_SDK_PACKAGES`), tree-shaken, the credential chain's
 * links of `RUNTIME_CREDENTIAL_LINKS` left out: about 260 KiB.
 */
const BUNDLED_SDK_KIB = 280;

/** The tenants group serves the lifecycle, users, invitations, billing and settings routes: the most code of any. */
const LARGER_BUNDLE_LIMITS_KIB: Readonly<Record<string, number>> = { tenants: 280 };

/** The size limit of an entry's `index.js` (`functions/api/<name>.ts`), the bundled AWS SDK clients included, in KiB. */
export function bundleLimitKib(name: string): number {
  return (LARGER_BUNDLE_LIMITS_KIB[name] ?? BUNDLE_LIMIT_KIB) + BUNDLED_SDK_KIB;
}

/**
 * `options` as esbuild's command-line flags, for the side files' bundling hook: the same settings as `index.js`, from
 * the one object that holds them. An option without a command-line form here fails the synth rather than be dropped.
 */
function commandLineFlags(options: Readonly<BuildOptions>): string[] {
  return Object.entries(options).flatMap(([option, value]): string[] => {
    switch (option) {
      case 'bundle':
      case 'minify':
        return value ? [`--${option}`] : [];
      case 'sourcemap':
        return value === true ? ['--sourcemap'] : [`--sourcemap=${value}`];
      case 'sourcesContent':
        return [`--sources-content=${value}`];
      case 'platform':
      case 'target':
      case 'format':
        return [`--${option}=${value}`];
      case 'mainFields':
        return [`--main-fields=${(value as string[]).join(',')}`];
      case 'supported':
      case 'define':
        return Object.entries(value as Record<string, unknown>).map(([name, setting]) => `--${option}:${name}=${setting}`);
      case 'external':
        return (value as string[]).map((name) => `--external:${name}`);
      default:
        throw new Error(`lib/function-bundling.ts: no command-line form for the esbuild option ${option}`);
    }
  });
}

/**
 * The esbuild command line that writes a side file into a function's asset (a bundling hook), bundled as `index.js`
 * is: a side file that reaches the AWS SDK's DynamoDB or STS clients (the OpenAPI document's generator, through the
 * route table) carries its own tree-shaken copy rather than load the runtime's.
 */
function sideFileBundleCommand(side: SideFile, inputDir: string, outputDir: string): string {
  const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
  return [
    path.join(inputDir, 'node_modules', '.bin', 'esbuild'),
    path.join(inputDir, path.relative(REPO_ROOT, side.entry)),
    ...commandLineFlags(LAMBDA_BUILD_OPTIONS),
    `--outfile=${path.join(outputDir, sideFileName(side))}`,
  ]
    .map(quote)
    .join(' ');
}

/** The side files beside an entry's `index.js` (`functions/api/<name>.ts`). */
function sideFilesOf(entry: string): readonly SideFile[] {
  const name = path.basename(entry, '.ts');
  return SIDE_FILES.filter((side) => side.entries?.includes(name) ?? true);
}

/** The NodejsFunction bundling of a platform function's entry: `index.js` with its side files beside it. */
export function functionBundling(entry: string): nodejs.BundlingOptions {
  const { minify, sourcemap, sourcesContent, target, external, mainFields, define, supported } = LAMBDA_BUILD_OPTIONS;
  return {
    minify,
    sourceMap: sourcemap === true,
    sourcesContent,
    target: String(target),
    externalModules: [...(external ?? [])],
    mainFields: [...(mainFields ?? [])],
    define: { ...define },
    esbuildArgs: Object.fromEntries(Object.entries(supported ?? {}).map(([feature, setting]) => [`--supported:${feature}`, String(setting)])),
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir, outputDir) => sideFilesOf(entry).map((side) => sideFileBundleCommand(side, inputDir, outputDir)),
    },
  };
}
