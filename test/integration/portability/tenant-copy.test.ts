import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { createHandler as createJobConsumer } from '../../../functions/api/job-consumer';
import type { createHandler as createPortabilityHandler } from '../../../functions/api/portability';
import { AuditRepository } from '../../../functions/audit/audit.repository';
import { CursorCodec } from '../../../functions/data/cursor';
import type { DataKind } from '../../../functions/data/data-kind';
import { tenantPrefix } from '../../../functions/data/keys';
import * as keys from '../../../functions/data/table-keys';
import type { MutationExecutor } from '../../../functions/data/mutation.executor';
import type { JobMessage } from '../../../functions/portability/job.queue';
import { bundlePrefix } from '../../../functions/portability/tenant-export';
import { rekeyed, unstamped } from '../../../functions/portability/tenant-copy';
import { TENANT_DATA_CATALOGUE } from '../../../functions/tenant-data.catalogue';
import { LOCAL_REGIONS } from '../../../local/platform.config';
import { tenantAdmin } from '../../support/resources';
import { createPortabilityFixture, PLATFORM_ADMIN, jobHandlers, jobQueueEvent, routeCaller, type PortabilityFixture } from './portability-fixture';

/**
 * A platform admin's import of another tenant's bundle, through the real group handler and job consumer over DynamoDB
 * Local and the S3-compatible server: the content kinds (agents, their memories, workflows, tools) arrive under the
 * target's keys with its quota counters equal to them, nothing else of the source crosses, the target's log records
 * the copy with the source's chain head, a second run changes nothing, a copy beyond the target's plan writes nothing,
 * and a copy that stopped half-way is finished by running it again.
 */

const [EU] = LOCAL_REGIONS;
const COPIED = ['agent', 'memory', 'workflow', 'tool'];
let fixture: PortabilityFixture;
const sent: JobMessage[] = [];
let handler: ReturnType<typeof createPortabilityHandler>;
let consumer: ReturnType<typeof createJobConsumer>;
let source: string;
let exportId: string;

beforeAll(async () => {
  fixture = await createPortabilityFixture('tenant-copy');
  ({ handler, consumer } = jobHandlers(fixture, sent));
  source = await fixture.onboard('cs');
  await fixture.live(source, {
    agents: [
      { instructions: 'copy me', memories: ['first', 'second'] },
      { instructions: 'and me', memories: ['third'] },
      { instructions: 'deleted later', memories: ['left behind'] },
    ],
    runs: [1],
    apiKeys: 1,
    members: 1,
  });
  // The third agent is deleted after its memories were written: they stay in the source, without their agent.
  const agents = (await items(source)).filter((item) => kindOf(source, item)?.name === 'agent');
  const deleted = agents.find((item) => item.instructions === 'deleted later');
  const { db, tableName } = fixture.lifecycle.regions[EU].local;
  await db(source).send(new DeleteCommand({ TableName: tableName, Key: { pk: deleted?.pk, sk: deleted?.sk } }));
  // A memory past its expiry that TTL has not removed yet (DynamoDB Local runs no TTL): gone for its readers.
  const [memory] = (await items(source)).filter((item) => kindOf(source, item)?.name === 'memory' && item.agentId !== deleted?.agentId);
  const expired = { ...memory, ...keys.memory(source, String(memory.agentId), '01J00000000000000000000000'), memoryId: '01J00000000000000000000000' };
  await db(source).send(new PutCommand({ TableName: tableName, Item: { ...expired, expiresAt: Math.floor(Date.now() / 1000) - 60 } }));
  const started = await call('POST', EXPORTS, { tenantId: source }, { auth: tenantAdmin(source) });
  await drain();
  exportId = started.json.jobId;
}, 120_000);

afterAll(async () => {
  await fixture?.dispose();
});

const call = routeCaller(
  () => handler,
  'copy-req',
  () => PLATFORM_ADMIN,
);

/** Delivers every message sent so far to the consumer, as the queue's event source would (first delivery). */
function drain() {
  return consumer(jobQueueEvent(sent.splice(0)));
}

const EXPORTS = '/v1/tenants/{tenantId}/exports';
const IMPORTS = '/v1/tenants/{tenantId}/imports';
const IMPORT = '/v1/tenants/{tenantId}/imports/{jobId}';

function items(tenantId: string): Promise<Record<string, unknown>[]> {
  return fixture.lifecycle.scanPrefix(EU, tenantPrefix(tenantId));
}

function kindOf(tenantId: string, item: Record<string, unknown>): DataKind | undefined {
  return TENANT_DATA_CATALOGUE.find((kind) => kind.owns({ pk: String(item.pk), sk: String(item.sk) }, tenantId));
}

/** The tenant's items of the given kinds, without retention stamps (each tenant stamps by its own settings), sorted by key. */
async function content(tenantId: string, kinds: readonly string[] = COPIED): Promise<Record<string, unknown>[]> {
  const kept = (await items(tenantId)).filter((item) => kinds.includes(kindOf(tenantId, item)?.name ?? ''));
  return kept.map(unstamped).sort((a, b) => `${a.pk} ${a.sk}`.localeCompare(`${b.pk} ${b.sk}`));
}

