import { join } from 'node:path';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from '../core/config';
import { onFirstUse } from '../core/on-first-use';
import type { CredentialSecretStore } from '../governance/credential-store';
import { FileCredentialStore } from '../governance/credential-store.file';
import type { Isolation } from '../isolation/tenant-db';
import { isolationOf } from './dependencies';
import type { RuntimeConfig } from './runtime-config';

/** Where a store reaches Secrets Manager: a region's tenant sessions, and whether it may list names (purging). */
export interface CredentialStoreAccess {
  /** @default the function's own region */
  readonly region?: string;
  /** The isolation layer whose token vending machine signs with the region's tenant sessions. @default the function's */
  readonly isolation?: Pick<Isolation, 'tvm'>;
  /** Lists secret names with the function's own role (the offboarding purge and a migration's source). @default false */
  readonly purges?: boolean;
  /** The KMS key new secrets are encrypted with (another region's, by its alias). @default CREDENTIAL_KMS_KEY_ID */
  readonly kmsKeyId?: string;
}

/**
 * The configured credential store of a region: Secrets Manager signed with each tenant's own session, or the local file
 * store, one folder per region under CREDENTIAL_STORE_DIR (as Secrets Manager keeps each region's secrets apart).
 */
export function credentialStoreOf(config: RuntimeConfig, access: CredentialStoreAccess = {}): CredentialSecretStore {
  const prefix = config.CREDENTIAL_SECRET_PREFIX;
  const region = access.region ?? config.AWS_REGION;
  if (config.CREDENTIAL_STORE === 'file') {
    if (!config.CREDENTIAL_STORE_DIR) throw new ConfigError('invalid runtime configuration: CREDENTIAL_STORE_DIR is required when CREDENTIAL_STORE is file');
    // The Lambda bundles leave the file store out (BUNDLE_DEFINE in lib/function-bundling.ts).
    if (process.env.LAMBDA_BUNDLE !== 'true') return new FileCredentialStore(join(config.CREDENTIAL_STORE_DIR, region), prefix);
    throw new ConfigError("invalid runtime configuration: CREDENTIAL_STORE=file is the local platform's store; in Lambda it is secrets-manager");
  }
  const kmsKeyId = access.kmsKeyId ?? config.CREDENTIAL_KMS_KEY_ID;
  // Built at first use: the Secrets Manager client loads only in instances that read or write a credential.
  return onFirstUse(() => {
    const sdk = require('@aws-sdk/client-secrets-manager') as typeof import('@aws-sdk/client-secrets-manager');
    const { SecretsManagerCredentialStore } =
      require('../governance/credential-store.secrets-manager') as typeof import('../governance/credential-store.secrets-manager');
    const clients = new Map<string, SecretsManagerClient>();
    return new SecretsManagerCredentialStore({
      prefix,
      ...(kmsKeyId ? { kmsKeyId } : {}),
      ...(access.purges ? { lister: new sdk.SecretsManagerClient({ region, maxAttempts: 3 }) } : {}),
      clientFor: (tenantId) => {
        let client = clients.get(tenantId);
        if (!client) {
          if (clients.size >= 200) clients.delete(clients.keys().next().value as string);
          const tvm = (access.isolation ?? isolationOf(config)).tvm;
          client = new sdk.SecretsManagerClient({ region, maxAttempts: 3, credentials: () => tvm.credentialsFor(tenantId) });
          clients.set(tenantId, client);
        }
        return client;
      },
    });
  });
}
