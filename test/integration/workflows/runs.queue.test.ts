import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AuthContext } from '../../../functions/core/auth-context';
import * as keys from '../../../functions/data/table-keys';
import { LocalModelProvider } from '../../../functions/models/local.model-provider';
import type { ModelInvocation, ModelProvider, ModelResult } from '../../../functions/models/model-provider';
import { monthOf } from '../../../functions/quotas/quota.counters';
import { PLANS } from '../../../functions/billing/plan.catalogue';
import { CursorCodec } from '../../../functions/data/cursor';
import { RunRepository } from '../../../functions/workflows/run.repository';
import { runSweeperOf } from '../../../functions/workflows/workflow.module';
import { createWorkflowsFixture, jsonBody, type RunQueueSettings, type WorkflowsFixture } from './workflows-fixture';

const WORKFLOWS = '/v1/tenants/{tenantId}/workflows';
const RUNS = '/v1/tenants/{tenantId}/workflows/{workflowId}/runs';
const RUN = '/v1/tenants/{tenantId}/workflows/{workflowId}/runs/{runId}';
const CANCEL = '/v1/tenants/{tenantId}/workflows/{workflowId}/runs/{runId}/cancel';

/**
 * A model provider the test steers: the local provider's answers, with a hook per call that may hold the call,
 * fail it or never answer (the worker "crashes"). It counts calls per step input so tests can prove a step ran once.
 */
class SteeredProvider implements ModelProvider {
  readonly name = 'local' as const;
  readonly calls: ModelInvocation[] = [];
  inFlight = 0;
  maxInFlight = 0;
  hook: (call: ModelInvocation, nth: number) => Promise<void> = async () => undefined;
  private readonly local = new LocalModelProvider();

  async invoke(call: ModelInvocation): Promise<ModelResult> {
    this.calls.push(call);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.hook(call, this.calls.filter((c) => c.instructions === call.instructions).length);
      return await this.local.invoke(call);
    } finally {
      this.inFlight -= 1;
    }
  }

  callsOf(instructions: string): number {
    return this.calls.filter((call) => call.instructions === instructions).length;
  }
}

interface Harness {
  readonly fixture: WorkflowsFixture;
  readonly provider: SteeredProvider;
  readonly auth: AuthContext;
  readonly tenantId: string;
}

async function harness(name: string, plan: 'free' | 'team', runs: RunQueueSettings = {}): Promise<Harness> {
  const provider = new SteeredProvider();
  const fixture = await createWorkflowsFixture(name, { provider, runs });
  const tenantId = `${name.replace(/[^a-z]/g, '')}`;
  const auth = await fixture.addTenant(tenantId, plan);
  return { fixture, provider, auth, tenantId };
}

/** A sequential workflow of `stepNames.length` steps, each with its own agent whose instructions are the step name. */
async function workflowOf(h: Harness, stepNames: readonly string[]): Promise<string> {
  const steps = [];
  for (const id of stepNames) {
    const agent = await h.fixture.addAgent(h.tenantId, { name: id, modelId: 'local.echo-v1', instructions: id });
    steps.push({ id, agentId: agent.agentId });
  }
  const created = await h.fixture.call({
    method: 'POST',
    resource: WORKFLOWS,
    pathParameters: { tenantId: h.tenantId },
    auth: h.auth,
    ...jsonBody({ name: 'wf', steps }),
  });
  expect(created.status).toBe(201);
  return created.body.workflowId as string;
}

async function start(h: Harness, workflowId: string, input = 'go') {
  const response = await h.fixture.call({
    method: 'POST',
    resource: RUNS,
    pathParameters: { tenantId: h.tenantId, workflowId },
    auth: h.auth,
    ...jsonBody({ input }),
  });
  return response;
}

async function auditActions(h: Harness, runId: string): Promise<string[]> {
  const items = await h.fixture.itemsOf(h.tenantId);
  return items.filter((item) => typeof item.target === 'string' && (item.target as string).endsWith(`/run/${runId}`)).map((item) => item.action as string);
}

