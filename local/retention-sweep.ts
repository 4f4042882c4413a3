import './sdk-quiet';
import { join, resolve } from 'node:path';
import { createHandler } from '../functions/api/retention-sweep';
import { parseRuntimeConfig } from '../functions/api/runtime-config';
import type { RegionSweepReport } from '../functions/portability/retention-sweep';
import { readPlatformFile } from './platform-file';
import { LOCAL_REGIONS, LOCAL_TABLE_NAME, useLocalCredentials } from './platform.config';

/**
 * `npm run retention-sweep`: the retention sweep of the running local platform at once (it also runs hourly on the
 * platform's timer, as the schedule runs it in AWS): in each region, every tenant's items of the expiring kinds are
 * brought in line with its retention settings and legal hold. Exits 1 when a tenant fails.
 */
export async function runLocalRetentionSweep(
  dynamoDbEndpoint: string,
  out: (line: string) => void,
  tableName = LOCAL_TABLE_NAME,
): Promise<RegionSweepReport[]> {
  useLocalCredentials();
  const reports: RegionSweepReport[] = [];
  for (const region of LOCAL_REGIONS) {
    const config = parseRuntimeConfig({
      AWS_REGION: region,
      TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: dynamoDbEndpoint,
      DATA_CREDENTIALS: 'local',
      LOG_LEVEL: 'ERROR',
    });
    const report = await createHandler(config)({ id: `cli-${Date.now()}` });
    out(`${region}  ${report.tenants} tenants swept, ${report.changed} changed, ${report.failed.length} failed`);
    for (const failure of report.failed) out(`${region}  ${failure.tenantId}: ${failure.error}`);
    reports.push(report);
  }
  return reports;
}

async function main(): Promise<void> {
  const dataDir = resolve(process.env.LOCAL_DATA_DIR || '.local');
  const file = readPlatformFile(join(dataDir, 'platform.json'));
  if (!file) throw new Error(`${join(dataDir, 'platform.json')} does not exist: start the local platform first (npm start)`);
  const reports = await runLocalRetentionSweep(file.dynamoDbEndpoint, (line) => console.log(line));
  if (reports.some((report) => report.failed.length > 0)) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
