import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { Mutation } from '../../../functions/data/mutation.executor';
import * as keys from '../../../functions/data/table-keys';
import { MemoryExpiryService, TTL_PRINCIPAL } from '../../../functions/memories/memory-expiry.service';

const memoryItem = {
  ...keys.memory('acme', 'agent-1', '01JAAAAAAAAAAAAAAAAAAAAAAA'),
  memoryId: '01JAAAAAAAAAAAAAAAAAAAAAAA',
  agentId: 'agent-1',
  content: 'hi',
  metadata: {},
  tags: [],
  version: 2,
  expiresAt: 1,
};

function record(overrides: Partial<DynamoDBRecord> = {}, item: Record<string, unknown> = memoryItem): DynamoDBRecord {
  return {
    eventID: 'ev-1',
    eventName: 'REMOVE',
    userIdentity: { type: 'Service', principalId: TTL_PRINCIPAL },
    dynamodb: { OldImage: marshall(item) as never },
    ...overrides,
  };
}

describe('MemoryExpiryService', () => {
  it('gives back the count and bytes of a memory removed by TTL, audited as system:ttl, once per stream record', async () => {
    // Prepare
    const mutations: Mutation[] = [];
    const service = new MemoryExpiryService({
      execute: async (m) => {
        mutations.push(m);
        return { replayed: false, entry: {} as never };
      },
    });
    // Act
    const handled = await service.handle([record()]);
    // Assess
    expect(handled).toBe(1);
    expect(mutations[0]).toMatchObject({
      tenantId: 'acme',
      event: { actor: 'system:ttl', action: 'memory.expire', target: 'agent/agent-1/memory/01JAAAAAAAAAAAAAAAAAAAAAAA' },
      quotas: [{ counter: { key: keys.memoryCounter('acme', 'agent-1') }, delta: -1 }],
      idempotency: { key: 'ttl:ev-1' },
    });
    expect(mutations[0].quotas?.[0].bytes).toBeLessThan(0);
  });

  it('skips deletes by users, other items and other events', async () => {
    const execute = jest.fn();
    const service = new MemoryExpiryService({ execute });
    const handled = await service.handle([
      record({ userIdentity: undefined }),
      record({ eventName: 'MODIFY' }),
      record({}, { ...keys.memoryCounter('acme', 'agent-1'), count: 1 }),
      record({}, { ...keys.tenantProfile('acme'), plan: 'free' }),
    ]);
    expect(handled).toBe(0);
    expect(execute).not.toHaveBeenCalled();
  });
});
