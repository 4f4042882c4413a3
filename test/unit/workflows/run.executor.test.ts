import { LocalModelProvider } from '../../../functions/models/local.model-provider';
import { ModelInvocationError, type ModelInvocation, type ModelProvider, type ModelResult } from '../../../functions/models/model-provider';
import { RunExecutor, StepCrashedError, stepInput, type StepAgent } from '../../../functions/workflows/run.executor';
import { MAX_STORED_OUTPUT } from '../../../functions/workflows/run.schema';

/** A provider that answers with a function of the invocation and records every call. */
function scriptedProvider(answer: (call: ModelInvocation) => ModelResult | Error): ModelProvider & { calls: ModelInvocation[] } {
  const calls: ModelInvocation[] = [];
  return {
    name: 'local',
    calls,
    invoke: async (call) => {
      calls.push(call);
      const result = answer(call);
      if (result instanceof Error) throw result;
      return result;
    },
  };
}

const agent = (agentId: string, overrides: Partial<StepAgent> = {}): StepAgent => ({
  agentId,
  modelId: `model-of-${agentId}`,
  instructions: `instructions of ${agentId}`,
  status: 'ACTIVE',
  ...overrides,
});
const agents = new Map([
  ['writer', agent('writer')],
  ['critic', agent('critic')],
  ['off', agent('off', { status: 'DISABLED' })],
]);
const clock = () => Date.parse('2026-11-28T12:00:00.000Z');
const echo = (call: ModelInvocation): ModelResult => ({ output: `<${call.modelId}:${call.input}>`, usage: { inputTokens: 3, outputTokens: 2 } });

