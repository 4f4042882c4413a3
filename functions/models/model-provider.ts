/**
 * The model-provider port: how a workflow step asks a model for an answer. Adapters: Amazon Bedrock (AWS) and a
 * deterministic local provider (the local platform and tests). Runs record the provider's name, so a run answered by
 * the local provider can never pass for a real model's answer.
 */

import type { CoreConfig } from '../core/config';

/** Names of the providers; the run record carries one of them. */
export const MODEL_PROVIDER_NAMES = ['bedrock', 'local'] as const;
export type ModelProviderName = (typeof MODEL_PROVIDER_NAMES)[number];

/**
 * The provider this deployment uses: MODEL_PROVIDER when set; otherwise the local provider on the local stage and
 * Bedrock everywhere else, so a deployed stage never answers with the local model unless told to. Here, apart from
 * the factory, so that naming the provider (the workflows group records it) loads no Bedrock client.
 */
export function modelProviderNameOf(config: Pick<CoreConfig, 'MODEL_PROVIDER' | 'STAGE'>): ModelProviderName {
  return config.MODEL_PROVIDER ?? (config.STAGE === 'local' ? 'local' : 'bedrock');
}

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
  /**
   * The tenant's guardrail, applied to what the call is given and what it answers: an Amazon Bedrock guardrail in
   * AWS, a deterministic content filter on its `blockedTerms` locally. @default none
   */
  readonly guardrail?: GuardrailConfig;
  /**
   * The tenant's own model-provider credential the call is made with: its id (set by the model governance), and its
   * secret (set just before the provider is asked, never stored with the run). @default the platform's own access
   */
  readonly credential?: { readonly id: string; readonly secret?: CredentialSecret };
}

/** A tenant's guardrail configuration. */
export interface GuardrailConfig {
  /** Amazon Bedrock guardrail id or ARN. */
  readonly id: string;
  /** Its version: `DRAFT` or a number. */
  readonly version: string;
  /** Words and phrases the local content filter blocks (the local stand-in of the guardrail's word filters). */
  readonly blockedTerms: readonly string[];
}

/** The secret of a tenant's model-provider credential, as the provider adapters use it. */
export type CredentialSecret =
  /** A role in the tenant's AWS account that the platform assumes (with the external id the tenant gave) to call Bedrock. */
  | { readonly kind: 'aws-role'; readonly roleArn: string; readonly externalId: string }
  /** A provider API key (an Amazon Bedrock API key, sent as a bearer token). */
  | { readonly kind: 'api-key'; readonly provider: 'bedrock'; readonly apiKey: string };

/** What a guardrail stopped: where, and (for the local filter) which of the tenant's terms it matched. */
export interface GuardrailVerdict {
  readonly action: 'blocked';
  readonly source: 'input' | 'output';
  readonly guardrailId: string;
  readonly guardrailVersion: string;
  readonly matched?: readonly string[];
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
  /** The tenant credential the call was made with. @default the platform's own access */
  readonly credentialId?: string;
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
  /** True when the provider refused the credential the call was made with (denied, unknown, expired). */
  readonly credentialRejected: boolean;

  constructor(
    readonly reason: string,
    options?: { cause?: unknown; retryable?: boolean; credentialRejected?: boolean },
  ) {
    super(reason, options);
    this.name = 'ModelInvocationError';
    this.retryable = options?.retryable ?? false;
    this.credentialRejected = options?.credentialRejected ?? false;
  }
}

/** The tenant's guardrail blocked what a call was given or answered; `usage` is what the provider still charged. */
export class GuardrailBlockedError extends ModelInvocationError {
  constructor(
    readonly verdict: GuardrailVerdict,
    readonly usage: TokenUsage = { inputTokens: 0, outputTokens: 0 },
  ) {
    super(`blocked by the tenant's guardrail (${verdict.source})`);
    this.name = 'GuardrailBlockedError';
  }
}

/** The local content filter: the tenant's blocked terms found in the text (case-insensitive), in their order. */
export function blockedTermsIn(text: string, guardrail: GuardrailConfig | undefined): string[] {
  if (!guardrail) return [];
  const lower = text.toLowerCase();
  return guardrail.blockedTerms.filter((term) => lower.includes(term.toLowerCase()));
}
