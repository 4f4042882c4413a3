import { BedrockRuntimeClient, ConverseCommand, type ConverseCommandInput, type ConverseCommandOutput } from '@aws-sdk/client-bedrock-runtime';
import { ModelInvocationError, type ModelInvocation, type ModelProvider, type ModelResult } from './model-provider';

/** The one call the adapter makes; a BedrockRuntimeClient satisfies it. */
export interface ConverseSender {
  send(command: ConverseCommand): Promise<ConverseCommandOutput>;
}

/** Builds the Converse request of an invocation: instructions as the system prompt, the input as one user turn. */
export function toConverseInput(invocation: ModelInvocation): ConverseCommandInput {
  const inferenceConfig = {
    ...(invocation.maxOutputTokens !== undefined ? { maxTokens: invocation.maxOutputTokens } : {}),
    ...(invocation.temperature !== undefined ? { temperature: invocation.temperature } : {}),
  };
  return {
    modelId: invocation.modelId,
    ...(invocation.instructions.length > 0 ? { system: [{ text: invocation.instructions }] } : {}),
    messages: [{ role: 'user', content: [{ text: invocation.input }] }],
    ...(Object.keys(inferenceConfig).length > 0 ? { inferenceConfig } : {}),
    ...(invocation.metadata && Object.keys(invocation.metadata).length > 0 ? { requestMetadata: { ...invocation.metadata } } : {}),
  };
}

/** Reads the answer of a Converse response: the text blocks of the assistant message, and the reported tokens. */
export function fromConverseOutput(output: ConverseCommandOutput): ModelResult {
  const blocks = output.output?.message?.content ?? [];
  const text = blocks.flatMap((block) => (typeof block.text === 'string' ? [block.text] : [])).join('');
  if (output.stopReason === 'guardrail_intervened' || output.stopReason === 'content_filtered') {
    throw new ModelInvocationError(`the model refused to answer (${output.stopReason})`);
  }
  if (text.length === 0) throw new ModelInvocationError('the model returned no text');
  return {
    output: text,
    usage: { inputTokens: output.usage?.inputTokens ?? 0, outputTokens: output.usage?.outputTokens ?? 0 },
    ...(output.stopReason ? { stopReason: output.stopReason } : {}),
  };
}

/** Amazon Bedrock through the Converse API, which speaks one message format for every model family. */
/** Bedrock's answers that say "not now" rather than "never": the step tries again with backoff. */
const RETRYABLE_CODES = new Set([
  'ThrottlingException',
  'ServiceUnavailableException',
  'ModelNotReadyException',
  'ModelTimeoutException',
  'InternalServerException',
]);

export class BedrockModelProvider implements ModelProvider {
  readonly name = 'bedrock' as const;

  constructor(private readonly client: ConverseSender) {}

  async invoke(invocation: ModelInvocation): Promise<ModelResult> {
    let output: ConverseCommandOutput;
    try {
      output = await this.client.send(new ConverseCommand(toConverseInput(invocation)));
    } catch (error) {
      // The SDK error's name is the service's error code (ThrottlingException, AccessDeniedException, ...): safe to
      // record; its message may name account details and stays in the cause only.
      const code = error instanceof Error && error.name !== 'Error' ? error.name : 'UnknownError';
      throw new ModelInvocationError(`Bedrock rejected the call: ${code}`, { cause: error, retryable: RETRYABLE_CODES.has(code) });
    }
    return fromConverseOutput(output);
  }
}

export interface BedrockClientOptions {
  readonly region: string;
  /** Endpoint override, e.g. a VPC endpoint. @default the regional public endpoint */
  readonly endpoint?: string;
}

/** A Bedrock runtime client for a region; created once per function instance. */
export function createBedrockClient(options: BedrockClientOptions): BedrockRuntimeClient {
  return new BedrockRuntimeClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    maxAttempts: 3,
  });
}
