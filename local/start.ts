import './sdk-quiet';
import { performance } from 'node:perf_hooks';
import { join, relative } from 'node:path';
import { DEFAULT_COGNITO_PORT } from './cognito';
import { watchLaunchers } from './launcher-watch';
import { captureFunctionOutput } from './function-output';
import { formatSummary, MetricsSummary, METRICS_SNAPSHOT_FILE, writeMetricsSnapshot } from './metrics-summary';
import { startLocalPlatform, type LocalPlatform } from './platform';
import { portFromEnv } from './ports';

/**
 * `npm start`: the whole platform on this machine. Env: PORT (first region's API, default 3000; the next region
 * uses PORT+1, the console the port after the regions', PORT+2), COGNITO_PORT (default 9229), DYNAMODB_PORT (default: a free port), LOCAL_DATA_DIR (default .local),
 * LOG_LEVEL of the functions (default WARN).
 */
function isLogLevel(value: string | undefined): value is 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' {
  return value === 'DEBUG' || value === 'INFO' || value === 'WARN' || value === 'ERROR';
}

async function main(): Promise<void> {
  const started = performance.now();
  const dataDir = process.env.LOCAL_DATA_DIR || '.local';
  const log = (line: string) => console.log(line);

  let platform: LocalPlatform | undefined;
  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string, code: number) => {
    if (stopping) {
      log(`${reason} again: exiting now`);
      process.exit(code || 130);
    }
    log(`${reason}: stopping`);
    stopping = (platform?.stop() ?? Promise.resolve()).finally(() => process.exit(code));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => shutdown(signal, 0));
  process.on('uncaughtException', (error) => {
    console.error('uncaught exception:', error);
    shutdown('uncaught exception', 1);
  });
  watchLaunchers(() => shutdown('launcher exited', 0));
  process.on('unhandledRejection', (error) => {
    console.error('unhandled rejection:', error);
    shutdown('unhandled rejection', 1);
  });

  // The functions' EMF lines feed the per-tenant summary (and stay off the terminal); log lines pass as before.
  const summary = new MetricsSummary();
  captureFunctionOutput().subscribe((line) => summary.record(line));

  platform = await startLocalPlatform({
    dataDir,
    port: portFromEnv('PORT', 3000),
    cognitoPort: portFromEnv('COGNITO_PORT', DEFAULT_COGNITO_PORT),
    ...(process.env.DYNAMODB_PORT ? { dynamoDbPort: portFromEnv('DYNAMODB_PORT', 0) } : {}),
    log,
    ...(isLogLevel(process.env.LOG_LEVEL) ? { logLevel: process.env.LOG_LEVEL } : {}),
  });
  if (stopping) return;

  const { file } = platform;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const relativePath = relative(process.cwd(), platform.platformFilePath);
  const credentials = relativePath && !relativePath.startsWith('..') ? relativePath : platform.platformFilePath;
  log('');
  log(`Local platform ready in ${seconds} s${platform.seeded ? ' (first start: demo data seeded)' : ''}`);
  log(`  console            ${file.consoleUrl}/`);
  for (const [region, url] of Object.entries(file.regions)) log(`  API ${region.padEnd(14)} ${url}   (health: ${url}/v1/health)`);
  log(`  cognito-local      ${file.cognitoEndpoint}`);
  log(`  DynamoDB Local     ${file.dynamoDbEndpoint}`);
  log(`  tenants            ${file.tenants.map((tenant) => `${tenant.slug} (${tenant.region})`).join(', ')}`);
  log(`  credentials        ${credentials} (platform admin and each tenant's admin)`);
  log(`  processes          node pid ${process.pid}, DynamoDB Local (java) pid ${platform.dynamoDbPid}`);
  log('Ctrl-C stops everything; the data stays for the next start.');
  reportTenants(summary, join(dataDir, METRICS_SNAPSHOT_FILE), log);
}

/**
 * Every 5 s: the per-tenant summary into the data directory (for `npm run tenant -- top`) and, when a terminal is
 * attached and tenants were served, onto it.
 */
function reportTenants(summary: MetricsSummary, snapshotPath: string, log: (line: string) => void): void {
  const timer = setInterval(() => {
    const tenants = summary.summary();
    writeMetricsSnapshot(snapshotPath, { at: Date.now(), windowMs: 60_000, tenants });
    if (process.stdout.isTTY && tenants.length > 0) for (const line of formatSummary(tenants)) log(line);
  }, 5_000);
  timer.unref();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  // The java child is killed by its exit handler.
  process.exit(1);
});
