import { HASH_CHAIN } from '../../../functions/audit/audit-chain';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { PLANS } from '../../../functions/billing/plan.catalogue';
import { ConflictError, NotFoundError, QuotaExceededError } from '../../../functions/core/errors';
import { MutationContentionError, MutationExecutor, type Mutation } from '../../../functions/data/mutation.executor';
import { quotaCounters } from '../../../functions/quotas/quota.counters';

type Reason = { Code: string; Item?: Record<string, unknown> };

/** A DocumentClient stand-in: answers head reads with nothing, and transactions from a script of outcomes. */
function scriptedDb(outcomes: ((items: unknown[]) => Reason[] | undefined)[]) {
  const transactions: { TransactItems: Record<string, any>[] }[] = [];
  const db = {
    send: async (command: unknown) => {
      if (command instanceof GetCommand) return {};
      if (command instanceof TransactWriteCommand) {
        const input = command.input as { TransactItems: Record<string, any>[] };
        transactions.push(input);
        const reasons = outcomes[transactions.length - 1]?.(input.TransactItems);
        if (!reasons) return {};
        throw new TransactionCanceledException({
          message: 'cancelled',
          $metadata: {},
          CancellationReasons: reasons.map((r) => ({ Code: r.Code, ...(r.Item ? { Item: marshall(r.Item) } : {}) })),
        });
      }
      throw new Error('unexpected command');
    },
  } as unknown as DynamoDBDocumentClient;
  return { db, transactions };
}

const plans = { planOf: jest.fn(async () => PLANS.free) };

function executor(outcomes: ((items: unknown[]) => Reason[] | undefined)[]) {
  const scripted = scriptedDb(outcomes);
  const instance = new MutationExecutor({ chain: HASH_CHAIN, db: () => scripted.db, tableName: 't', plans, sleep: async () => undefined, maxAttempts: 4 });
  return { instance, ...scripted };
}

/** Reasons that fail only the item at `index` (by role in the built transaction), the rest `None`. */
const failAt =
  (predicate: (item: Record<string, any>) => boolean, code = 'ConditionalCheckFailed', item?: Record<string, unknown>) =>
  (items: unknown[]) =>
    (items as Record<string, any>[]).map((i) => (predicate(i) ? { Code: code, ...(item ? { Item: item } : {}) } : { Code: 'None' }));

const mutation = (overrides: Partial<Mutation> = {}): Mutation => ({
  tenantId: 'acme',
  event: { actor: 'user:u', action: 'agent.create', target: 'agent/a1', requestId: 'r1', change: { name: 'A' } },
  writes: [
    {
      put: { Item: { pk: 'T#acme#AGENT', sk: 'AGENT#a1' }, ConditionExpression: 'attribute_not_exists(pk)' },
      onConditionFailed: () => new ConflictError('exists'),
    },
  ],
  quotas: [{ counter: quotaCounters.agents('acme'), delta: 1 }],
  ...overrides,
});

const isQuota = (i: Record<string, any>) => i.Update?.Key?.sk === 'AGENTS';
const isEntry = (i: Record<string, any>) => String(i.Put?.Item?.pk ?? '').endsWith('#AUDIT#PENDING');
const isAuditHead = (i: Record<string, any>) => String(i.Put?.Item?.sk ?? '').startsWith('HEAD#') || String(i.Update?.Key?.sk ?? '').startsWith('HEAD#');
const isWrite = (i: Record<string, any>) => i.Put?.Item?.sk === 'AGENT#a1' || i.Delete?.Key?.sk === 'AGENT#a1';
const isIdempotency = (i: Record<string, any>) => String(i.Put?.Item?.pk ?? '').includes('#IDEMPOTENCY#');
const isPlan = (i: Record<string, any>) => i.ConditionCheck?.Key?.sk === 'PROFILE';

