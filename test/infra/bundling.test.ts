import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { build } from 'esbuild';
import type { PlatformFunction } from '../../lib/constructs/platform-function';
import {
  BUNDLED_SDK_PACKAGES,
  bundleLimitKib,
  LAMBDA_BUILD_OPTIONS,
  OPENAPI_DOCUMENT_FILE,
  RUNTIME_CREDENTIAL_LINKS,
  RUNTIME_PACKAGES,
  SOURCE_MAPPED_STACK_FILE,
  SSO_MEMBERSHIP_FILE,
  STRIPE_CLIENT_FILE,
  STRIPE_ENTRIES,
  XRAY_TRACING_FILE,
} from '../../lib/function-bundling';
import { loadTenantManifests } from '../../lib/platform-app';
import { REPO_ROOT } from '../../lib/source-paths';
import { TENANT_ID_CLAIM } from '../../functions/identity/tenant-attribute';
import { preTokenEvent } from '../support/pre-token-event';
import { REGION_FUNCTION_NAMES, regionFunctionEntry } from '../../lib/stacks/region-stack';
import { buildOpenApiDocument } from '../../functions/platform/openapi';
import { ROUTES } from '../../functions/routes';
import { buildFixture, CONFIG, logicalIdOf, templateOf, type StackTemplate } from './support/platform-fixture';

/**
 * The other infra tests deploy stub code; this one bundles the real entries once, as `cdk synth` does, and checks
 * what lands in each function's asset.
 */
const PRE_TOKEN_ENTRY = 'functions/api/pre-token-generation.ts';

