import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from '../core/config';
import { onFirstUse } from '../core/on-first-use';
import type { CredentialSecretStore } from '../governance/credential-store';
import { FileCredentialStore } from '../governance/credential-store.file';
import { isolationOf } from './dependencies';
import type { RuntimeConfig } from './runtime-config';

/** The configured credential store: Secrets Manager signed with each tenant's own session, or the local file store. */
export function credentialStoreOf(config: RuntimeConfig): CredentialSecretStore {
  const prefix = config.CREDENTIAL_SECRET_PREFIX;
  if (config.CREDENTIAL_STORE === 'file') {
    if (!config.CREDENTIAL_STORE_DIR) throw new ConfigError('invalid runtime configuration: CREDENTIAL_STORE_DIR is required when CREDENTIAL_STORE is file');
    return new FileCredentialStore(config.CREDENTIAL_STORE_DIR, prefix);
  }
  // Built at first use: the Secrets Manager client loads only in instances that read or write a credential.
  return onFirstUse(() => {
    const sdk = require('@aws-sdk/client-secrets-manager') as typeof import('@aws-sdk/client-secrets-manager');
    const { SecretsManagerCredentialStore } =
      require('../governance/credential-store.secrets-manager') as typeof import('../governance/credential-store.secrets-manager');
    const clients = new Map<string, SecretsManagerClient>();
    return new SecretsManagerCredentialStore({
      prefix,
      ...(config.CREDENTIAL_KMS_KEY_ID ? { kmsKeyId: config.CREDENTIAL_KMS_KEY_ID } : {}),
      clientFor: (tenantId) => {
        let client = clients.get(tenantId);
        if (!client) {
          if (clients.size >= 200) clients.delete(clients.keys().next().value as string);
          const tvm = isolationOf(config).tvm;
          client = new sdk.SecretsManagerClient({ region: config.AWS_REGION, maxAttempts: 3, credentials: () => tvm.credentialsFor(tenantId) });
          clients.set(tenantId, client);
        }
        return client;
      },
    });
  });
}
