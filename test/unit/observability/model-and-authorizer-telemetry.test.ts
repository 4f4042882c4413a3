import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { observedAuthorizer } from '../../../functions/observability/authorizer-telemetry';
import { observedModelProvider } from '../../../functions/observability/model-telemetry';
import { platformMetrics } from '../../../functions/core/telemetry';
import type { ModelProvider } from '../../../functions/models/model-provider';
import { captureFunctionOutput, type FunctionLine } from '../../../local/function-output';

const authorizerEvent = { type: 'REQUEST', methodArn: 'arn', requestContext: { requestId: 'req-9' } } as unknown as APIGatewayRequestAuthorizerEvent;
const policy = (effect: 'Allow' | 'Deny') => ({
  principalId: 'p',
  policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: 'arn' }] },
});

describe('model and authorizer telemetry', () => {
  let lines: FunctionLine[];
  let output: ReturnType<typeof captureFunctionOutput>;
  beforeEach(() => {
    lines = [];
    output = captureFunctionOutput({ passThrough: () => false });
    output.subscribe((line) => lines.push(line));
  });
  afterEach(() => output.restore());

  it('records model latency and tokens in the request metrics and the tokens in the tenant cost', async () => {
    // Prepare
    const provider: ModelProvider = { name: 'local', invoke: async () => ({ output: 'ok', usage: { inputTokens: 12, outputTokens: 5 } }) };
    const costs = { addTokens: jest.fn() };

    // Act
    await observedModelProvider(provider, costs).invoke({ modelId: 'local.echo', instructions: '', input: 'hi', metadata: { tenantId: 'acme' } });
    platformMetrics.publishStoredMetrics();

    // Assess
    expect(costs.addTokens).toHaveBeenCalledWith('acme', 'local.echo', 12, 5);
    expect(lines.find((line) => line.isMetric)?.json).toMatchObject({ ModelInputTokens: 12, ModelOutputTokens: 5, ModelLatency: expect.any(Number) });
  });

  it('counts 401 and 403 refusals of the authorizer, and nothing for allowed requests', async () => {
    const unauthorized = observedAuthorizer(async () => {
      throw new Error('Unauthorized');
    });
    await expect(unauthorized(authorizerEvent)).rejects.toThrow('Unauthorized');
    await observedAuthorizer(async () => policy('Deny'))(authorizerEvent);
    await observedAuthorizer(async () => policy('Allow'))(authorizerEvent);

    const metrics = lines.filter((line) => line.isMetric).map((line) => line.json);
    expect(metrics).toEqual([
      expect.objectContaining({ AuthorizerDenials: 1, status: '401', requestId: 'req-9' }),
      expect.objectContaining({ AuthorizerDenials: 1, status: '403', requestId: 'req-9' }),
    ]);
  });
});
