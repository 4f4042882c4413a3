import type { CoreConfig } from '../core/config';
import { onFirstUse } from '../core/on-first-use';
import { LocalModelProvider } from './local.model-provider';
import { modelProviderNameOf, type ModelInvocation, type ModelProvider, type ModelResult } from './model-provider';

export { modelProviderNameOf };

/** Creates the configured provider; call once per function instance. */
export function createModelProvider(config: Pick<CoreConfig, 'MODEL_PROVIDER' | 'STAGE' | 'AWS_REGION'>): ModelProvider {
  if (modelProviderNameOf(config) === 'local') return new LocalModelProvider();
  return new DeferredBedrockProvider(config.AWS_REGION);
}

/**
 * Bedrock, with its module and SDK client loaded at the first model call rather than at import: a function instance
 * whose first work calls no model (a run of tool steps only) starts without them, and the local platform, which
 * answers with the local provider, never loads them. Its name is known before, for the wrappers that read it.
 */
class DeferredBedrockProvider implements ModelProvider {
  readonly name = 'bedrock' as const;
  private readonly provider: ModelProvider;

  constructor(region: string) {
    this.provider = onFirstUse(() => {
      const { BedrockModelProvider, createBedrockClient, tenantBedrockClients } =
        require('./bedrock.model-provider') as typeof import('./bedrock.model-provider');
      return new BedrockModelProvider(createBedrockClient({ region }), tenantBedrockClients({ region }));
    });
  }

  invoke(invocation: ModelInvocation): Promise<ModelResult> {
    return this.provider.invoke(invocation);
  }
}
