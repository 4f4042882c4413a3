import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { createHandler as createMemoryExpiry } from '../../../functions/api/memory-expiry';
import { parseRuntimeConfig } from '../../../functions/api/runtime-config';
import * as keys from '../../../functions/data/table-keys';
import { COUNTER_ATTRIBUTES } from '../../../functions/data/mutation.ports';
import { monthOf } from '../../../functions/quotas/quota.counters';
import { USAGE_ATTRIBUTES } from '../../../functions/usage/usage.meter';
import { emulatorEndpoints } from '../../support/emulators';
import { resourceFixture } from '../../support/resources';

/**
 * Functions that serve no route still consume capacity on the tenants' behalf, and it is the tenants' cost: the
 * memory-expiry consumer (as every consumer, schedule and trigger) writes what its instance metered before the
 * invocation ends, since no metered request comes to write it and Lambda may end the container first.
 */

const REGION = 'eu-central-1';
const fixture = resourceFixture();
afterAll(() => fixture.close());

/** The tenant's usage item of this month: the metered capacity units (zero where nothing was written). */
async function meteredUnits(tenantId: string): Promise<{ read: number; write: number }> {
  const { Item } = await fixture.raw.send(
    new GetCommand({ TableName: fixture.tableName, Key: keys.usagePeriod(tenantId, monthOf(new Date())), ConsistentRead: true }),
  );
  return { read: Number(Item?.[USAGE_ATTRIBUTES.readUnits] ?? 0), write: Number(Item?.[USAGE_ATTRIBUTES.writeUnits] ?? 0) };
}

describe('metering of functions that serve no route', () => {
  it("writes the capacity a TTL removal's quota give-back consumed to the tenant's usage before the invocation ends", async () => {
    // Prepare: a memory removed by TTL (deleted, and its stream record made as DynamoDB Streams delivers it)
    const tenantId = await fixture.createTenant('free');
    const agentId = (
      await fixture.call('agents', 'POST', '/v1/tenants/{tenantId}/agents', { pathParameters: { tenantId }, body: { name: 'a', modelId: 'local.echo' } })
    ).json.agentId;
    const memoryId = (
      await fixture.call('memories', 'POST', '/v1/tenants/{tenantId}/agents/{agentId}/memories', {
        pathParameters: { tenantId, agentId },
        body: { content: 'c' },
      })
    ).json.memoryId;
    const key = keys.memory(tenantId, agentId, memoryId);
    const { Attributes: removed } = await fixture.raw.send(new DeleteCommand({ TableName: fixture.tableName, Key: key, ReturnValues: 'ALL_OLD' }));
    const record: DynamoDBRecord = {
      eventID: 'ttl-1',
      eventName: 'REMOVE',
      eventSource: 'aws:dynamodb',
      awsRegion: REGION,
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
      dynamodb: { Keys: marshall(key) as never, OldImage: marshall(removed!) as never, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    };
    const config = parseRuntimeConfig({
      AWS_REGION: REGION,
      TABLE_NAME: fixture.tableName,
      DYNAMODB_ENDPOINT: emulatorEndpoints().dynamoDbEndpoint,
      DATA_CREDENTIALS: 'local',
      LOG_LEVEL: 'ERROR',
    });
    const before = await meteredUnits(tenantId);

    // Act
    await createMemoryExpiry(config)({ Records: [record] });

    // Assess: the quota came back, and what that took is in the tenant's usage item already
    const { Item: counter } = await fixture.raw.send(
      new GetCommand({ TableName: fixture.tableName, Key: keys.memoryCounter(tenantId, agentId), ConsistentRead: true }),
    );
    expect(counter?.[COUNTER_ATTRIBUTES.count]).toBe(0);
    const after = await meteredUnits(tenantId);
    expect(after.write).toBeGreaterThan(before.write);
    expect(after.read).toBeGreaterThan(before.read);
  });
});