/** The source's content as it should arrive: under the target's keys, the memories of the deleted agent and the expired one left out. */
async function expectedIn(target: string): Promise<Record<string, unknown>[]> {
  const expired = new Set(
    (await items(source)).filter((item) => typeof item.expiresAt === 'number' && item.expiresAt * 1000 <= Date.now()).map((item) => `${item.pk} ${item.sk}`),
  );
  const all = (await content(source)).filter((item) => !expired.has(`${item.pk} ${item.sk}`));
  const agents = new Set(all.filter((item) => kindOf(source, item)?.name === 'agent').map((item) => item.agentId));
  const byKind = (item: Record<string, unknown>) => kindOf(source, item) as DataKind;
  return all
    .filter((item) => byKind(item).name !== 'memory' || agents.has(item.agentId))
    .map((item) => rekeyed(byKind(item), item, source, target))
    .sort((a, b) => `${a.pk} ${a.sk}`.localeCompare(`${b.pk} ${b.sk}`));
}

async function counter(key: { pk: string; sk: string }): Promise<{ count?: number; bytes?: number }> {
  const found = (await fixture.lifecycle.scanPrefix(EU, key.pk)).find((item) => item.sk === key.sk);
  return { count: found?.count as number | undefined, bytes: found?.bytes as number | undefined };
}

async function startCopy(target: string, auth = PLATFORM_ADMIN) {
  const started = await call('POST', IMPORTS, { tenantId: target }, { body: { exportId, sourceTenantId: source }, auth });
  await drain();
  return { started, done: started.statusCode === 202 ? await call('GET', IMPORT, { tenantId: target, jobId: started.json.jobId }) : undefined };
}