async function counter(h: Harness, ...parts: string[]): Promise<Record<string, unknown> | undefined> {
  const key = keys.quotaCounter(h.tenantId, ...parts);
  return (await h.fixture.itemsOf(h.tenantId)).find((item) => item.pk === key.pk && item.sk === key.sk);
}

describe('durable runs on the local SQS emulator', () => {
  it('answers 202 with the run QUEUED after at most 2 table calls, then a worker runs it to SUCCEEDED', async () => {
    const h = await harness('runs-start', 'team');
    try {
      // Prepare
      const workflowId = await workflowOf(h, ['one', 'two', 'three']);
      let calls = 0;
      h.fixture.isolation.forTenant(h.tenantId).middlewareStack.add(
        (next) => async (args) => {
          calls += 1;
          return next(args);
        },
        { step: 'initialize', name: 'countCalls' },
      );
      // Act
      const started = await start(h, workflowId);
      const callsBeforeAnswer = calls;
      // Assess
      expect(started.status).toBe(202);
      expect(started.body).toMatchObject({ status: 'QUEUED', steps: [] });
      expect(callsBeforeAnswer).toBeGreaterThan(0);
      expect(callsBeforeAnswer).toBeLessThanOrEqual(2);
      const run = await h.fixture.waitForRun(h.tenantId, workflowId, started.body.runId);
      expect(run.status).toBe('SUCCEEDED');
      expect(run.steps.map((step) => step.stepId)).toEqual(['one', 'two', 'three']);
      const read = await h.fixture.call({ method: 'GET', resource: RUN, pathParameters: { tenantId: h.tenantId, workflowId, runId: run.runId }, auth: h.auth });
      expect(read.headers.etag).toBeDefined();
      const again = await h.fixture.call({
        method: 'GET',
        resource: RUN,
        pathParameters: { tenantId: h.tenantId, workflowId, runId: run.runId },
        auth: h.auth,
        headers: { 'If-None-Match': read.headers.etag },
      });
      expect(again.status).toBe(304);
    } finally {
      await h.fixture.dispose();
    }
  });

  it('resumes a run whose worker died mid-step from its last finished step: each step recorded once, tokens metered once', async () => {
    // Prepare: the first call of step "two" never answers, and the consumer invocation times out after 1 s (Lambda
    // would end it); the message comes back after the 2 s visibility timeout, when the run's lease has expired.
    const h = await harness('runs-crash', 'team', {
      visibilityTimeoutSeconds: 2,
      timeoutMs: 1_000,
      sweepEveryMs: 250,
      stepPolicy: { timeoutMs: 60_000, attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    });
    try {
      const workflowId = await workflowOf(h, ['one', 'two', 'three']);
      h.provider.hook = (call, nth) => (call.instructions === 'two' && nth === 1 ? new Promise<void>(() => undefined) : Promise.resolve());
      // Act
      const started = await start(h, workflowId);
      const run = await h.fixture.waitForRun(h.tenantId, workflowId, started.body.runId);
      // Assess
      expect(run).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
      expect(run.steps.map((step) => [step.stepId, step.status])).toEqual([
        ['one', 'SUCCEEDED'],
        ['two', 'SUCCEEDED'],
        ['three', 'SUCCEEDED'],
      ]);
      expect([h.provider.callsOf('one'), h.provider.callsOf('two'), h.provider.callsOf('three')]).toEqual([1, 2, 1]);
      const tokens = run.steps.reduce((sum, step) => sum + (step.usage?.inputTokens ?? 0) + (step.usage?.outputTokens ?? 0), 0);
      expect(run.usage.inputTokens + run.usage.outputTokens).toBe(tokens);
      const usage = (await h.fixture.itemsOf(h.tenantId)).find((item) => item.sk === keys.usagePeriod(h.tenantId, monthOf(new Date())).sk);
      expect(usage?.tokens).toBe(tokens);
      expect((await auditActions(h, run.runId)).sort()).toEqual(['workflow-run.begin', 'workflow-run.finish', 'workflow-run.start']);
      expect((await counter(h, 'RUNS-IN-FLIGHT'))?.count).toBe(0);
    } finally {
      await h.fixture.dispose();
    }
  }, 30_000);

  it('sends a poison step to the dead-letter queue and fails the run with the reason', async () => {
    // Prepare: step "two" always fails with a fault that is not the model's answer (a bug). The sweeper runs too: it
    // must leave the run to its own message, whose deliveries are what dead-letter it.
    const h = await harness('runs-poison', 'team', { visibilityTimeoutSeconds: 1, sweepEveryMs: 250, redriveAfterMs: 1_000 });
    try {
      const workflowId = await workflowOf(h, ['one', 'two']);
      h.provider.hook = async (call) => {
        if (call.instructions === 'two') throw new TypeError('cannot read properties of undefined');
      };
      // Act
      const started = await start(h, workflowId);
      const run = await h.fixture.waitForRun(h.tenantId, workflowId, started.body.runId);
      // Assess
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('run given up after 3 attempts: step two failed unexpectedly');
      expect(run.steps.map((step) => step.stepId)).toEqual(['one']);
      expect(h.provider.callsOf('one')).toBe(1);
      expect(h.provider.callsOf('two')).toBe(3);
      for (let i = 0; i < 100 && (await h.fixture.queue.depth()).deadLettered === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await h.fixture.queue.depth()).toMatchObject({ deadLettered: 1, visible: 0 });
      expect((await counter(h, 'RUNS-IN-FLIGHT'))?.count).toBe(0);
    } finally {
      await h.fixture.dispose();
    }
  }, 30_000);

  it('cancels a QUEUED run at once and a RUNNING run before its next step, giving its slot back', async () => {
    // Prepare: the free plan runs 2 at once; step "one" of each run waits for the test to let it go.
    const h = await harness('runs-cancel', 'free', { slotWaitSeconds: 1 });
    try {
      const workflowId = await workflowOf(h, ['one', 'two']);
      const gates: (() => void)[] = [];
      h.provider.hook = (call) => (call.instructions === 'one' ? new Promise<void>((resolve) => gates.push(resolve)) : Promise.resolve());
      const running = [(await start(h, workflowId)).body.runId, (await start(h, workflowId)).body.runId] as string[];
      for (const runId of running) await h.fixture.waitForRun(h.tenantId, workflowId, runId, { statuses: ['RUNNING'] });
      const waiting = (await start(h, workflowId)).body.runId as string;
      await new Promise((resolve) => setTimeout(resolve, 300));
      const cancel = (runId: string) =>
        h.fixture.call({ method: 'POST', resource: CANCEL, pathParameters: { tenantId: h.tenantId, workflowId, runId }, auth: h.auth });

      // Act
      const queuedCancel = await cancel(waiting);
      const runningCancel = await cancel(running[0]);
      while (gates.length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
      for (const release of gates.splice(0)) release();

      // Assess
      expect(queuedCancel.status).toBe(200);
      expect(queuedCancel.body).toMatchObject({ status: 'CANCELLED' });
      expect(runningCancel.body).toMatchObject({ status: 'RUNNING', cancelRequested: true });
      const cancelled = await h.fixture.waitForRun(h.tenantId, workflowId, running[0]);
      expect(cancelled).toMatchObject({ status: 'CANCELLED', error: 'cancelled on request' });
      expect(cancelled.steps.map((step) => step.stepId)).toEqual(['one']);
      expect((await h.fixture.waitForRun(h.tenantId, workflowId, running[1])).status).toBe('SUCCEEDED');
      expect((await h.fixture.waitForRun(h.tenantId, workflowId, waiting)).steps).toEqual([]);
      expect(h.provider.callsOf('two')).toBe(1);
      const again = await cancel(waiting);
      expect(again.status).toBe(409);
      expect((await counter(h, 'RUNS-IN-FLIGHT'))?.count).toBe(0);
    } finally {
      await h.fixture.dispose();
    }
  }, 30_000);

  it("keeps 100 concurrent runs of one tenant within its plan's concurrent-run limit; the rest wait QUEUED", async () => {
    // Prepare: 3 consumers x 5 messages could run 15 at once; the team plan allows 5. Runs without a slot wait 1 s.
    const h = await harness('runs-limit', 'team', { concurrency: 3, batchSize: 5, slotWaitSeconds: 1, visibilityTimeoutSeconds: 20 });
    try {
      const workflowId = await workflowOf(h, ['only']);
      h.provider.hook = () => new Promise((resolve) => setTimeout(resolve, 20));
      // Act
      const runIds: string[] = [];
      for (let batch = 0; batch < 10; batch++) {
        const started = await Promise.all(Array.from({ length: 10 }, () => start(h, workflowId)));
        for (const response of started) {
          expect(response.status).toBe(202);
          runIds.push(response.body.runId);
        }
      }
      const startedAt = Date.now();
      const runs = [];
      for (const runId of runIds)
        runs.push(await h.fixture.waitForRun(h.tenantId, workflowId, runId, { timeoutMs: Math.max(1, 80_000 - (Date.now() - startedAt)) }));
      // Assess
      expect(runs.every((run) => run.status === 'SUCCEEDED')).toBe(true);
      expect(h.provider.calls).toHaveLength(100);
      expect(h.provider.maxInFlight).toBeLessThanOrEqual(PLANS.team.limits.concurrentRuns);
      expect(h.provider.maxInFlight).toBeGreaterThan(1);
      expect((await counter(h, 'RUNS-IN-FLIGHT'))?.count).toBe(0);
      const page = await h.fixture.inspector.send(
        new QueryCommand({
          TableName: h.fixture.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.runPartition(h.tenantId, workflowId) },
        }),
      );
      expect(page.Items?.every((item) => item.leaseOwner === undefined)).toBe(true);
    } finally {
      await h.fixture.dispose();
    }
  }, 120_000);
});

describe('runs no message will reach are sent again by the sweeper', () => {
  // The sweep schedule and the redrive bound, short so that the bound can be measured: a run is swept once nothing
  // has been delivered for REDRIVE_MS, by a sweep at most SWEEP_MS later.
  const REDRIVE_MS = 1_000;
  const SWEEP_MS = 250;

  it('starts a QUEUED run whose message was never sent (the API stopped after its transaction) within the bound', async () => {
    // Prepare: the API's sends are lost, as if it stopped between the start transaction and the queue.
    const h = await harness('runs-lost', 'team', { startMessagesSent: false, sweepEveryMs: SWEEP_MS, redriveAfterMs: REDRIVE_MS });
    try {
      const workflowId = await workflowOf(h, ['one', 'two']);
      // Act
      const startedAt = Date.now();
      const started = await start(h, workflowId);
      expect(started.status).toBe(202);
      expect(await h.fixture.queue.depth()).toMatchObject({ visible: 0, inFlight: 0, delayed: 0 });
      const run = await h.fixture.waitForRun(h.tenantId, workflowId, started.body.runId, { timeoutMs: 10_000 });
      const tookMs = Date.now() - startedAt;
      // Assess: swept once, executed once; the bound is the redrive delay, one sweep interval and the run itself.
      expect(run).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
      expect([h.provider.callsOf('one'), h.provider.callsOf('two')]).toEqual([1, 1]);
      expect(tookMs).toBeGreaterThanOrEqual(REDRIVE_MS);
      expect(tookMs).toBeLessThan(REDRIVE_MS + SWEEP_MS + 3_000);
      const [item] = (await h.fixture.itemsOf(h.tenantId)).filter((candidate) => candidate.runId === run.runId);
      expect(item).not.toHaveProperty('collectionPk');
      expect(item).not.toHaveProperty('deliveredAt');
    } finally {
      await h.fixture.dispose();
    }
  }, 30_000);

  it('sends one message for a stuck run however many sweeps run at once, and none for a run that was delivered', async () => {
    // Prepare: no consumer, and the start's message is lost; a second run's message is lost too but a worker saw it.
    const h = await harness('runs-sweeps', 'team', { consume: false, startMessagesSent: false });
    try {
      const workflowId = await workflowOf(h, ['one']);
      const stuck = (await start(h, workflowId)).body.runId as string;
      const waiting = (await start(h, workflowId)).body.runId as string;
      const sent: string[] = [];
      const clock = { now: Date.now() + REDRIVE_MS + 1 };
      const sweeper = runSweeperOf({
        db: (tenantId) => h.fixture.isolation.forTenant(tenantId),
        tableName: h.fixture.tableName,
        queue: { enqueue: async (message) => void sent.push(message.runId) },
        redriveAfterMs: REDRIVE_MS,
        leaseMs: 2_000,
        tenants: async function* () {
          yield h.tenantId;
        },
        clock: () => clock.now,
      });
      const runs = new RunRepository({
        db: h.fixture.isolation.forTenant(h.tenantId),
        tableName: h.fixture.tableName,
        tenantId: h.tenantId,
        cursors: new CursorCodec('x'.repeat(43)),
      });
      await runs.markDelivered({ workflowId, runId: waiting }, clock.now - 10);

      // Act
      const reports = await Promise.all(Array.from({ length: 5 }, () => sweeper.sweep()));

      // Assess
      expect(sent).toEqual([stuck]);
      expect(reports.reduce((sum, report) => sum + report.redriven, 0)).toBe(1);
      expect(reports.every((report) => report.examined === 2 && report.failedTenants === 0)).toBe(true);
    } finally {
      await h.fixture.dispose();
    }
  });

  it('resumes a RUNNING run whose worker died and whose message is gone, once its lease has run out', async () => {
    // Prepare: the first call of step "two" never answers and the invocation times out (the worker died); then the
    // queue loses the run's message, so no delivery will come back for it.
    const h = await harness('runs-orphan', 'team', {
      visibilityTimeoutSeconds: 2,
      timeoutMs: 1_000,
      sweepEveryMs: SWEEP_MS,
      redriveAfterMs: REDRIVE_MS,
      stepPolicy: { timeoutMs: 60_000, attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    });
    try {
      const workflowId = await workflowOf(h, ['one', 'two', 'three']);
      h.provider.hook = (call, nth) => (call.instructions === 'two' && nth === 1 ? new Promise<void>(() => undefined) : Promise.resolve());
      const started = await start(h, workflowId);
      while (h.provider.callsOf('two') === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      await h.fixture.queue.client.send(new PurgeQueueCommand({ QueueUrl: h.fixture.queue.queueUrl }));
      const orphanedAt = Date.now();
      // Act
      const run = await h.fixture.waitForRun(h.tenantId, workflowId, started.body.runId, { timeoutMs: 15_000 });
      // Assess: the lease (2 s) ran out, then the redrive bound and a sweep; step one ran once, step two again.
      expect(run).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
      expect([h.provider.callsOf('one'), h.provider.callsOf('two'), h.provider.callsOf('three')]).toEqual([1, 2, 1]);
      expect(Date.now() - orphanedAt).toBeLessThan(2_000 + REDRIVE_MS + SWEEP_MS + 3_000);
      expect((await counter(h, 'RUNS-IN-FLIGHT'))?.count).toBe(0);
    } finally {
      await h.fixture.dispose();
    }
  }, 30_000);
});
