import { cpSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { LAMBDA_BUILD_OPTIONS, RUNTIME_PACKAGES } from '../lib/function-bundling';
import type { RuntimeConfig } from '../functions/api/runtime-config';
import { HANDLER_GROUPS } from '../functions/routes';
import type { Authorizer } from '../functions/identity/authorizer.adapter';
import type { FunctionSource, PeriodCloseHandler, ProxyHandler } from './gateway';
import type { RunConsumerHandler } from './run-queue';
import type { TtlRemovalConsumer } from './ttl-expiry';

/**
 * The functions as Lambda runs them: each entry of functions/api/ bundled by esbuild into one CommonJS file with the
 * Lambda bundles' options (lib/function-bundling.ts: minified, so what only minifying breaks, such as a class's name
 * read at run time, breaks here too; the AWS SDK's DynamoDB and STS clients inside from their ES modules,
 * its other clients and the credential chain's profile links left out, as the Lambda runtime provides them), loaded
 * once per region from its own copy so that no module-level state is shared between regions, as none is between two
 * regional Lambda functions. Bundling also makes ESM-only dependencies loadable, which a CommonJS runtime such as tsx
 * cannot require.
 */

const ENTRIES = [...HANDLER_GROUPS, 'authorizer', 'run-consumer', 'period-close', 'job-consumer', 'retention-sweep', 'memory-expiry'] as const;

/**
 * Leaves the AWS SDK packages the Lambda bundles leave out (`RUNTIME_PACKAGES`) out of these bundles too, but points
 * at the project's copy by absolute path, so a bundle loads from any directory (the data directory may be outside the
 * project).
 */
const runtimeSdkFromProject: Plugin = {
  name: 'runtime-sdk-from-project',
  setup(builder) {
    builder.onResolve({ filter: /^@aws-sdk\// }, (args) =>
      RUNTIME_PACKAGES.some((name) => args.path === name || args.path.startsWith(`${name}/`))
        ? { path: require.resolve(args.path, { paths: [args.resolveDir] }), external: true }
        : undefined,
    );
  },
};

/**
 * Each bundle's entry: the function's module, and the meter of its instance (functions/api/dependencies.ts), which
 * the local platform writes at shutdown as Lambda's shutdown signal makes a container do.
 */
const ENTRY_NAMESPACE = 'local-function-entry';
const withMeter: Plugin = {
  name: 'function-entry-with-meter',
  setup(builder) {
    builder.onResolve({ filter: new RegExp(`^${ENTRY_NAMESPACE}:`) }, (args) => ({
      path: args.path.slice(ENTRY_NAMESPACE.length + 1),
      namespace: ENTRY_NAMESPACE,
    }));
    builder.onLoad({ filter: /.*/, namespace: ENTRY_NAMESPACE }, (args) => ({
      contents: `export * from ${JSON.stringify(args.path)};\nexport { meterOf } from ${JSON.stringify(join(dirname(args.path), 'dependencies.ts'))};\n`,
      resolveDir: dirname(args.path),
      loader: 'ts',
    }));
  },
};

/** What every bundle exports besides its function's factory. */
interface MeteredModule {
  meterOf?: (config: RuntimeConfig) => { flush(): Promise<void> };
}

/** Bundles every function entry into `outDir/<region>/<entry>.js` and returns a source that loads them. */
export async function bundleFunctions(outDir: string, regions: readonly string[]): Promise<FunctionSource> {
  const shared = join(outDir, 'bundle');
  rmSync(outDir, { recursive: true, force: true });
  await buildEntries(shared);
  for (const region of regions) cpSync(shared, join(outDir, region), { recursive: true });
  // The meters of the functions made so far (one per bundle and config), for the shutdown write.
  const meters = new Set<{ flush(): Promise<void> }>();
  const load = (entry: string, config: RuntimeConfig): Record<string, unknown> => {
    const region = config.AWS_REGION;
    if (!regions.includes(region)) throw new Error(`no bundle for region ${region}`);
    const module = require(join(outDir, region, `${entry}.js`)) as Record<string, unknown> & MeteredModule;
    if (module.meterOf) meters.add(module.meterOf(config));
    return module;
  };
  /** The factory `name` (createHandler, createAuthorizer) of an entry's bundle, called with the config. */
  const make = <T>(entry: string, name: string, config: RuntimeConfig): T => {
    const factory = load(entry, config)[name];
    if (typeof factory !== 'function') throw new Error(`functions/api/${entry} does not export ${name}`);
    return (factory as (config: RuntimeConfig) => T)(config);
  };
  return {
    createHandler: async (group, config) => make<ProxyHandler>(group, 'createHandler', config),
    createAuthorizer: async (config) => make<Authorizer>('authorizer', 'createAuthorizer', config),
    createRunConsumer: async (config) => make<RunConsumerHandler>('run-consumer', 'createHandler', config),
    createPeriodClose: async (config) => make<PeriodCloseHandler>('period-close', 'createHandler', config),
    createJobConsumer: async (config) => make<RunConsumerHandler>('job-consumer', 'createHandler', config),
    createRetentionSweep: async (config) => make<PeriodCloseHandler>('retention-sweep', 'createHandler', config),
    createTtlConsumer: async (config) => make<TtlRemovalConsumer>('memory-expiry', 'createHandler', config),
    async shutdown() {
      await Promise.all([...meters].map((meter) => meter.flush()));
    },
  };
}

/**
 * Every entry of functions/api/ that the local platform runs, bundled into `outdir/<entry>.js` with the Lambda
 * bundles' options but two: the code only the local platform uses stays in (no `LAMBDA_BUNDLE` define), and nothing is
 * left out by name, neither the side files (bundled in, loaded as late) nor the runtime's SDK packages (the plugin
 * above points at the project's copy).
 */
async function buildEntries(outdir: string): Promise<void> {
  const root = join(__dirname, '..', 'functions', 'api');
  await build({
    ...LAMBDA_BUILD_OPTIONS,
    define: {},
    external: [],
    entryPoints: Object.fromEntries(ENTRIES.map((entry) => [entry, `${ENTRY_NAMESPACE}:${join(root, `${entry}.ts`)}`])),
    outdir,
    plugins: [withMeter, runtimeSdkFromProject],
    logLevel: 'error',
  });
}
