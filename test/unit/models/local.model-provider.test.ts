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
