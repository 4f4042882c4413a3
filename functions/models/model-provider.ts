/**
 * The model-provider port: how a workflow step asks a model for an answer. Adapters: Amazon Bedrock (AWS) and a
 * deterministic local provider (the local platform and tests). Runs record the provider's name, so a run answered by
 * the local provider can never pass for a real model's answer.
 */

/** Names of the providers; the run record carries one of them. */
export const MODEL_PROVIDER_NAMES = ['bedrock', 'local'] as const;
export type ModelProviderName = (typeof MODEL_PROVIDER_NAMES)[number];

export interface ModelInvocation {
  /** Model id (or inference profile id / ARN) the agent is configured with. */
  readonly modelId: string;
  /** The agent's instructions: the system prompt. */
  readonly instructions: string;
  /** The user turn: what this step is asked. */
  readonly input: string;
  /** Cap on generated tokens. @default the provider's own default */
  readonly maxOutputTokens?: number;
  /** Sampling temperature, 0–1. @default the model's own default */
  readonly temperature?: number;
  /**
   * Attribution tags sent along with the call where the provider supports them (Bedrock request metadata, seen in
   * invocation logs), e.g. tenant and run ids. Values must be short plain strings.
   * @default none
   */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Tokens the provider reports for one invocation; metered per tenant and period. */
export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface ModelResult {
  /** The answer's text. */
  readonly output: string;
  readonly usage: TokenUsage;
  /** Why generation stopped, as the provider says it (`end_turn`, `max_tokens`, ...). */
  readonly stopReason?: string;
  /** The model that answered, when it is not the one asked (a budget policy's fallback). @default the one asked */
  readonly modelId?: string;
}

export interface ModelProvider {
  readonly name: ModelProviderName;
  invoke(invocation: ModelInvocation): Promise<ModelResult>;
}

/**
 * The provider could not answer (model unknown, access denied, throttled, refused, empty answer). `reason` is safe to
 * show to the tenant: it names the kind of failure, never credentials or internal endpoints.
 */
export class ModelInvocationError extends Error {
  /** True when the same call may succeed if tried again shortly (throttled, timed out, model not ready). */
  readonly retryable: boolean;

  constructor(
    readonly reason: string,
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(reason, options);
    this.name = 'ModelInvocationError';
    this.retryable = options?.retryable ?? false;
  }
}