describe('function bundles', () => {
  // One region is enough: every region bundles the same entries (and so does every tenant's trigger).
  const tenants = loadTenantManifests();
  const fixture = buildFixture({
    bundle: true,
    config: { ...CONFIG, regions: [CONFIG.homeRegion] },
    tenants: { ...tenants, manifests: tenants.manifests.filter((manifest) => manifest.homeRegion === CONFIG.homeRegion) },
  });
  const region = fixture.stacks.regions.get(CONFIG.homeRegion)!;
  const controlPlane = fixture.stacks.controlPlane;
  const tenant = [...fixture.stacks.tenants.values()][0];
  const templates = new Map<Stack, StackTemplate>();
  const templateFor = (stack: Stack) => {
    if (!templates.has(stack)) templates.set(stack, templateOf(stack));
    return templates.get(stack)!;
  };
  /** The folder of a function's asset as `cdk synth` wrote it, and the sources a file's map in it lists. */
  const assetOf = (stack: Stack, fn: PlatformFunction) => {
    const code = templateFor(stack).json.Resources[logicalIdOf(fn.function)].Properties!.Code;
    const dir = path.join(fixture.outdir, `asset.${String(code.S3Key).replace(/\.zip$/, '')}`);
    const sources = (file: string): string[] => JSON.parse(fs.readFileSync(path.join(dir, `${file}.map`), 'utf8')).sources;
    return { dir, sources };
  };
  // The entry each function bundles, relative to the repository.
  const bundles: [string, string, Stack, PlatformFunction][] = [
    ...REGION_FUNCTION_NAMES.map((name): [string, string, Stack, PlatformFunction] => [
      path.relative(REPO_ROOT, regionFunctionEntry(name)),
      region.node.id,
      region,
      region.functions[name],
    ]),
    ...Object.entries(controlPlane.functions).map(([name, fn]): [string, string, Stack, PlatformFunction] => [
      `functions/api/${name}.ts`,
      controlPlane.node.id,
      controlPlane,
      fn,
    ]),
    [PRE_TOKEN_ENTRY, tenant.node.id, tenant, tenant.preTokenGeneration],
  ];

  it.each(bundles)('bundles %s of %s minified, with a source map, as index.js exporting handler', (entry, _stackId, stack, fn) => {
    // Prepare
    const { dir: assetDir } = assetOf(stack, fn);

    // Act
    const bundle = fs.readFileSync(path.join(assetDir, 'index.js'), 'utf8');
    const sourceMap = JSON.parse(fs.readFileSync(path.join(assetDir, 'index.js.map'), 'utf8'));

    // Assess
    // Minified: long lines (template literals keep their line breaks, so lines are counted, not forbidden).
    expect(bundle.length / bundle.split('\n').length).toBeGreaterThan(1000);
    expect(bundle).toMatch(/sourceMappingURL=index\.js\.map/);
    expect(bundle).toMatch(/handler/);
    expect(sourceMap.sources).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`${entry.replace(/\./g, '\\.')}$`))]));
    // The AWS SDK's DynamoDB and STS clients are inside, from their ES modules (tree-shaken); its other clients come
    // with the Node.js runtime and stay out. The pre-token trigger carries them in its SSO membership's file beside
    // index.js, which it loads at the first federated sign-in only.
    const sdkFile = PRE_TOKEN_ENTRY === entry ? SSO_MEMBERSHIP_FILE : 'index.js';
    const sdkBundle = fs.readFileSync(path.join(assetDir, sdkFile), 'utf8');
    const sdkSources = (JSON.parse(fs.readFileSync(path.join(assetDir, `${sdkFile}.map`), 'utf8')).sources as string[]).filter((source) =>
      source.includes('node_modules/@aws-sdk/'),
    );
    expect(sdkSources).toEqual(
      expect.arrayContaining([expect.stringMatching(/@aws-sdk\/client-dynamodb\/dist-es\//), expect.stringMatching(/@aws-sdk\/client-sts\/dist-es\//)]),
    );
    expect(sdkSources.filter((source: string) => source.includes('/dist-cjs/'))).toEqual([]);
    expect(sdkSources.filter((source: string) => RUNTIME_PACKAGES.some((name) => source.includes(`node_modules/${name}/`)))).toEqual([]);
    // The credential chain's profile links stay out with the STS, SSO and sign-in clients they bring, and what is left
    // out is required, never imported: `import()` does not look where the runtime keeps its copy of the SDK.
    expect(sdkSources.filter((source: string) => source.includes('node_modules/@aws-sdk/nested-clients/'))).toEqual([]);
    expect(sdkBundle).toContain('require("@aws-sdk/credential-provider-ini")');
    expect(sdkBundle).not.toMatch(/import\("@aws-sdk\//);
    // No other client slips in (one the functions import without a dependency of their own in package.json, say).
    const clients = new Set(sdkSources.map((source: string) => /node_modules\/(@aws-sdk\/client-[^/]+)\//.exec(source)?.[1]).filter(Boolean));
    expect([...clients].filter((client) => !BUNDLED_SDK_PACKAGES.includes(client as string))).toEqual([]);
  });

  it("leaves out of the authorizer what it never runs: the member writes, the users group's request schemas and the plan catalogue's table", () => {
    // Prepare: it reads member records (MemberReader, member.schema) and imports the plan module through the shared wiring only
    const { dir: assetDir, sources } = assetOf(region, region.functions.authorizer);

    // Act
    const bundle = fs.readFileSync(path.join(assetDir, 'index.js'), 'utf8');

    // Assess
    expect(sources('index.js').filter((source) => source.endsWith('functions/users/member.reader.ts'))).toHaveLength(1);
    expect(sources('index.js').filter((source) => source.endsWith('functions/users/member.repository.ts'))).toEqual([]);
    expect(sources('index.js').filter((source) => source.endsWith('functions/users/user.schema.ts'))).toEqual([]);
    // A table written with spreads or products (`100 * MIB`) would stay in: a bundler cannot prove those free of effects.
    expect(bundle).not.toContain('monthlyPriceCents');
  });

  it("bundles a resource kind's routes and operations in the group that serves them only, its kind wherever the kind is known", () => {
    // Prepare: tools are served by the agents group, counted by the usage report and enumerated through the catalogue
    const hasSource = (fn: PlatformFunction, file: string) =>
      assetOf(region, fn)
        .sources('index.js')
        .some((source) => source.endsWith(file));

    // Act
    const tenants = region.functions.tenants;
    const found = [region.functions.agents, region.functions.usage, tenants].map((fn) => [
      hasSource(fn, 'functions/tools/tool.kind.ts'),
      hasSource(fn, 'functions/tools/tool.api.ts'),
    ]);

    // Assess
    expect(found).toEqual([
      [true, true],
      [true, false],
      [true, false],
    ]);
  });

  it('loads the X-Ray tracer from beside index.js where tracing is on, as Lambda does', () => {
    // Prepare: the agents group's asset, in the Lambda execution environment (whose AWS SDK is the project's here)
    const { dir: assetDir } = assetOf(region, region.functions.agents);
    const script = `const t = require(${JSON.stringify(path.join(assetDir, 'index.js'))}); process.stdout.write(JSON.stringify({ handler: typeof t.handler, tracer: require(${JSON.stringify(path.join(assetDir, XRAY_TRACING_FILE))}).platformTracer.isTracingEnabled() }))`;

    // Act
    const result = spawnSync(process.execPath, ['-e', script], {
      env: { ...process.env, AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', AWS_REGION: 'eu-central-1', NODE_PATH: path.join(REPO_ROOT, 'node_modules') },
    });

    // Assess
    expect(result.stderr.toString()).toBe('');
    expect(JSON.parse(result.stdout.toString())).toEqual({ handler: 'function', tracer: true });
    expect(fs.readFileSync(path.join(assetDir, 'index.js'), 'utf8')).toContain('require("./xray-tracing")');
  });

  it("loads none of the credential chain's left-out links as a function starts", () => {
    // Prepare: the agents group's asset, the project's node_modules standing in for the runtime's copy of the SDK
    const { dir: assetDir } = assetOf(region, region.functions.agents);
    const script = `require(${JSON.stringify(path.join(assetDir, 'index.js'))}); process.stdout.write(JSON.stringify(${LINKS_LOADED}))`;

    // Act
    const result = spawnSync(process.execPath, ['-e', script], {
      env: { ...process.env, AWS_REGION: 'eu-central-1', NODE_PATH: path.join(REPO_ROOT, 'node_modules') },
    });

    // Assess
    expect(result.stderr.toString()).toBe('');
    expect(JSON.parse(result.stdout.toString())).toEqual([]);
  });

  it.each(bundles)('ships the Stripe client beside %s of %s exactly when its index.js requires it, never inside it', (entry, _stackId, stack, fn) => {
    // Prepare
    const { dir: assetDir, sources } = assetOf(stack, fn);

    // Act
    const requires = fs.readFileSync(path.join(assetDir, 'index.js'), 'utf8').includes('require("./stripe-client")');
    const ships = fs.existsSync(path.join(assetDir, STRIPE_CLIENT_FILE));

    // Assess
    expect(requires).toBe(STRIPE_ENTRIES.includes(path.basename(entry, '.ts')));
    expect(ships).toBe(requires);
    expect(sources('index.js').filter((source) => source.includes('node_modules/stripe/'))).toEqual([]);
    if (!ships) return;
    expect(sources(STRIPE_CLIENT_FILE)).toEqual(expect.arrayContaining([expect.stringMatching(/node_modules\/stripe\//)]));
    const script = `process.stdout.write(typeof require(${JSON.stringify(path.join(assetDir, STRIPE_CLIENT_FILE))}).createStripeClient('sk_test_1').webhooks.constructEvent)`;
    expect(spawnSync(process.execPath, ['-e', script]).stdout.toString()).toBe('function');
  });

  it("answers a pool user's sign-in from the pre-token trigger's index.js alone, and loads the SSO membership beside it at a federated one", () => {
    // Prepare: a sign-in of the pool's own user, then one through an identity provider, in a node without the
    // runtime config (the SSO membership's wiring fails its first use on it, which shows that it was loaded)
    const { dir: assetDir, sources } = assetOf(tenant, tenant.preTokenGeneration);
    const signIn = preTokenEvent({ [TENANT_ID_CLAIM]: 'acme', email: 'a@acme.example' }, ['member']);
    const federated = { ...signIn, request: { ...signIn.request, userAttributes: { identities: '[]', sub: 'sub-1', email: 'b@corp.example' } } };
    const script = `
      const { handler } = require(${JSON.stringify(path.join(assetDir, 'index.js'))});
      const loaded = () => ({ beside: Object.keys(require.cache).some((file) => file.endsWith(${JSON.stringify(`/${SSO_MEMBERSHIP_FILE}`)})), http: process.moduleLoadList.includes('NativeModule http') });
      (async () => {
        const own = await handler(${JSON.stringify(signIn)});
        const afterOwn = loaded();
        const error = await handler(${JSON.stringify(federated)}).then(() => 'none', (failure) => failure.name);
        process.stdout.write(JSON.stringify({ roles: own.response.claimsOverrideDetails.claimsToAddOrOverride.roles, afterOwn, error, afterFederated: loaded() }));
      })();`;

    // Act
    const result = spawnSync(process.execPath, ['-e', script], { env: { PATH: process.env.PATH, TENANT_ID: 'acme' } });

    // Assess
    expect(result.stderr.toString()).toBe('');
    expect(JSON.parse(result.stdout.toString())).toEqual({
      roles: 'member',
      afterOwn: { beside: false, http: false },
      error: 'ConfigError',
      afterFederated: { beside: true, http: true },
    });
    expect(sources('index.js').filter((source) => source.includes('node_modules/@aws-sdk/'))).toEqual([]);
    expect(sources(SSO_MEMBERSHIP_FILE)).toEqual(expect.arrayContaining([expect.stringMatching(/functions\/api\/sso-membership\.ts$/)]));
  });

  it.each(bundles)(
    "ships the OpenAPI document's generator beside %s of %s exactly when its index.js requires it, never inside it",
    (entry, _stackId, stack, fn) => {
      // Prepare
      const { dir: assetDir, sources } = assetOf(stack, fn);

      // Act
      const requires = fs.readFileSync(path.join(assetDir, 'index.js'), 'utf8').includes('require("./openapi-document")');
      const ships = fs.existsSync(path.join(assetDir, OPENAPI_DOCUMENT_FILE));

      // Assess: only the platform group serves the document; its index.js carries neither the generator nor zod's JSON
      // Schema code, and the file beside it builds the document the source builds
      expect(requires).toBe(path.basename(entry, '.ts') === 'platform');
      expect(ships).toBe(requires);
      expect(sources('index.js').filter((source) => /functions\/platform\/openapi|functions\/api\/openapi-document\.ts$/.test(source))).toEqual([]);
      if (!ships) return;
      // The DynamoDB and STS clients the route table reaches are inside it, as in index.js: it loads no copy of the runtime's.
      const side = fs.readFileSync(path.join(assetDir, OPENAPI_DOCUMENT_FILE), 'utf8');
      expect(BUNDLED_SDK_PACKAGES.filter((name) => side.includes(`require("${name}")`))).toEqual([]);
      const script = `process.stdout.write(JSON.stringify(require(${JSON.stringify(path.join(assetDir, OPENAPI_DOCUMENT_FILE))}).openApiDocument('https://api.example.com', 'production')))`;
      const result = spawnSync(process.execPath, ['-e', script], {
        env: { ...process.env, NODE_PATH: path.join(REPO_ROOT, 'node_modules') },
        maxBuffer: 16 * 1024 * 1024,
      });
      expect(result.stderr.toString()).toBe('');
      expect(JSON.parse(result.stdout.toString())).toEqual(buildOpenApiDocument(ROUTES, 'https://api.example.com', 'production'));
    },
  );

  it('keeps in index.js only the table keys its function builds (the key builders are imported as a namespace)', () => {
    // Prepare: the API keys group, which builds no workflow, run or memory key
    const { dir: assetDir } = assetOf(region, region.functions['api-keys']);

    // Act
    const bundle = fs.readFileSync(path.join(assetDir, 'index.js'), 'utf8');

    // Assess
    expect(bundle).toContain('"APIKEY"');
    expect(['WORKFLOWS_BY_CREATED', 'RUNS_OPEN', 'MEMORY_COUNTERS'].filter((segment) => bundle.includes(`"${segment}"`))).toEqual([]);
  });

  it('maps a stack of index.js to the sources with the stack mapper beside it, which index.js does not carry', () => {
    // Prepare: a frame at the message of the request error log line (functions/core/http.ts) in the agents group's
    // index.js, as V8 reports frames (1-based line and column)
    const { dir: assetDir, sources } = assetOf(region, region.functions.agents);
    const bundle = fs.readFileSync(path.join(assetDir, 'index.js'), 'utf8');
    const at = bundle.indexOf('"request failed"');
    const before = bundle.slice(0, at).split('\n');
    const frame = `${path.join(assetDir, 'index.js')}:${before.length}:${before[before.length - 1].length + 1}`;
    const sourceLine =
      fs
        .readFileSync(path.join(REPO_ROOT, 'functions/core/http.ts'), 'utf8')
        .split('\n')
        .findIndex((line) => line.includes("'request failed'")) + 1;
    const script = `process.stdout.write(require(${JSON.stringify(path.join(assetDir, SOURCE_MAPPED_STACK_FILE))}).sourceMappedStack(${JSON.stringify(`Error: x\n    at f (${frame})`)}))`;

    // Act: in a node without options, as the functions run
    const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });

    // Assess
    expect(at).toBeGreaterThan(0);
    expect(result.stdout.split('\n')[1]).toMatch(new RegExp(`\\(functions/core/http\\.ts:${sourceLine}:\\d+\\)$`));
    expect(sources('index.js').filter((source) => source.endsWith('functions/core/source-mapped-stack.ts'))).toEqual([]);
    expect(sources(SOURCE_MAPPED_STACK_FILE)).toEqual(expect.arrayContaining([expect.stringMatching(/functions\/core\/source-mapped-stack\.ts$/)]));
  });

  it.each(bundles)(
    'keeps %s of %s within its size limit, the X-Ray tracer and the stack mapper in files of their own beside it',
    (entry, _stackId, stack, fn) => {
      // Prepare
      const { dir: assetDir, sources } = assetOf(stack, fn);

      // Act
      const kib = fs.statSync(path.join(assetDir, 'index.js')).size / 1024;

      // Assess
      expect(kib).toBeLessThanOrEqual(bundleLimitKib(path.basename(entry, '.ts')));
      // What only the local platform uses stays out (BUNDLE_DEFINE in lib/function-bundling.ts): the mailbox mailer, and
      // the file credential store (its source stays listed for a shared require of node:path; its cipher must not be there).
      expect(sources('index.js').filter((source) => source.endsWith('functions/users/mailer.mailbox.ts'))).toEqual([]);
      expect(fs.readFileSync(path.join(assetDir, 'index.js'), 'utf8')).not.toContain('aes-256-gcm');
      // Loaded only where tracing is on (every function in AWS), from beside index.js: never part of it.
      expect(sources('index.js').filter((source) => /node_modules\/(aws-xray-sdk-core|@aws-lambda-powertools\/tracer)\//.test(source))).toEqual([]);
      expect(sources(XRAY_TRACING_FILE)).toEqual(
        expect.arrayContaining([expect.stringMatching(/functions\/core\/xray-tracing\.ts$/), expect.stringMatching(/node_modules\/aws-xray-sdk-core\//)]),
      );
      // The stack mapper the logger loads at the first error, beside index.js in every asset.
      expect(sources(SOURCE_MAPPED_STACK_FILE)).toEqual([expect.stringMatching(/functions\/core\/source-mapped-stack\.ts$/)]);
    },
  );
});

/** A script expression: the files of the credential chain's left-out links that the node running it has loaded. */
const LINKS_LOADED = `Object.keys(require.cache).filter((file) => ${JSON.stringify(RUNTIME_CREDENTIAL_LINKS)}.some((name) => file.includes('/node_modules/' + name + '/')))`;

describe("the AWS SDK's credential chain in a function bundle", () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'credential-chain-'));
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  it("still reaches a profile's credentials, through a link loaded from the runtime's copy of the SDK", async () => {
    // Prepare: an STS client bundled as the functions bundle theirs, outside the project (as /var/task is outside the
    // runtime's folder); a profile in the shared files and no credentials in the environment
    await build({
      ...LAMBDA_BUILD_OPTIONS,
      stdin: { contents: "export { STSClient } from '@aws-sdk/client-sts';", resolveDir: REPO_ROOT, loader: 'ts' },
      outfile: path.join(outdir, 'index.js'),
      logLevel: 'error',
    });
    fs.writeFileSync(path.join(outdir, 'credentials'), '[bundle-test]\naws_access_key_id = AKIDBUNDLETEST\naws_secret_access_key = bundle-test-secret\n');
    fs.writeFileSync(path.join(outdir, 'config'), '[profile bundle-test]\nregion = eu-central-1\n');
    const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, ...env } = process.env;
    const script = [
      `const { STSClient } = require(${JSON.stringify(path.join(outdir, 'index.js'))});`,
      `const atStart = ${LINKS_LOADED};`,
      "new STSClient({ region: 'eu-central-1' }).config.credentials()",
      `  .then((credentials) => process.stdout.write(JSON.stringify({ atStart, accessKeyId: credentials.accessKeyId, loaded: ${LINKS_LOADED} })));`,
    ].join('\n');

    // Act
    const result = spawnSync(process.execPath, ['-e', script], {
      env: {
        ...env,
        AWS_PROFILE: 'bundle-test',
        AWS_SHARED_CREDENTIALS_FILE: path.join(outdir, 'credentials'),
        AWS_CONFIG_FILE: path.join(outdir, 'config'),
        AWS_EC2_METADATA_DISABLED: 'true',
        NODE_PATH: path.join(REPO_ROOT, 'node_modules'),
      },
    });

    // Assess
    expect(result.stderr.toString()).toBe('');
    const { atStart, accessKeyId, loaded } = JSON.parse(result.stdout.toString());
    expect(atStart).toEqual([]);
    expect(accessKeyId).toBe('AKIDBUNDLETEST');
    expect(loaded).toEqual(expect.arrayContaining([expect.stringContaining(path.join(REPO_ROOT, 'node_modules', '@aws-sdk', 'credential-provider-ini'))]));
  });
});
