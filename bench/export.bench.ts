import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { HASH_CHAIN } from '../functions/audit/audit-chain';
import { createDocumentClient } from '../functions/data/clients';
import { timeOrderedId } from '../functions/data/ids';
import * as keys from '../functions/data/table-keys';
import { MutationExecutor } from '../functions/data/mutation.executor';
import { createIsolation } from '../functions/isolation/tenant-db';
import { ManifestSigner } from '../functions/portability/bundle.schema';
import { createS3Client, S3ObjectStore } from '../functions/portability/s3.object-store';
import { bundlePrefix, TenantExporter } from '../functions/portability/tenant-export';
import { TenantCopier } from '../functions/portability/tenant-copy';
import { TenantImporter } from '../functions/portability/tenant-import';
import { CachedPlanSource } from '../functions/quotas/plan.source';
import { TENANT_DATA_CATALOGUE } from '../functions/tenant-data.catalogue';
import { bootstrapTables, localDynamoDbClient } from '../local/bootstrap';
import { startDynamoDbLocal } from '../local/dynamodb';
import { LOCAL_REGIONS, LOCAL_TABLE_NAME, useLocalCredentials } from '../local/platform.config';
import { freePort } from '../local/ports';
import { S3_LOCAL_CREDENTIALS, startS3Local } from '../local/s3-local';

/**
 * Export and import throughput of one tenant's bundle and the peak memory they add, at 10,000 and 100,000 items
 * (ten agents, the rest memories of about 450 bytes), on DynamoDB Local and s3rver: export from one region's table, import into the other
 * region's (a migration). Memory must stay flat as the tenant grows: both stream page by page. At 10,000 items also
 * the copy of the bundle's content into another tenant (a platform admin's import: every item read first, then
 * written 20 per transaction with its quota counter and audit entry).
 */
const [SOURCE, TARGET] = LOCAL_REGIONS;
const SIZES = [10_000, 100_000];
const WRITERS = 4;
const AGENTS = 10;
const COPIED_SIZE = 10_000;

