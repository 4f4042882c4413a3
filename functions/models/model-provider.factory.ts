import type { CoreConfig } from '../core/config';
import { BedrockModelProvider, createBedrockClient, tenantBedrockClients } from './bedrock.model-provider';
import { LocalModelProvider } from './local.model-provider';
import { modelProviderNameOf, type ModelProvider } from './model-provider';

export { modelProviderNameOf };

/** Creates the configured provider; call once per function instance. */
export function createModelProvider(config: Pick<CoreConfig, 'MODEL_PROVIDER' | 'STAGE' | 'AWS_REGION'>): ModelProvider {
  if (modelProviderNameOf(config) === 'local') return new LocalModelProvider();
  return new BedrockModelProvider(createBedrockClient({ region: config.AWS_REGION }), tenantBedrockClients({ region: config.AWS_REGION }));
}
