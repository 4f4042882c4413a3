import type { CoreConfig } from '../core/config';
import { BedrockModelProvider, createBedrockClient, tenantBedrockClients } from './bedrock.model-provider';
import { LocalModelProvider } from './local.model-provider';
import type { ModelProvider, ModelProviderName } from './model-provider';

/**
 * The provider this deployment uses: MODEL_PROVIDER when set; otherwise the local provider on the local stage and
 * Bedrock everywhere else, so a deployed stage never answers with the local model unless told to.
 */
export function modelProviderNameOf(config: Pick<CoreConfig, 'MODEL_PROVIDER' | 'STAGE'>): ModelProviderName {
  return config.MODEL_PROVIDER ?? (config.STAGE === 'local' ? 'local' : 'bedrock');
}

/** Creates the configured provider; call once per function instance. */
export function createModelProvider(config: Pick<CoreConfig, 'MODEL_PROVIDER' | 'STAGE' | 'AWS_REGION'>): ModelProvider {
  if (modelProviderNameOf(config) === 'local') return new LocalModelProvider();
  return new BedrockModelProvider(createBedrockClient({ region: config.AWS_REGION }), tenantBedrockClients({ region: config.AWS_REGION }));
}
