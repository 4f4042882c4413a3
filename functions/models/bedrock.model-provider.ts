import { BedrockRuntimeClient, ConverseCommand, type ConverseCommandInput, type ConverseCommandOutput } from '@aws-sdk/client-bedrock-runtime';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import {
  GuardrailBlockedError,
  ModelInvocationError,
  type CredentialSecret,
  type ModelInvocation,
  type ModelProvider,
  type ModelResult,
} from './model-provider';

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
    ...(invocation.guardrail
      ? { guardrailConfig: { guardrailIdentifier: invocation.guardrail.id, guardrailVersion: invocation.guardrail.version, trace: 'enabled' as const } }
      : {}),
  };
}

/** Reads the answer of a Converse response: the text blocks of the assistant message, and the reported tokens. */
export function fromConverseOutput(output: ConverseCommandOutput, invocation?: Pick<ModelInvocation, 'guardrail'>): ModelResult {
  const blocks = output.output?.message?.content ?? [];
  const text = blocks.flatMap((block) => (typeof block.text === 'string' ? [block.text] : [])).join('');
  const usage = { inputTokens: output.usage?.inputTokens ?? 0, outputTokens: output.usage?.outputTokens ?? 0 };
  if (output.stopReason === 'guardrail_intervened' && invocation?.guardrail) {
    // The trace names the assessments: any on the input means the prompt was blocked before the model answered.
    const source = Object.keys(output.trace?.guardrail?.inputAssessment ?? {}).length > 0 ? 'input' : 'output';
    const { id, version } = invocation.guardrail;
    throw new GuardrailBlockedError({ action: 'blocked', source, guardrailId: id, guardrailVersion: version }, usage);
  }
  if (output.stopReason === 'guardrail_intervened' || output.stopReason === 'content_filtered') {
    throw new ModelInvocationError(`the model refused to answer (${output.stopReason})`);
  }
  if (text.length === 0) throw new ModelInvocationError('the model returned no text');
  return {
    output: text,
    usage,
    ...(output.stopReason ? { stopReason: output.stopReason } : {}),
  };
}

/** Bedrock's answers that say "not now" rather than "never": the step tries again with backoff. */
const RETRYABLE_CODES = new Set([
  'ThrottlingException',
  'ServiceUnavailableException',
  'ModelNotReadyException',
  'ModelTimeoutException',
  'InternalServerException',
]);

/** Bedrock's answers that say the credential the call was signed with is not (or no longer) good. */
const CREDENTIAL_CODES = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnrecognizedClientException',
  'ExpiredTokenException',
  'InvalidSignatureException',
]);

/** Amazon Bedrock through the Converse API, which speaks one message format for every model family. */
export class BedrockModelProvider implements ModelProvider {
  readonly name = 'bedrock' as const;

  constructor(
    private readonly client: ConverseSender,
    /** The client of a tenant's own credential. @default calls with a tenant credential are refused */
    private readonly clientFor?: (secret: CredentialSecret) => ConverseSender,
  ) {}

  async invoke(invocation: ModelInvocation): Promise<ModelResult> {
    const secret = invocation.credential?.secret;
    if (invocation.credential && (!secret || !this.clientFor)) throw new ModelInvocationError('the tenant credential could not be used');
    const client = secret && this.clientFor ? this.clientFor(secret) : this.client;
    let output: ConverseCommandOutput;
    try {
      output = await client.send(new ConverseCommand(toConverseInput(invocation)));
    } catch (error) {
      // The SDK error's name is the service's error code (ThrottlingException, AccessDeniedException, ...): safe to
      // record; its message may name account details and stays in the cause only.
      const code = error instanceof Error && error.name !== 'Error' ? error.name : 'UnknownError';
      throw new ModelInvocationError(`Bedrock rejected the call: ${code}`, {
        cause: error,
        retryable: RETRYABLE_CODES.has(code),
        credentialRejected: secret !== undefined && CREDENTIAL_CODES.has(code),
      });
    }
    const result = fromConverseOutput(output, invocation);
    return invocation.credential ? { ...result, credentialId: invocation.credential.id } : result;
  }
}

/**
 * Bedrock clients of tenants' own credentials, one per secret (a rotated secret gets a new client): a role in the
 * tenant's account assumed with its external id, or a Bedrock API key sent as a bearer token.
 */
export function tenantBedrockClients(options: BedrockClientOptions & { readonly sts?: Pick<STSClient, 'send'> }): (secret: CredentialSecret) => ConverseSender {
  const clients = new Map<string, BedrockRuntimeClient>();
  const sts = options.sts ?? new STSClient({ region: options.region, maxAttempts: 3 });
  return (secret) => {
    const key = JSON.stringify(secret);
    let client = clients.get(key);
    if (!client) {
      if (clients.size >= 200) clients.delete(clients.keys().next().value as string);
      client =
        secret.kind === 'api-key'
          ? new BedrockRuntimeClient({ region: options.region, token: { token: secret.apiKey }, authSchemePreference: ['httpBearerAuth'], maxAttempts: 3 })
          : new BedrockRuntimeClient({ region: options.region, credentials: () => assumeTenantRole(sts, secret), maxAttempts: 3 });
      clients.set(key, client);
    }
    return client;
  };
}

/** Credentials of the tenant's role, assumed with the external id it gave (the confused-deputy guard). */
async function assumeTenantRole(sts: Pick<STSClient, 'send'>, secret: Extract<CredentialSecret, { kind: 'aws-role' }>): Promise<AwsCredentialIdentity> {
  const { Credentials: c } = await sts.send(
    new AssumeRoleCommand({ RoleArn: secret.roleArn, ExternalId: secret.externalId, RoleSessionName: 'agent-platform-model-call', DurationSeconds: 900 }),
  );
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new ModelInvocationError('the tenant role could not be assumed', { credentialRejected: true });
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
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
