import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { HttpRequest, HttpResponse } from '@aws-sdk/types';
import { Readable } from 'node:stream';
import { BedrockModelProvider } from '../../../functions/models/bedrock.model-provider';
import { ModelInvocationError } from '../../../functions/models/model-provider';

interface Exchange {
  readonly requests: HttpRequest[];
}

/**
 * A real Bedrock runtime client whose HTTP handler answers locally: the SDK's own serializer and deserializer run,
 * so the test checks what goes on the wire and how the real response shape is read.
 */
function clientAnswering(status: number, body: unknown, headers: Record<string, string> = {}): { client: BedrockRuntimeClient } & Exchange {
  const requests: HttpRequest[] = [];
  const client = new BedrockRuntimeClient({
    region: 'eu-central-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: HttpRequest) => {
        requests.push(request);
        const response: HttpResponse = {
          statusCode: status,
          headers: { 'content-type': 'application/json', ...headers },
          body: Readable.from([Buffer.from(JSON.stringify(body))]),
        };
        return { response };
      },
    },
  });
  return { client, requests };
}

/** The JSON body the SDK serialized (a string or bytes, depending on the protocol codec). */
function bodyOf(request: HttpRequest): unknown {
  const body: unknown = request.body;
  return JSON.parse(typeof body === 'string' ? body : new TextDecoder().decode(body as Uint8Array));
}

const converseAnswer = {
  output: { message: { role: 'assistant', content: [{ text: 'Bonjour' }, { text: ' le monde' }] } },
  stopReason: 'end_turn',
  usage: { inputTokens: 17, outputTokens: 4, totalTokens: 21 },
  metrics: { latencyMs: 120 },
};

describe('BedrockModelProvider', () => {
  it('sends instructions as the system prompt and the input as one user turn to the Converse API', async () => {
    // Prepare
    const { client, requests } = clientAnswering(200, converseAnswer);
    const provider = new BedrockModelProvider(client);
    // Act
    await provider.invoke({
      modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
      instructions: 'Translate to French.',
      input: 'Hello world',
      maxOutputTokens: 256,
      temperature: 0.2,
      metadata: { tenantId: 'acme', runId: 'r1' },
    });
    // Assess
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request.method).toBe('POST');
    expect(request.hostname).toBe('bedrock-runtime.eu-central-1.amazonaws.com');
    expect(decodeURIComponent(request.path)).toBe('/model/anthropic.claude-3-haiku-20240307-v1:0/converse');
    expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d+\/eu-central-1\/bedrock\/aws4_request/);
    expect(bodyOf(request)).toEqual({
      system: [{ text: 'Translate to French.' }],
      messages: [{ role: 'user', content: [{ text: 'Hello world' }] }],
      inferenceConfig: { maxTokens: 256, temperature: 0.2 },
      requestMetadata: { tenantId: 'acme', runId: 'r1' },
    });
  });

  it('omits the system prompt and inference config when there are none', async () => {
    // Prepare
    const { client, requests } = clientAnswering(200, converseAnswer);
    // Act
    await new BedrockModelProvider(client).invoke({ modelId: 'amazon.nova-micro-v1:0', instructions: '', input: 'Hi' });
    // Assess
    expect(bodyOf(requests[0])).toEqual({ messages: [{ role: 'user', content: [{ text: 'Hi' }] }] });
  });

  it('joins the text blocks of the answer and reports the tokens Bedrock counted', async () => {
    // Prepare
    const { client } = clientAnswering(200, converseAnswer);
    // Act
    const result = await new BedrockModelProvider(client).invoke({ modelId: 'm', instructions: 'i', input: 'x' });
    // Assess
    expect(result).toEqual({ output: 'Bonjour le monde', usage: { inputTokens: 17, outputTokens: 4 }, stopReason: 'end_turn' });
  });

  it('fails with a safe reason naming the service error code when Bedrock rejects the call', async () => {
    // Prepare
    const { client } = clientAnswering(
      403,
      { message: 'User arn:aws:iam::123456789012:role/secret is not authorized' },
      { 'x-amzn-errortype': 'AccessDeniedException' },
    );
    // Act
    const failure = await new BedrockModelProvider(client).invoke({ modelId: 'm', instructions: 'i', input: 'x' }).catch((e: unknown) => e);
    // Assess
    expect(failure).toBeInstanceOf(ModelInvocationError);
    expect((failure as ModelInvocationError).reason).toBe('Bedrock rejected the call: AccessDeniedException');
    expect((failure as ModelInvocationError).reason).not.toContain('123456789012');
  });

  it('fails when a guardrail stopped the answer', async () => {
    // Prepare
    const { client } = clientAnswering(200, { ...converseAnswer, stopReason: 'guardrail_intervened' });
    // Act
    const failure = await new BedrockModelProvider(client).invoke({ modelId: 'm', instructions: 'i', input: 'x' }).catch((e: unknown) => e);
    // Assess
    expect((failure as ModelInvocationError).reason).toBe('the model refused to answer (guardrail_intervened)');
  });

  it('fails when the answer holds no text', async () => {
    // Prepare
    const { client } = clientAnswering(200, { ...converseAnswer, output: { message: { role: 'assistant', content: [] } } });
    // Act
    const failure = await new BedrockModelProvider(client).invoke({ modelId: 'm', instructions: 'i', input: 'x' }).catch((e: unknown) => e);
    // Assess
    expect(failure).toBeInstanceOf(ModelInvocationError);
  });
});

