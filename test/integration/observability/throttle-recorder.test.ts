import { gzipSync } from 'node:zlib';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { CloudWatchLogsEvent } from 'aws-lambda';
import { parseRuntimeConfig } from '../../../functions/api/runtime-config';
import { createHandler } from '../../../functions/api/throttle-recorder';
import * as keys from '../../../functions/data/table-keys';
import { monthOf } from '../../../functions/quotas/quota.counters';
import { USAGE_ATTRIBUTES } from '../../../functions/usage/usage.meter';
import { LOCAL_TABLE_NAME } from '../../../local/platform.config';
import { emulatorEndpoints } from '../../support/emulators';
import { resourceFixture, tenantAdmin } from '../../support/resources';

/**
 * In AWS, usage-plan throttles never reach a function: the throttle recorder reads them from the stage's access log
 * (a subscription filter on status 429). Against DynamoDB Local: what it records shows in the tenant's health answer.
 */

const { dynamoDbEndpoint } = emulatorEndpoints();
const config = parseRuntimeConfig({
  AWS_REGION: 'eu-central-1',
  TABLE_NAME: LOCAL_TABLE_NAME,
  DYNAMODB_ENDPOINT: dynamoDbEndpoint,
  DATA_CREDENTIALS: 'local',
  LOG_LEVEL: 'ERROR',
});
const fixture = resourceFixture();
afterAll(() => fixture.close());

/** A subscription delivery of access log lines (status and tenant are what the recorder reads). */
function delivery(lines: { at: number; status: string; tenantId: string }[]): CloudWatchLogsEvent {
  const data = {
    messageType: 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup: 'Region-eu-central-1-ApiAccessLogs',
    logStream: 'stream',
    subscriptionFilters: ['ThrottlesSubscription'],
    logEvents: lines.map((line, i) => ({
      id: String(i),
      timestamp: line.at,
      message: JSON.stringify({ requestId: `r${i}`, status: line.status, tenantId: line.tenantId, errorType: 'THROTTLED', principalType: 'user' }),
    })),
  };
  return { awslogs: { data: gzipSync(Buffer.from(JSON.stringify(data))).toString('base64') } };
}

describe('throttle recorder against DynamoDB Local', () => {
  it('adds the access log’s 429s to each tenant’s health, by the hour they happened in, and nothing for unknown tenants', async () => {
    // Prepare
    const [busy, quiet] = await Promise.all([fixture.createTenant('free'), fixture.createTenant('team')]);
    const now = Date.now();
    const lastHour = now - 3_600_000;
    const handler = createHandler(config);

    // Act: two deliveries, as CloudWatch Logs batches them
    await handler(
      delivery([
        ...Array.from({ length: 3 }, () => ({ at: now, status: '429', tenantId: busy })),
        { at: lastHour, status: '429', tenantId: busy },
        { at: now, status: '200', tenantId: quiet },
        { at: now, status: '429', tenantId: 'no-such-tenant-here' },
      ]),
    );
    await handler(delivery([{ at: now, status: '429', tenantId: busy }]));

    // Assess
    const health = async (tenantId: string) =>
      (await fixture.call('usage', 'GET', '/v1/tenants/{tenantId}/health', { pathParameters: { tenantId }, auth: tenantAdmin(tenantId) })).json;
    const [busyHealth, quietHealth] = await Promise.all([health(busy), health(quiet)]);
    expect({ hour: busyHealth.hour.throttles, day: busyHealth.day.throttles }).toEqual({ hour: 4, day: 5 });
    expect({ hour: quietHealth.hour.throttles, day: quietHealth.day.throttles }).toEqual({ hour: 0, day: 0 });
    const { pk } = keys.tenantHealthHour('no-such-tenant-here', '2026-01-01T00');
    const stray = await fixture.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } });
    expect(stray).toEqual([]);
    // The capacity the recorder's writes consumed is the busy tenant's cost, flushed after each delivery
    const { Item } = await fixture.raw.send(
      new GetCommand({ TableName: LOCAL_TABLE_NAME, Key: keys.usagePeriod(busy, monthOf(new Date(now))), ConsistentRead: true }),
    );
    expect(Number(Item?.[USAGE_ATTRIBUTES.writeUnits] ?? 0)).toBeGreaterThan(0);
  });
});