describe('RunExecutor', () => {
  it("runs a sequential workflow in order, giving each step the previous step's output", async () => {
    // Prepare
    const provider = scriptedProvider(echo);
    // Act
    const outcome = await new RunExecutor(provider, { clock }).execute({
      mode: 'sequential',
      steps: [
        { id: 'draft', agentId: 'writer' },
        { id: 'review', agentId: 'critic', prompt: 'Review this:' },
      ],
      input: 'a poem',
      agents,
      metadata: { tenantId: 'acme' },
    });
    // Assess
    expect(provider.calls.map((c) => [c.modelId, c.instructions, c.input])).toEqual([
      ['model-of-writer', 'instructions of writer', 'a poem'],
      ['model-of-critic', 'instructions of critic', 'Review this:\n\n<model-of-writer:a poem>'],
    ]);
    expect(provider.calls.map((c) => c.metadata)).toEqual([
      { tenantId: 'acme', agentId: 'writer' },
      { tenantId: 'acme', agentId: 'critic' },
    ]);
    expect(outcome).toEqual({
      status: 'SUCCEEDED',
      usage: { inputTokens: 6, outputTokens: 4 },
      steps: [
        expect.objectContaining({ stepId: 'draft', status: 'SUCCEEDED', output: '<model-of-writer:a poem>', modelId: 'model-of-writer' }),
        expect.objectContaining({ stepId: 'review', status: 'SUCCEEDED', output: '<model-of-critic:Review this:\n\n<model-of-writer:a poem>>' }),
      ],
    });
  });

  it('runs a DAG in topological order and gives a join step every dependency output under its step id', async () => {
    // Prepare
    const provider = scriptedProvider(echo);
    // Act
    const outcome = await new RunExecutor(provider, { clock }).execute({
      mode: 'dag',
      steps: [
        { id: 'join', agentId: 'critic', dependsOn: ['left', 'right'] },
        { id: 'left', agentId: 'writer', dependsOn: ['root'] },
        { id: 'right', agentId: 'writer', dependsOn: ['root'] },
        { id: 'root', agentId: 'writer' },
      ],
      input: 'x',
      agents,
    });
    // Assess
    expect(outcome.steps.map((s) => s.stepId)).toEqual(['root', 'left', 'right', 'join']);
    expect(provider.calls[3].input).toBe(
      '### Output of step left\n<model-of-writer:<model-of-writer:x>>\n\n### Output of step right\n<model-of-writer:<model-of-writer:x>>',
    );
  });

  it('fails the run at the first failing step, keeps its safe reason and skips the rest', async () => {
    // Prepare
    const provider = scriptedProvider((call) =>
      call.modelId === 'model-of-critic' ? new ModelInvocationError('Bedrock rejected the call: ThrottlingException') : echo(call),
    );
    // Act
    const outcome = await new RunExecutor(provider, { clock }).execute({
      mode: 'sequential',
      steps: [
        { id: 'a', agentId: 'writer' },
        { id: 'b', agentId: 'critic' },
        { id: 'c', agentId: 'writer' },
      ],
      input: 'x',
      agents,
    });
    // Assess
    expect(outcome.status).toBe('FAILED');
    expect(outcome.error).toBe('step b failed: Bedrock rejected the call: ThrottlingException');
    expect(outcome.steps.map((s) => s.status)).toEqual(['SUCCEEDED', 'FAILED', 'SKIPPED']);
    expect(outcome.usage).toEqual({ inputTokens: 3, outputTokens: 2 });
    expect(provider.calls).toHaveLength(2);
  });

  it('hands an unexpected provider fault back as StepCrashedError without its detail, and reports it', async () => {
    // Prepare
    const seen: unknown[] = [];
    const provider = scriptedProvider(() => new Error('socket to 10.0.0.7 reset'));
    // Act
    const outcome = new RunExecutor(provider, { clock, onUnexpectedError: (error) => seen.push(error) }).execute({
      mode: 'sequential',
      steps: [{ id: 'a', agentId: 'writer' }],
      input: 'x',
      agents,
    });
    // Assess
    const error = await outcome.catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(StepCrashedError);
    expect((error as Error).message).toBe('step a failed unexpectedly');
    expect(seen).toHaveLength(1);
  });

  it('retries a throttled call with jittered backoff, bounded by the policy, then fails the step with the reason', async () => {
    // Prepare
    const sleeps: number[] = [];
    const throttled = new ModelInvocationError('Bedrock rejected the call: ThrottlingException', { retryable: true });
    let answered = 0;
    const provider = scriptedProvider(() => (answered++ < 2 ? throttled : echo({ modelId: 'm', instructions: '', input: 'x' })));
    const executor = (attempts: number) =>
      new RunExecutor(provider, {
        clock,
        stepPolicy: { timeoutMs: 1_000, attempts, baseDelayMs: 100, maxDelayMs: 150 },
        random: () => 0.5,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      });
    const plan = { mode: 'sequential' as const, steps: [{ id: 'a', agentId: 'writer' }], input: 'x', agents };
    // Act
    const recovered = await executor(3).execute(plan);
    answered = 0;
    const exhausted = await executor(2).execute(plan);
    // Assess
    expect(recovered.status).toBe('SUCCEEDED');
    expect(sleeps).toEqual([50, 75, 50]);
    expect(exhausted).toMatchObject({ status: 'FAILED', error: 'step a failed: Bedrock rejected the call: ThrottlingException' });
  });

  it('fails a call that does not answer within the step timeout', async () => {
    // Prepare
    const provider: ModelProvider = { name: 'local', invoke: () => new Promise(() => undefined) };
    // Act
    const outcome = await new RunExecutor(provider, { clock, stepPolicy: { timeoutMs: 20, attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } }).execute({
      mode: 'sequential',
      steps: [{ id: 'a', agentId: 'writer' }],
      input: 'x',
      agents,
    });
    // Assess
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'step a failed: the model did not answer within 0.02 s' });
  });

  it('resumes after the recorded steps without asking for them again', async () => {
    // Prepare
    const provider = scriptedProvider(echo);
    const executor = new RunExecutor(provider, { clock });
    const plan = {
      mode: 'sequential' as const,
      steps: [
        { id: 'draft', agentId: 'writer' },
        { id: 'review', agentId: 'critic' },
      ],
      input: 'a poem',
      agents,
    };
    const first = await executor.execute(plan);
    provider.calls.length = 0;
    const recorded: string[] = [];
    // Act
    const resumed = await executor.resume(plan, [first.steps[0]], async (step) => {
      recorded.push(step.stepId);
    });
    // Assess
    expect(provider.calls.map((call) => call.instructions)).toEqual(['instructions of critic']);
    expect(recorded).toEqual(['review']);
    expect(resumed.steps).toEqual(first.steps.map((step) => ({ ...step })));
  });

  it.each([
    ['disabled', 'off', 'agent off is disabled'],
    ['deleted', 'ghost', 'agent ghost does not exist'],
  ])('fails a step whose agent is %s without calling the model', async (_label, agentId, error) => {
    // Prepare
    const provider = scriptedProvider(echo);
    // Act
    const outcome = await new RunExecutor(provider, { clock }).execute({ mode: 'sequential', steps: [{ id: 'a', agentId }], input: 'x', agents });
    // Assess
    expect(outcome.steps[0]).toMatchObject({ status: 'FAILED', error });
    expect(provider.calls).toHaveLength(0);
  });

  it('keeps at most MAX_STORED_OUTPUT characters of an output and says so, but passes the whole output on', async () => {
    // Prepare
    const long = 'y'.repeat(MAX_STORED_OUTPUT + 10);
    const provider = scriptedProvider((call) => (call.input === 'x' ? { output: long, usage: { inputTokens: 1, outputTokens: 1 } } : echo(call)));
    // Act
    const outcome = await new RunExecutor(provider, { clock }).execute({
      mode: 'sequential',
      steps: [
        { id: 'a', agentId: 'writer' },
        { id: 'b', agentId: 'writer' },
      ],
      input: 'x',
      agents,
    });
    // Assess
    expect(outcome.steps[0]).toMatchObject({ outputTruncated: true });
    expect(outcome.steps[0].output).toHaveLength(MAX_STORED_OUTPUT);
    expect(provider.calls[1].input).toBe(long);
  });

  it('gives the same results for the same run with the local provider', async () => {
    // Prepare
    const plan = {
      mode: 'sequential' as const,
      steps: [
        { id: 'a', agentId: 'writer' },
        { id: 'b', agentId: 'critic' },
      ],
      input: 'x',
      agents,
    };
    // Act
    const [first, second] = [
      await new RunExecutor(new LocalModelProvider(), { clock }).execute(plan),
      await new RunExecutor(new LocalModelProvider(), { clock }).execute(plan),
    ];
    // Assess
    expect(first).toEqual(second);
    expect(first.status).toBe('SUCCEEDED');
  });
});

describe('stepInput', () => {
  it('gives a step without dependencies its prompt and the run input', () => {
    expect(stepInput({ prompt: 'Summarise:' }, 'text', [])).toBe('Summarise:\n\ntext');
  });

  it('leaves out empty parts', () => {
    expect(stepInput({}, '', [])).toBe('');
  });
});
