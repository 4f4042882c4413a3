import { LocalModelProvider } from '../../../functions/models/local.model-provider';
import { ModelInvocationError, type ModelInvocation, type ModelProvider, type ModelResult } from '../../../functions/models/model-provider';
import { RunExecutor, stepInput, type StepAgent } from '../../../functions/workflows/run.executor';
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
const agents = new Map([['writer', agent('writer')], ['critic', agent('critic')], ['off', agent('off', { status: 'DISABLED' })]]);
const clock = () => Date.parse('2026-11-28T12:00:00.000Z');
const echo = (call: ModelInvocation): ModelResult => ({ output: `<${call.modelId}:${call.input}>`, usage: { inputTokens: 3, outputTokens: 2 } });

describe('RunExecutor', () => {
  it("runs a sequential workflow in order, giving each step the previous step's output", async () => {
    // Prepare
    const provider = scriptedProvider(echo);
    // Act
    const outcome = await new RunExecutor(provider, clock).execute({
      mode: 'sequential',
      steps: [{ id: 'draft', agentId: 'writer' }, { id: 'review', agentId: 'critic', prompt: 'Review this:' }],
      input: 'a poem',
      agents,
      metadata: { tenantId: 'acme' },
    });
    // Assess
    expect(provider.calls.map((c) => [c.modelId, c.instructions, c.input])).toEqual([
      ['model-of-writer', 'instructions of writer', 'a poem'],
      ['model-of-critic', 'instructions of critic', 'Review this:\n\n<model-of-writer:a poem>'],
    ]);
    expect(provider.calls.map((c) => c.metadata)).toEqual([{ tenantId: 'acme', agentId: 'writer' }, { tenantId: 'acme', agentId: 'critic' }]);
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
    const outcome = await new RunExecutor(provider, clock).execute({
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
    const provider = scriptedProvider((call) => (call.modelId === 'model-of-critic' ? new ModelInvocationError('Bedrock rejected the call: ThrottlingException') : echo(call)));
    // Act
    const outcome = await new RunExecutor(provider, clock).execute({
      mode: 'sequential',
      steps: [{ id: 'a', agentId: 'writer' }, { id: 'b', agentId: 'critic' }, { id: 'c', agentId: 'writer' }],
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

  it('records an unexpected provider fault without its detail and reports it', async () => {
    // Prepare
    const seen: unknown[] = [];
    const provider = scriptedProvider(() => new Error('socket to 10.0.0.7 reset'));
    // Act
    const outcome = await new RunExecutor(provider, clock, (error) => seen.push(error)).execute({
      mode: 'sequential',
      steps: [{ id: 'a', agentId: 'writer' }],
      input: 'x',
      agents,
    });
    // Assess
    expect(outcome.steps[0].error).toBe('the model call failed');
    expect(JSON.stringify(outcome)).not.toContain('10.0.0.7');
    expect(seen).toHaveLength(1);
  });

  it.each([
    ['disabled', 'off', 'agent off is disabled'],
    ['deleted', 'ghost', 'agent ghost does not exist'],
  ])('fails a step whose agent is %s without calling the model', async (_label, agentId, error) => {
    // Prepare
    const provider = scriptedProvider(echo);
    // Act
    const outcome = await new RunExecutor(provider, clock).execute({ mode: 'sequential', steps: [{ id: 'a', agentId }], input: 'x', agents });
    // Assess
    expect(outcome.steps[0]).toMatchObject({ status: 'FAILED', error });
    expect(provider.calls).toHaveLength(0);
  });

  it('keeps at most MAX_STORED_OUTPUT characters of an output and says so, but passes the whole output on', async () => {
    // Prepare
    const long = 'y'.repeat(MAX_STORED_OUTPUT + 10);
    const provider = scriptedProvider((call) => (call.input === 'x' ? { output: long, usage: { inputTokens: 1, outputTokens: 1 } } : echo(call)));
    // Act
    const outcome = await new RunExecutor(provider, clock).execute({
      mode: 'sequential',
      steps: [{ id: 'a', agentId: 'writer' }, { id: 'b', agentId: 'writer' }],
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
    const plan = { mode: 'sequential' as const, steps: [{ id: 'a', agentId: 'writer' }, { id: 'b', agentId: 'critic' }], input: 'x', agents };
    // Act
    const [first, second] = [await new RunExecutor(new LocalModelProvider(), clock).execute(plan), await new RunExecutor(new LocalModelProvider(), clock).execute(plan)];
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