describe('MutationExecutor', () => {
  it('writes item, counter, plan check and a pending audit entry in one transaction, touching no audit head', async () => {
    // Prepare
    const { instance, transactions } = executor([() => undefined]);
    // Act
    const outcome = await instance.execute(mutation());
    // Assess
    expect(transactions).toHaveLength(1);
    const items = transactions[0].TransactItems;
    expect(items.filter(isWrite)).toHaveLength(1);
    expect(items.filter(isQuota)[0].Update.ConditionExpression).toBe('(attribute_not_exists(#count) OR #count <= :max)');
    expect(items.filter(isQuota)[0].Update.ExpressionAttributeValues[':max']).toBe(PLANS.free.limits.agents - 1);
    expect(items.filter(isPlan)).toHaveLength(1);
    expect(items.filter(isEntry)[0].Put.ConditionExpression).toBe('attribute_not_exists(#pk)');
    expect(items.filter(isAuditHead)).toEqual([]);
    expect(outcome).toMatchObject({ replayed: false, entry: { action: 'agent.create', id: expect.stringMatching(/^[0-9A-Z]{26}$/) } });
    expect((outcome as { entry: object }).entry).not.toHaveProperty('seq');
  });

  it('maps a failed counter condition to QuotaExceededError with the limit and current usage', async () => {
    const { instance } = executor([failAt(isQuota, 'ConditionalCheckFailed', { pk: 'x', sk: 'AGENTS', count: 3 })]);
    const error = await instance.execute(mutation()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect((error as QuotaExceededError).extensions).toMatchObject({ quota: 'agents', limit: 3, usage: 3, plan: 'free' });
  });

  it("maps a failed item condition to the write's own error", async () => {
    const { instance } = executor([failAt(isWrite)]);
    await expect(instance.execute(mutation())).rejects.toBeInstanceOf(ConflictError);
  });

  it('prefers a replay over any other failed condition when the idempotency record exists', async () => {
    const stored = { status: 201, body: { agentId: 'first' } };
    const { instance } = executor([
      (items) =>
        (items as Record<string, any>[]).map((i) =>
          isIdempotency(i)
            ? { Code: 'ConditionalCheckFailed', Item: { fingerprint: 'f', response: JSON.stringify(stored) } }
            : isQuota(i)
              ? { Code: 'ConditionalCheckFailed' }
              : { Code: 'None' },
        ),
    ]);
    const outcome = await instance.execute(mutation({ idempotency: { key: 'k', fingerprint: 'f' }, response: { status: 201, body: { agentId: 'second' } } }));
    expect(outcome).toEqual({ replayed: true, response: stored });
  });

  it('answers 409 when the key was used with another request', async () => {
    const { instance } = executor([failAt(isIdempotency, 'ConditionalCheckFailed', { fingerprint: 'other', response: '{}' })]);
    await expect(instance.execute(mutation({ idempotency: { key: 'k', fingerprint: 'f' }, response: { status: 201 } }))).rejects.toBeInstanceOf(ConflictError);
  });

  it('retries with a new entry id when the id was taken, and with a fresh plan when the plan changed', async () => {
    // Prepare
    const { instance, transactions } = executor([failAt(isEntry), failAt(isPlan), () => undefined]);
    plans.planOf.mockClear();
    // Act
    const outcome = await instance.execute(mutation());
    // Assess
    expect(transactions).toHaveLength(3);
    const ids = transactions.map((t) => t.TransactItems.filter(isEntry)[0].Put.Item.id);
    expect(new Set(ids).size).toBe(3);
    expect(plans.planOf).toHaveBeenLastCalledWith('acme', { fresh: true });
    expect(outcome).toMatchObject({ replayed: false, entry: { id: ids[2] } });
  });

  it('retries transaction conflicts and gives up with a 429 contention error', async () => {
    const conflict = failAt(() => true, 'TransactionConflict');
    const { instance, transactions } = executor([conflict, conflict, conflict, conflict]);
    await expect(instance.execute(mutation())).rejects.toBeInstanceOf(MutationContentionError);
    expect(transactions).toHaveLength(4);
  });

  it('lets a caller turn a missing item into NotFound from the old image', async () => {
    const { instance } = executor([failAt(isWrite)]);
    const error = await instance
      .execute(
        mutation({
          writes: [
            {
              delete: { Key: { pk: 'T#acme#AGENT', sk: 'AGENT#a1' }, ConditionExpression: 'attribute_exists(pk)' },
              onConditionFailed: (current) => (current ? new ConflictError('x') : new NotFoundError('gone')),
            },
          ],
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
  });
});
