import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../../functions/data/clients';
import * as keys from '../../../functions/data/table-keys';
import { monthOf } from '../../../functions/quotas/quota.counters';
import { USAGE_ATTRIBUTES } from '../../../functions/usage/usage.meter';
import { localDynamoDbClient } from '../../../local/bootstrap';
import { LOCAL_TABLE_NAME } from '../../../local/platform.config';
import { emulatorEndpoints } from '../../support/emulators';
import { startTestPlatform } from '../../support/platform';

/**
 * When the local platform stops, its functions write what their usage meters still hold, as Lambda's shutdown signal
 * makes a container do (writeOnShutdown): a quiet tenant's last requests are not lost with the process.
 */
it("writes a tenant's requests that no flush had written yet when the platform stops", async () => {
  // Prepare: a few requests, fewer than a flush waits for and sooner than its age bound
  const platform = await startTestPlatform();
  const tenant = await platform.createTenant({ plan: 'team' });
  const { idToken } = await platform.signIn(tenant.clientId, tenant.admin);
  for (let i = 0; i < 3; i++)
    expect((await platform.call('eu-central-1', 'GET', `/v1/tenants/${tenant.tenantId}/agents`, { token: idToken })).status).toBe(200);
  const raw = createDocumentClient(localDynamoDbClient(emulatorEndpoints().dynamoDbEndpoint, 'eu-central-1'));
  const requestsMetered = async () => {
    const { Item } = await raw.send(
      new GetCommand({ TableName: LOCAL_TABLE_NAME, Key: keys.usagePeriod(tenant.tenantId, monthOf(new Date())), ConsistentRead: true }),
    );
    return Number(Item?.[USAGE_ATTRIBUTES.requests] ?? 0);
  };
  const before = await requestsMetered();

  // Act
  await platform.close();

  // Assess
  expect(before).toBe(0);
  expect(await requestsMetered()).toBe(3);
  raw.destroy();
}, 60_000);
