import type { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as keys from '../../../functions/data/table-keys';
import { HEALTH_ATTRIBUTES } from '../../../functions/observability/tenant-health.attributes';
import { percentileOf } from '../../../functions/observability/tenant-health.service';
import { USAGE_ATTRIBUTES, UsageMeter } from '../../../functions/usage/usage.meter';

/** A tenant client that records the updates it is sent. */
function recordingDb() {
  const updates: UpdateCommand['input'][] = [];
  const client = { send: async (command: UpdateCommand) => updates.push(command.input) } as unknown as DynamoDBDocumentClient;
  return { updates, db: () => client };
}

/** The increments of an `ADD #a0 :a0, …` update, by attribute name. */
function addsOf(update: UpdateCommand['input']): Record<string, number> {
  // The ADD clause, wherever the expression puts it (clauses end where the next keyword begins).
  const clause = /(?:^| )ADD (.*?)(?= SET | REMOVE |$)/.exec(update.UpdateExpression ?? '')?.[1] ?? '';
  const adds = clause.split(', ');
  return Object.fromEntries(
    adds.map((pair) => {
      const [name, value] = pair.split(' ');
      return [update.ExpressionAttributeNames![name], Number(update.ExpressionAttributeValues![value])];
    }),
  );
}

/** The values an update SETs, by attribute name. */
function setsOf(update: UpdateCommand['input']): Record<string, unknown> {
  const clause = /(?:^| )SET (.*?)(?= ADD | REMOVE |$)/.exec(update.UpdateExpression ?? '')?.[1] ?? '';
  return Object.fromEntries(
    clause.split(', ').map((pair) => {
      const [name, value] = pair.split(' = ');
      return [update.ExpressionAttributeNames![name], update.ExpressionAttributeValues![value]];
    }),
  );
}

const T0 = Date.parse('2026-11-30T23:59:58Z');

describe('usage meter', () => {
  it('writes usage, cost and health figures of many requests with one update of the month item and one of the hour item', async () => {
    // Prepare
    const { updates, db } = recordingDb();
    const meter = new UsageMeter({ db, tableName: 't', flushEvery: 4, clock: () => T0 });

    // Act
    meter.addCapacity('acme', { readUnits: 0.5, writeUnits: 2 });
    meter.addTokens('acme', 'local.echo', 10, 3);
    await meter.addRequest('acme', { durationMs: 3.2, memoryMb: 512, status: 200 });
    await meter.addRequest('acme', { durationMs: 40, memoryMb: 512, status: 404 });
    await meter.addThrottle('acme');
    expect(updates).toHaveLength(0);
    await meter.addRequest('acme', { durationMs: 12_000, memoryMb: 512, status: 429, quotaRefused: true });

    // Assess
    expect(updates.map((update) => update.Key)).toEqual([keys.usagePeriod('acme', '2026-11'), keys.tenantHealthHour('acme', '2026-11-30T23')]);
    expect(addsOf(updates[0])).toEqual({
      [USAGE_ATTRIBUTES.requests]: 3,
      [USAGE_ATTRIBUTES.requestsOfDay('30')]: 3,
      [USAGE_ATTRIBUTES.invocations]: 3,
      [USAGE_ATTRIBUTES.computeMbMs]: (4 + 40 + 12_000) * 512,
      [USAGE_ATTRIBUTES.readUnits]: 0.5,
      [USAGE_ATTRIBUTES.writeUnits]: 2,
      [USAGE_ATTRIBUTES.inputTokens('local.echo')]: 10,
      [USAGE_ATTRIBUTES.outputTokens('local.echo')]: 3,
    });
    expect(addsOf(updates[1])).toEqual({
      [HEALTH_ATTRIBUTES.requests]: 3,
      [HEALTH_ATTRIBUTES.clientErrors]: 2,
      [HEALTH_ATTRIBUTES.throttles]: 1,
      [HEALTH_ATTRIBUTES.quotaRefusals]: 1,
      [HEALTH_ATTRIBUTES.latencyTotalMs]: 3 + 40 + 12_000,
      [HEALTH_ATTRIBUTES.latencyBucket('le5')]: 1,
      [HEALTH_ATTRIBUTES.latencyBucket('le50')]: 1,
      [HEALTH_ATTRIBUTES.latencyBucket('inf')]: 1,
    });
    // The hour item expires a week and an hour after its hour began.
    expect(setsOf(updates[1]).expiresAt).toBe(Date.parse('2026-11-30T23:00:00Z') / 1000 + 169 * 3600);
  });

  it('writes the figures of an hour to that hour and month once the clock passes into the next', async () => {
    // Prepare
    const { updates, db } = recordingDb();
    let now = T0;
    const meter = new UsageMeter({ db, tableName: 't', flushEvery: 100, flushAfterMs: 3_600_000, clock: () => now });

    // Act
    await meter.addRequest('acme', { durationMs: 1, memoryMb: 128, status: 200 });
    now = T0 + 5_000;
    await meter.addRequest('acme', { durationMs: 1, memoryMb: 128, status: 500 });
    await meter.flush();

    // Assess
    expect(updates.map((update) => `${update.Key?.sk}`)).toEqual([
      keys.usagePeriod('acme', '2026-11').sk,
      keys.tenantHealthHour('acme', '2026-11-30T23').sk,
      keys.usagePeriod('acme', '2026-12').sk,
      keys.tenantHealthHour('acme', '2026-12-01T00').sk,
    ]);
    expect(addsOf(updates[3])).toMatchObject({ [HEALTH_ATTRIBUTES.serverErrors]: 1, [HEALTH_ATTRIBUTES.requests]: 1 });
  });

  it("answers the first request of a new hour only once the ended hour's figures are written", async () => {
    // Prepare: writes that complete only when the test lets them.
    const written: string[] = [];
    const releases: (() => void)[] = [];
    const client = {
      send: (command: UpdateCommand) => new Promise<void>((resolve) => releases.push(() => resolve(void written.push(`${command.input.Key?.sk}`)))),
    } as unknown as DynamoDBDocumentClient;
    let now = T0;
    const meter = new UsageMeter({ db: () => client, tableName: 't', flushEvery: 100, flushAfterMs: 3_600_000, clock: () => now });
    await meter.addRequest('acme', { durationMs: 1, memoryMb: 128, status: 200 });
    now = T0 + 5_000;

    // Act
    let answered = false;
    const request = meter.addRequest('acme', { durationMs: 1, memoryMb: 128, status: 200 }).then(() => (answered = true));
    await new Promise((resolve) => setImmediate(resolve));
    const beforeWrites = answered;
    for (const release of releases.splice(0)) release();
    await request;

    // Assess
    expect(beforeWrites).toBe(false);
    expect(written).toEqual([keys.usagePeriod('acme', '2026-11').sk, keys.tenantHealthHour('acme', '2026-11-30T23').sk]);

    // …and a request of the new hour that is not attributed after all also answers only once they are written.
    now += 3_600_000;
    meter.addCapacity('acme', { readUnits: 1, writeUnits: 0 });
    let discarded = false;
    const discard = meter.discard('acme').then(() => (discarded = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(discarded).toBe(false);
    for (const release of releases.splice(0)) release();
    await discard;
    expect(written).toHaveLength(4);
  });

  it("starts the write a beginning request makes due and hands it to that request alone, keeping the request's own figures for the next", async () => {
    // Prepare: writes that complete only when the test lets them; one request pending of a flush every two.
    const written: Record<string, number>[] = [];
    const releases: (() => void)[] = [];
    const client = {
      send: (command: UpdateCommand) => new Promise<void>((resolve) => releases.push(() => resolve(void written.push(addsOf(command.input))))),
    } as unknown as DynamoDBDocumentClient;
    let now = T0 - 60_000;
    const meter = new UsageMeter({ db: () => client, tableName: 't', flushEvery: 2, flushAfterMs: 10_000, clock: () => now });
    await meter.addRequest('acme', { durationMs: 1, memoryMb: 128, status: 200 });
    expect(meter.startDue('globex')).toBeUndefined();

    // Act: the second request begins and uses capacity; meanwhile another tenant's request ends, and a discard.
    const write = meter.startDue('acme');
    meter.addCapacity('acme', { readUnits: 4, writeUnits: 0 });
    await meter.addRequest('globex', { durationMs: 1, memoryMb: 128, status: 200 });
    await meter.discard('acme');

    // Assess: the first request's figures went out as the second began, and only the write handed back waits for them.
    expect(releases).toHaveLength(2);
    let settled = false;
    void write?.then(() => {
      settled = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    for (const release of releases.splice(0)) release();
    await write;
    expect(written.map((adds) => adds[USAGE_ATTRIBUTES.requests] ?? adds[HEALTH_ATTRIBUTES.requests])).toEqual([1, 1]);
    expect(written.some((adds) => USAGE_ATTRIBUTES.readUnits in adds)).toBe(false);

    // …and figures old enough go out as a request begins, whatever their count.
    meter.addCapacity('busy', { readUnits: 1, writeUnits: 0 });
    expect(meter.startDue('busy')).toBeUndefined();
    now += 10_000;
    expect(meter.startDue('busy')).toBeDefined();
  });

  it("flushes a quiet tenant's figures on another tenant's request once they are old enough", async () => {
    // Prepare
    const { updates, db } = recordingDb();
    let now = T0 - 60_000;
    const meter = new UsageMeter({ db, tableName: 't', flushEvery: 100, flushAfterMs: 10_000, clock: () => now });
    await meter.addRequest('quiet', { durationMs: 1, memoryMb: 128, status: 200 });

    // Act
    now += 10_000;
    await meter.addRequest('busy', { durationMs: 1, memoryMb: 128, status: 200 });

    // Assess
    expect(updates.map((update) => update.Key?.pk)).toEqual([keys.usagePeriod('quiet', 'x').pk, keys.tenantHealthPartition('quiet')]);
  });

  it('writes, when asked for what is due without a tenant, only the figures that waited long enough', async () => {
    // Prepare: capacity of two tenants, metered 10 s apart (no request: a consumer's calls)
    const { updates, db } = recordingDb();
    let now = T0 - 60_000;
    const meter = new UsageMeter({ db, tableName: 't', flushEvery: 1, flushAfterMs: 10_000, clock: () => now });
    meter.addCapacity('old', { readUnits: 1, writeUnits: 0 });
    now += 10_000;
    meter.addCapacity('new', { readUnits: 2, writeUnits: 0 });

    // Act
    await meter.flushDue();

    // Assess: the older tenant's figures only; the other's stay for a later flush
    expect(updates.map((update) => update.Key?.pk)).toEqual([keys.usagePeriod('old', 'x').pk]);
    await meter.flush();
    expect(updates.map((update) => update.Key?.pk)).toEqual([keys.usagePeriod('old', 'x').pk, keys.usagePeriod('new', 'x').pk]);
  });

  it("splits a batch invocation's Lambda time between tenants by their deliveries' time, and equally when none took any", async () => {
    // Prepare
    const { updates, db } = recordingDb();
    const meter = new UsageMeter({ db, tableName: 't', flushEvery: 100, flushAfterMs: 3_600_000, clock: () => T0 });

    // Act: 100 ms at 512 MB, three quarters of the work for acme; then an instant one for two tenants
    meter.addInvocation(512, 100, [
      { tenantId: 'acme', elapsedMs: 45 },
      { tenantId: 'globex', elapsedMs: 15 },
    ]);
    meter.addInvocation(512, 0, [
      { tenantId: 'acme', elapsedMs: 0 },
      { tenantId: 'globex', elapsedMs: 0 },
    ]);
    meter.addInvocation(512, 100, []);
    await meter.flush();

    // Assess: the shares add up to the invocations and their duration × memory
    const usage = Object.fromEntries(updates.filter((update) => update.Key?.pk.includes('USAGE')).map((update) => [update.Key?.pk, addsOf(update)]));
    const acme = usage[keys.usagePeriod('acme', 'x').pk];
    const globex = usage[keys.usagePeriod('globex', 'x').pk];
    expect(acme[USAGE_ATTRIBUTES.invocations]).toBeCloseTo(1.25, 9);
    expect(globex[USAGE_ATTRIBUTES.invocations]).toBeCloseTo(0.75, 9);
    expect(acme[USAGE_ATTRIBUTES.computeMbMs]).toBeCloseTo(0.75 * 100 * 512 + 0.5 * 512, 6);
    expect(globex[USAGE_ATTRIBUTES.computeMbMs]).toBeCloseTo(0.25 * 100 * 512 + 0.5 * 512, 6);
    expect(acme[USAGE_ATTRIBUTES.requests]).toBeUndefined();
  });

  it('never fails a request when a write fails, and forgets discarded tenants', async () => {
    // Prepare
    const failing = { send: async () => Promise.reject(new Error('throttled')) } as unknown as DynamoDBDocumentClient;
    const meter = new UsageMeter({ db: () => failing, tableName: 't', flushEvery: 1 });

    // Act / Assess
    await expect(meter.addRequest('acme', { durationMs: 1, memoryMb: 128, status: 200 })).resolves.toBeUndefined();
    const { updates, db } = recordingDb();
    const other = new UsageMeter({ db, tableName: 't' });
    meter.addCapacity('ghost', { readUnits: 1, writeUnits: 0 });
    other.addCapacity('ghost', { readUnits: 1, writeUnits: 0 });
    await other.discard('ghost');
    await other.flush();
    expect(updates).toEqual([]);
  });
});

describe("the usage meter's writes of items that do not exist yet", () => {
  const named = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(name), { name, ...extra });
  const canceled = (...codes: string[]) => named('TransactionCanceledException', { CancellationReasons: codes.map((Code) => ({ Code })) });

  /** A tenant client that answers each command with the next scripted outcome (an error to throw, or success). */
  function scriptedDb(outcomes: (Error | undefined)[]) {
    const sent: string[] = [];
    const client = {
      send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        const conditional = command.input.ConditionExpression ? ' if it exists' : '';
        sent.push(`${command.constructor.name}${conditional}`);
        const outcome = outcomes.shift();
        if (outcome) throw outcome;
      },
    } as unknown as DynamoDBDocumentClient;
    return { sent, db: () => client };
  }

  it("creates the item in a transaction that checks the tenant's record, and updates again when another container created it first", async () => {
    // Prepare: the month item is missing; the first creation conflicts with another container's
    const { sent, db } = scriptedDb([named('ConditionalCheckFailedException'), canceled('None', 'TransactionConflict')]);
    const meter = new UsageMeter({ db, tableName: 't', clock: () => T0 });
    meter.addCapacity('acme', { readUnits: 1, writeUnits: 0 });

    // Act
    await meter.flush('acme');

    // Assess
    expect(sent).toEqual(['UpdateCommand if it exists', 'TransactWriteCommand', 'UpdateCommand if it exists']);
  });

  it('writes nothing for a tenant whose record is gone (purged), and tries no more', async () => {
    // Prepare
    const gone = () => [named('ConditionalCheckFailedException'), canceled('ConditionalCheckFailed', 'None')];
    const { sent, db } = scriptedDb([...gone(), ...gone()]);
    const meter = new UsageMeter({ db, tableName: 't', clock: () => T0 });
    meter.addCapacity('gone', { readUnits: 1, writeUnits: 0 });

    // Act
    await meter.flush();
    const throttles = meter.addThrottlesOfHour('gone', '2026-11-30T23', 2);

    // Assess
    await expect(throttles).resolves.toBeUndefined();
    expect(sent).toEqual(['UpdateCommand if it exists', 'TransactWriteCommand', 'UpdateCommand if it exists', 'TransactWriteCommand']);
  });
});

describe('latency percentiles from histogram buckets', () => {
  it('answers the upper bound of the bucket holding the nearest-rank percentile', () => {
    const buckets = [
      { bound: 5, count: 50 },
      { bound: 10, count: 49 },
      { bound: 25, count: 0 },
      { bound: null, count: 1 },
    ];
    expect(percentileOf(buckets, 0.5)).toBe(5);
    expect(percentileOf(buckets, 0.51)).toBe(10);
    expect(percentileOf(buckets, 0.99)).toBe(10);
    expect(percentileOf(buckets, 1)).toBeNull();
    expect(percentileOf([{ bound: 5, count: 0 }], 0.5)).toBeNull();
  });
});
