import * as fc from 'fast-check';
import { createModelProvider, modelProviderNameOf } from '../../../functions/models/model-provider.factory';
import { LocalModelProvider } from '../../../functions/models/local.model-provider';

const invocation = fc.record({ modelId: fc.string({ minLength: 1 }), instructions: fc.string(), input: fc.string() });

describe('LocalModelProvider', () => {
  const provider = new LocalModelProvider();

  it('answers the same invocation with the same output and usage, every time', async () => {
    await fc.assert(
      fc.asyncProperty(invocation, async (call) => {
        expect(await provider.invoke(call)).toEqual(await new LocalModelProvider().invoke({ ...call }));
      }),
    );
  });

  it('answers differently when the model, instructions or input differ', async () => {
    await fc.assert(
      fc.asyncProperty(invocation, invocation, async (a, b) => {
        fc.pre(JSON.stringify(a) !== JSON.stringify(b));
        expect((await provider.invoke(a)).output).not.toBe((await provider.invoke(b)).output);
      }),
    );
  });

  it('reports token usage estimated from the text it was given and gave', async () => {
    // Act
    const result = await provider.invoke({ modelId: 'local-model', instructions: 'abcd'.repeat(10), input: 'efgh'.repeat(5) });
    // Assess
    expect(result.usage).toEqual({ inputTokens: 15, outputTokens: Math.ceil(result.output.length / 4) });
  });

  it('stops at the output token cap', async () => {
    const result = await provider.invoke({ modelId: 'm', instructions: '', input: 'x', maxOutputTokens: 2 });
    expect(result.output).toHaveLength(8);
    expect(result.stopReason).toBe('max_tokens');
  });
});

describe('model provider choice', () => {
  it.each([
    [{ STAGE: 'local' }, 'local'],
    [{ STAGE: 'prod' }, 'bedrock'],
    [{ STAGE: 'local', MODEL_PROVIDER: 'bedrock' as const }, 'bedrock'],
    [{ STAGE: 'dev', MODEL_PROVIDER: 'local' as const }, 'local'],
  ])('with %j uses %s', (config, expected) => {
    expect(modelProviderNameOf(config)).toBe(expected);
    expect(createModelProvider({ ...config, AWS_REGION: 'eu-central-1' }).name).toBe(expected);
  });
});

describe('Bedrock from the factory', () => {
  it('loads the Bedrock SDK at the first model call, once, not when the provider is created', async () => {
    // Arrange: the SDK module, counted as it loads; its client answers one Converse response.
    const loads = jest.fn();
    const send = jest.fn(async () => ({
      output: { message: { role: 'assistant', content: [{ text: 'hello back' }] } },
      usage: { inputTokens: 3, outputTokens: 2 },
      stopReason: 'end_turn',
    }));
    await jest.isolateModulesAsync(async () => {
      jest.doMock('@aws-sdk/client-bedrock-runtime', () => {
        loads();
        return { BedrockRuntimeClient: jest.fn(() => ({ send })), ConverseCommand: jest.fn((input: unknown) => ({ input })) };
      });
      const { createModelProvider: create } = await import('../../../functions/models/model-provider.factory');

      // Act
      const provider = create({ STAGE: 'prod', AWS_REGION: 'eu-central-1' });
      const loadedAtCreation = loads.mock.calls.length;
      const first = await provider.invoke({ modelId: 'anthropic.claude', instructions: '', input: 'hello' });
      await provider.invoke({ modelId: 'anthropic.claude', instructions: '', input: 'again' });

      // Assess
      expect(provider.name).toBe('bedrock');
      expect(loadedAtCreation).toBe(0);
      expect(loads).toHaveBeenCalledTimes(1);
      expect(first).toEqual({ output: 'hello back', usage: { inputTokens: 3, outputTokens: 2 }, stopReason: 'end_turn' });
      expect(send).toHaveBeenCalledTimes(2);
    });
  });
});