describe('BedrockModelProvider with tenant governance', () => {
  const guardrail = { id: 'gr1abc', version: '3', blockedTerms: [] };

  it('passes the tenant guardrail to the Converse call and reports what it blocked', async () => {
    // Prepare
    const blocked = {
      output: { message: { role: 'assistant', content: [{ text: 'Sorry.' }] } },
      stopReason: 'guardrail_intervened',
      usage: { inputTokens: 9, outputTokens: 0, totalTokens: 9 },
      trace: { guardrail: { inputAssessment: { gr1abc: { wordPolicy: { customWords: [{ match: 'secret', action: 'BLOCKED' }] } } } } },
      metrics: { latencyMs: 10 },
    };
    const { client, requests } = clientAnswering(200, blocked);
    // Act
    const outcome = new BedrockModelProvider(client).invoke({ modelId: 'm', instructions: '', input: 'the secret', guardrail });
    // Assess
    await expect(outcome).rejects.toMatchObject({
      name: 'GuardrailBlockedError',
      verdict: { action: 'blocked', source: 'input', guardrailId: 'gr1abc', guardrailVersion: '3' },
      usage: { inputTokens: 9, outputTokens: 0 },
    });
    expect(bodyOf(requests[0])).toMatchObject({ guardrailConfig: { guardrailIdentifier: 'gr1abc', guardrailVersion: '3', trace: 'enabled' } });
  });

  it("calls with the tenant's own credential through its own client, and says when the provider refuses it", async () => {
    // Prepare
    const platform = clientAnswering(200, converseAnswer);
    const tenant = clientAnswering(
      403,
      { message: 'The security token included in the request is invalid.' },
      { 'x-amzn-errortype': 'UnrecognizedClientException' },
    );
    const secrets: unknown[] = [];
    const provider = new BedrockModelProvider(platform.client, (secret) => {
      secrets.push(secret);
      return tenant.client;
    });
    const secret = { kind: 'api-key' as const, provider: 'bedrock' as const, apiKey: 'tenant-key-0123456789abcdef' };
    // Act
    const refused = await provider.invoke({ modelId: 'm', instructions: '', input: 'x', credential: { id: 'c1', secret } }).catch((error: unknown) => error);
    const unresolved = await provider.invoke({ modelId: 'm', instructions: '', input: 'x', credential: { id: 'c1' } }).catch((error: unknown) => error);
    // Assess
    expect(secrets).toEqual([secret]);
    expect(platform.requests).toHaveLength(0);
    expect(refused).toBeInstanceOf(ModelInvocationError);
    expect(refused).toMatchObject({ credentialRejected: true, reason: 'Bedrock rejected the call: UnrecognizedClientException' });
    expect(unresolved).toMatchObject({ reason: 'the tenant credential could not be used' });
  });
});
