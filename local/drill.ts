import './sdk-quiet';
import { CreateTableCommand, DeleteTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { join, resolve } from 'node:path';
import { createTenantWrites, isolationOf } from '../functions/api/dependencies';
import { parseRuntimeConfig } from '../functions/api/runtime-config';
import { drillCursors, RecoveryDrill, SCRATCH_TABLE_INFIX, type TenantDrillResult } from '../functions/portability/recovery-drill';
import { TENANT_DATA_CATALOGUE } from '../functions/tenant-data.catalogue';
import { DirectoryRepository } from '../functions/tenants/directory.repository';
import { createTableInput, localDynamoDbClient } from './bootstrap';
import { readPlatformFile } from './platform-file';
import { LOCAL_REGIONS, LOCAL_TABLE_NAME, useLocalCredentials } from './platform.config';

/**
 * `npm run drill`: a recovery drill of the running local platform. In each region the tenants' data is restored into
 * a scratch table (a copy through the catalogue, the local stand-in of a point-in-time restore to a new table), each
 * tenant's counts per kind and audit chain are checked there, the outcome is recorded for the compliance report, and
 * the scratch table is deleted. Exits 1 when a tenant fails.
 */
export async function runLocalDrill(dynamoDbEndpoint: string, out: (line: string) => void, tableName = LOCAL_TABLE_NAME): Promise<TenantDrillResult[]> {
  useLocalCredentials();
  const results: TenantDrillResult[] = [];
  for (const region of LOCAL_REGIONS) {
    const raw = localDynamoDbClient(dynamoDbEndpoint, region);
    const scratchTable = `${tableName}${SCRATCH_TABLE_INFIX}${Date.now()}`;
    await raw.send(new CreateTableCommand(createTableInput(scratchTable)));
    try {
      await waitUntilTableExists({ client: raw, maxWaitTime: 30 }, { TableName: scratchTable });
      results.push(...(await drillRegion(dynamoDbEndpoint, region, tableName, scratchTable, out)));
    } finally {
      await raw.send(new DeleteTableCommand({ TableName: scratchTable }));
      raw.destroy();
    }
  }
  return results;
}

async function drillRegion(endpoint: string, region: string, tableName: string, scratchTable: string, out: (line: string) => void) {
  const config = (table: string) =>
    parseRuntimeConfig({ AWS_REGION: region, TABLE_NAME: table, DYNAMODB_ENDPOINT: endpoint, DATA_CREDENTIALS: 'local', LOG_LEVEL: 'ERROR' });
  const live = config(tableName);
  const scratch = config(scratchTable);
  const { db, executor } = createTenantWrites(live);
  const drill = new RecoveryDrill({
    live: { db, tableName },
    audit: executor,
    scratch: { db: (tenantId) => isolationOf(scratch).forTenant(tenantId), tableName: scratchTable },
    catalogue: TENANT_DATA_CATALOGUE,
    cursors: drillCursors(),
  });
  const directory = new DirectoryRepository(isolationOf(live).directoryDb(), tableName);
  const results: TenantDrillResult[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await directory.list(100, start);
    for (const entry of page.items.filter((candidate) => candidate.region === region && candidate.status !== 'DELETED')) {
      const result = await drill.drill(entry.tenantId);
      out(`${region}  ${entry.tenantId.padEnd(24)} ${result.succeeded ? 'ok    ' : 'FAILED'} ${result.detail}`);
      results.push(result);
    }
    start = page.lastEvaluatedKey;
  } while (start);
  return results;
}

async function main(): Promise<void> {
  const dataDir = resolve(process.env.LOCAL_DATA_DIR || '.local');
  const file = readPlatformFile(join(dataDir, 'platform.json'));
  if (!file) throw new Error(`${join(dataDir, 'platform.json')} does not exist: start the local platform first (npm start)`);
  const results = await runLocalDrill(file.dynamoDbEndpoint, (line) => console.log(line));
  const failed = results.filter((result) => !result.succeeded).length;
  console.log(`${results.length} tenants drilled, ${failed} failed`);
  if (failed > 0) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