describe("a platform admin's import of another tenant's bundle", () => {
  let target: string;

  it('copies the agents, their memories, workflows and tools under the target keys, with counters equal to them', async () => {
    // Prepare
    target = await fixture.onboard('ct');
    const before = await items(target);

    // Act
    const { started, done } = await startCopy(target);
    const after = await items(target);

    // Assess: the job is the target's, its bundle the source's
    expect(started.statusCode).toBe(202);
    expect(started.json).toMatchObject({ type: 'import', state: 'QUEUED', bundle: { tenantId: source, exportId } });
    expect(done?.json).toMatchObject({ state: 'SUCCEEDED', errors: [] });
    expect(done?.json.progress.map((entry: { kind: string }) => entry.kind)).toEqual(COPIED);
    // The content, exactly: 2 agents (the deleted one's memory left behind), 3 memories, 1 workflow, 1 tool
    const copied = await content(target);
    expect(copied).toEqual(await expectedIn(target));
    expect(copied.map((item) => kindOf(target, item)?.name).sort()).toEqual(['agent', 'agent', 'memory', 'memory', 'memory', 'tool', 'workflow']);
    // Nothing else of the source crossed: no item of any other kind came to the target, and no key names the source
    const others = (list: Record<string, unknown>[]) => list.filter((item) => !COPIED.includes(kindOf(target, item)?.name ?? '')).map((item) => item.pk);
    const arrived = new Set(after.filter((item) => !before.some((old) => old.pk === item.pk && old.sk === item.sk)).map((item) => kindOf(target, item)?.name));
    const bookkeeping = ['audit-entry', 'audit-head', 'idempotency-record', 'memory-counter', 'nested-partition', 'portability-job', 'quota-counter'];
    expect([...arrived].filter((name) => !COPIED.includes(String(name)) && !bookkeeping.includes(String(name)))).toEqual([]);
    expect(others(after).every((pk) => String(pk).startsWith(tenantPrefix(target)))).toBe(true);
    expect(JSON.stringify(after)).not.toContain(tenantPrefix(source));
    // The counters equal the items: count and bytes of the agents, each agent's memories, workflows and tools
    const agents = copied.filter((item) => kindOf(target, item)?.name === 'agent');
    expect((await counter(keys.quotaCounter(target, 'AGENTS'))).count).toBe(2);
    expect((await counter(keys.quotaCounter(target, 'WORKFLOWS'))).count).toBe(1);
    expect((await counter(keys.quotaCounter(target, 'TOOLS'))).count).toBe(1);
    for (const agent of agents) {
      const memories = copied.filter((item) => kindOf(target, item)?.name === 'memory' && item.agentId === agent.agentId);
      expect((await counter(keys.memoryCounter(target, String(agent.agentId)))).count).toBe(memories.length);
    }
  });

  it("records the copy in the target's log, naming the source and its chain head, and the log verifies", async () => {
    // Act
    const entries = (await items(target)).filter((item) => typeof item.action === 'string');
    const { db, tableName } = fixture.lifecycle.regions[EU].local;
    await fixture.seal(target);

    // Assess
    const actions = entries.map((item) => item.action);
    expect(actions).toEqual(expect.arrayContaining(['import.start', 'import.copy', 'tenant.import', 'import.succeed']));
    const closing = entries.find((item) => item.action === 'tenant.import');
    expect(String(closing?.target)).toMatch(new RegExp(`^import/${exportId}/from/${source}/chain/0-\\d+-[0-9a-f]{64}`));
    const cursors = new CursorCodec('tenant-copy-verify-cursor-secret-32-chars');
    expect(await new AuditRepository({ db: db(target), tableName, tenantId: target, cursors, lanes: 1 }).verify()).toMatchObject({ valid: true });
  });

  it('changes nothing when the same bundle is imported again', async () => {
    // Prepare
    const before = await content(target, [...COPIED, 'quota-counter', 'memory-counter']);

    // Act
    const { done } = await startCopy(target);

    // Assess
    expect(done?.json.state).toBe('SUCCEEDED');
    expect(await content(target, [...COPIED, 'quota-counter', 'memory-counter'])).toEqual(before);
  });

  it("refuses a tenant admin (403), and a bundle beyond the target's plan with nothing of it written", async () => {
    // Prepare: a target whose tools are at the plan's limit (tools are copied last: every other kind would fit)
    const full = await fixture.onboard('cf');
    const { db, tableName } = fixture.lifecycle.regions[EU].local;
    await db(full).send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.quotaCounter(full, 'TOOLS'),
        UpdateExpression: 'SET #count = :count',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':count': 200 },
      }),
    );
    const before = await content(full, [...COPIED, 'quota-counter', 'memory-counter']);

    // Act
    const byTenantAdmin = await startCopy(full, tenantAdmin(full));
    const { done } = await startCopy(full);

    // Assess
    expect(byTenantAdmin.started.statusCode).toBe(403);
    expect(done?.json).toMatchObject({
      state: 'FAILED',
      errors: [{ code: 'quota-exceeded', detail: expect.stringContaining('allows 200 tools; 200 in use and the bundle brings 1') }],
    });
    expect(await content(full, [...COPIED, 'quota-counter', 'memory-counter'])).toEqual(before);
  });

  it('refuses a bundle whose items the target holds already, before the first write', async () => {
    // Prepare: a target that holds the bundle's tool under its own keys (as from a copy of another export); tools are
    // copied last, so every other kind would be written before a batch found it
    const holding = await fixture.onboard('ch');
    const { db, tableName } = fixture.lifecycle.regions[EU].local;
    const [tool] = (await expectedIn(holding)).filter((item) => kindOf(holding, item)?.name === 'tool');
    await db(holding).send(new PutCommand({ TableName: tableName, Item: tool }));
    const before = await content(holding, [...COPIED, 'quota-counter', 'memory-counter']);

    // Act
    const { done } = await startCopy(holding);

    // Assess
    expect(done?.json).toMatchObject({
      state: 'FAILED',
      errors: [{ code: 'conflict', detail: expect.stringContaining(`already holds 1 of the bundle's items (the tool ${tool.sk} first)`) }],
    });
    expect(await content(holding, [...COPIED, 'quota-counter', 'memory-counter'])).toEqual(before);
  });

  it('finishes a copy that stopped half-way when it runs again, counting each item once', async () => {
    // Prepare: the copy's transactions fail from the third on (the agents and the first agent's memories are written)
    const resumed = await fixture.onboard('cr');
    const { mutations } = fixture.lifecycle.regions[EU].local;
    let calls = 0;
    const failing: Pick<MutationExecutor, 'execute' | 'findReplay'> = {
      findReplay: (tenantId, idempotency) => mutations.findReplay(tenantId, idempotency),
      execute: async (mutation) => {
        calls += 1;
        if (calls > 2) throw new Error('the function stopped');
        return mutations.execute(mutation);
      },
    };
    const stopped = fixture.copier(EU, failing);
    const request = {
      tenantId: resumed,
      sourceTenantId: source,
      bundlePrefix: bundlePrefix(source, exportId),
      actor: 'platform-admin:ops-1',
      requestId: 'copy-resume',
      jobId: '01J00000000000000000000001',
    };
    await expect(stopped.copy(request)).rejects.toThrow('the function stopped');
    const half = await content(resumed);

    // Act
    const result = await fixture.copier(EU).copy(request);

    // Assess
    expect(half.length).toBeGreaterThan(0);
    expect(half.length).toBeLessThan((await expectedIn(resumed)).length);
    expect(result.alreadyImported).toBe(false);
    expect(await content(resumed)).toEqual(await expectedIn(resumed));
    expect((await counter(keys.quotaCounter(resumed, 'AGENTS'))).count).toBe(2);
    const agents = (await content(resumed)).filter((item) => kindOf(resumed, item)?.name === 'agent');
    const memories = (await content(resumed)).filter((item) => kindOf(resumed, item)?.name === 'memory');
    const counted = await Promise.all(agents.map(async (agent) => (await counter(keys.memoryCounter(resumed, String(agent.agentId)))).count ?? 0));
    expect(counted.reduce((sum, count) => sum + count, 0)).toBe(memories.length);
  });
});
