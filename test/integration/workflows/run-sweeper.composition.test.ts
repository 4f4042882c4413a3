import { randomBytes } from 'node:crypto';
import { createRunConsumerDependencies } from '../../../functions/api/run-consumer';
import { parseRuntimeConfig } from '../../../functions/api/runtime-config';
import { bootstrapTables } from '../../../local/bootstrap';
import { LOCAL_REGIONS } from '../../../local/platform.config';
import { emulatorEndpoints } from '../../support/emulators';
import { startTestPlatform, type TestPlatform } from '../../support/platform';

/**
 * The sweeper as the run consumer's composition root builds it: the region's tenants from the directory (through the
 * directory's read-only client), each tenant's open runs through that tenant's scoped client. A table of its own, so
 * the tenants counted are this file's.
 */

let platform: TestPlatform;
let tableName: string;

beforeAll(async () => {
  tableName = `sweep-${randomBytes(4).toString('hex')}`;
  await bootstrapTables({ endpoint: emulatorEndpoints().dynamoDbEndpoint, regions: LOCAL_REGIONS, tableName });
  platform = await startTestPlatform({ tableName });
}, 30_000);

afterAll(async () => {
  await platform?.close();
});

it("sweeps the ACTIVE tenants homed in the consumer's region, and only those (a suspended tenant's runs wait)", async () => {
  // Prepare: two tenants here (one suspended), one homed in the other region.
  const [here, suspended] = [await platform.createTenant(), await platform.createTenant()];
  await platform.createTenant({ region: LOCAL_REGIONS[1] });
  const admin = await platform.platformAdmin();
  const { idToken } = await platform.signIn(admin.clientId, admin);
  expect((await platform.call(LOCAL_REGIONS[0], 'POST', `/v1/tenants/${suspended.tenantId}/suspend`, { token: idToken })).status).toBe(200);
  const config = parseRuntimeConfig({
    AWS_REGION: LOCAL_REGIONS[0],
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: emulatorEndpoints().dynamoDbEndpoint,
    DATA_CREDENTIALS: 'local',
    STAGE: 'local',
    LOG_LEVEL: 'ERROR',
    RUNS_QUEUE_URL: 'http://127.0.0.1:9/000000000000/runs',
  });

  // Act
  const report = await createRunConsumerDependencies(config).sweeper?.sweep();

  // Assess
  expect(here.region).toBe(LOCAL_REGIONS[0]);
  expect(report).toEqual({ tenants: 1, examined: 0, redriven: 0, failedTenants: 0 });
});