/** Peak heap and RSS above what they were when sampling started, sampled every 20 ms. */
async function peakMemory<T>(work: () => Promise<T>): Promise<{ result: T; heapMiB: number; rssMiB: number }> {
  global.gc?.();
  const base = process.memoryUsage();
  let heap = 0;
  let rss = 0;
  const sample = () => {
    const now = process.memoryUsage();
    heap = Math.max(heap, now.heapUsed - base.heapUsed);
    rss = Math.max(rss, now.rss - base.rss);
  };
  const timer = setInterval(sample, 20);
  try {
    const result = await work();
    sample();
    return { result, heapMiB: heap / 2 ** 20, rssMiB: rss / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

/** Ten agents and the rest of `count` as memories spread over them (a tenant's bulk is its memories). */
async function seed(db: DynamoDBDocumentClient, tenantId: string, count: number): Promise<void> {
  const now = new Date().toISOString();
  const agentIds = Array.from({ length: AGENTS }, (_, i) => `bench-agent-${i}`);
  const agent = (agentId: string) => ({
    ...keys.agent(tenantId, agentId),
    agentId,
    name: agentId,
    modelId: 'local.echo',
    instructions: 'Answer briefly.',
    tools: [],
    status: 'ACTIVE',
    createdAt: now,
    updatedAt: now,
    version: 1,
  });
  const memory = (i: number) => {
    const agentId = agentIds[i % AGENTS];
    const memoryId = timeOrderedId(Date.parse(now) + i);
    const content = `Remembered fact number ${i}: `.padEnd(200, '.');
    return { ...keys.memory(tenantId, agentId, memoryId), memoryId, agentId, content, metadata: {}, tags: [], createdAt: now, updatedAt: now, version: 1 };
  };
  const items = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => (from + i < AGENTS ? agent(agentIds[from + i]) : memory(from + i)));
  let next = 0;
  const writer = async () => {
    while (next < count) {
      const from = next;
      next = Math.min(count, next + 25);
      let requests: Record<string, unknown>[] = items(from, next).map((Item) => ({ PutRequest: { Item } }));
      while (requests.length > 0) {
        const { UnprocessedItems } = await db.send(new BatchWriteCommand({ RequestItems: { [LOCAL_TABLE_NAME]: requests as never } }));
        requests = (UnprocessedItems?.[LOCAL_TABLE_NAME] ?? []) as Record<string, unknown>[];
      }
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, writer));
}

export async function run(): Promise<void> {
  useLocalCredentials();
  const directory = mkdtempSync(join(tmpdir(), 'bench-export-'));
  const dynamo = await startDynamoDbLocal({ port: await freePort() });
  const s3 = await startS3Local({ directory, buckets: ['bench-exports'] });
  const s3Client = createS3Client(SOURCE, { endpoint: s3.endpoint, credentials: S3_LOCAL_CREDENTIALS });
  try {
    await bootstrapTables({ endpoint: dynamo.endpoint, regions: LOCAL_REGIONS, tableName: LOCAL_TABLE_NAME });
    const store = new S3ObjectStore({ client: s3Client, bucket: 'bench-exports' });
    const signer = new ManifestSigner('bench-export-signing-secret-of-32-characters');
    const regionData = (region: string) => {
      const isolation = createIsolation({ AWS_REGION: region, TABLE_NAME: LOCAL_TABLE_NAME, DYNAMODB_ENDPOINT: dynamo.endpoint, DATA_CREDENTIALS: 'local' });
      const db = (tenantId: string) => isolation.forTenant(tenantId);
      const plans = new CachedPlanSource({ db, tableName: LOCAL_TABLE_NAME });
      const executor = new MutationExecutor({ db, tableName: LOCAL_TABLE_NAME, plans, chain: HASH_CHAIN });
      return { db, tableName: LOCAL_TABLE_NAME, region, catalogue: TENANT_DATA_CATALOGUE, store, signer, executor, plans };
    };
    const [source, target] = [regionData(SOURCE), regionData(TARGET)];
    const raw = createDocumentClient(localDynamoDbClient(dynamo.endpoint, SOURCE));
    console.log(`export and import of one tenant (${SOURCE} → ${TARGET}), DynamoDB Local + s3rver, ${WRITERS} seed writers`);
    for (const size of SIZES) {
      const tenantId = `bench-export-${size}`;
      await seed(raw, tenantId, size);
      const exportId = `x-${size}`;
      const exportStarted = performance.now();
      const exported = await peakMemory(() => new TenantExporter(source).export({ tenantId, exportId, createdBy: 'platform-admin:bench' }));
      const exportSeconds = (performance.now() - exportStarted) / 1000;
      const importStarted = performance.now();
      const imported = await peakMemory(() =>
        new TenantImporter(target).import({
          tenantId,
          bundlePrefix: bundlePrefix(tenantId, exportId),
          actor: 'platform-admin:bench',
          requestId: `bench-${size}`,
        }),
      );
      const importSeconds = (performance.now() - importStarted) / 1000;
      const items = exported.result.files.reduce((sum, file) => sum + file.items, 0);
      const bytes = exported.result.files.reduce((sum, file) => sum + file.bytes, 0);
      const written = imported.result.items.reduce((sum, kind) => sum + kind.items, 0);
      console.log(
        `  ${String(size).padStart(7)} items (${(bytes / 2 ** 20).toFixed(1)} MiB NDJSON): ` +
          `export ${Math.round(items / exportSeconds)} items/s, peak +${exported.heapMiB.toFixed(1)} MiB heap / +${exported.rssMiB.toFixed(1)} MiB RSS; ` +
          `import (verify + write) ${Math.round(written / importSeconds)} items/s, peak +${imported.heapMiB.toFixed(1)} MiB heap / +${imported.rssMiB.toFixed(1)} MiB RSS`,
      );
      if (size === COPIED_SIZE) {
        // Into a new tenant of the source's region, on the enterprise plan.
        const copyTarget = `bench-copy-${size}`;
        await raw.send(new PutCommand({ TableName: LOCAL_TABLE_NAME, Item: { ...keys.tenantProfile(copyTarget), plan: 'enterprise' } }));
        const importer = new TenantImporter(source);
        const copyStarted = performance.now();
        const copied = await peakMemory(() =>
          new TenantCopier({ ...source, importer }).copy({
            tenantId: copyTarget,
            sourceTenantId: tenantId,
            bundlePrefix: bundlePrefix(tenantId, exportId),
            actor: 'platform-admin:bench',
            requestId: `bench-copy-${size}`,
            jobId: timeOrderedId(Date.now()),
          }),
        );
        const copySeconds = (performance.now() - copyStarted) / 1000;
        const copiedItems = copied.result.items.reduce((sum, kind) => sum + kind.items, 0);
        console.log(
          `  ${String(size).padStart(7)} items: copy into another tenant (verify + check + write) ${Math.round(copiedItems / copySeconds)} items/s ` +
            `(${copiedItems} items), peak +${copied.heapMiB.toFixed(1)} MiB heap / +${copied.rssMiB.toFixed(1)} MiB RSS`,
        );
      }
    }
  } finally {
    s3Client.destroy();
    await s3.stop();
    await dynamo.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}
