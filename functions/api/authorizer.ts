import type { RuntimeConfig } from '../core/config';
import { createLogger } from '../core/logger';
import { ApiKeyRepository } from '../api-keys/api-key.repository';
import { apiKeyAuthenticator, type ApiKeyLookup } from '../identity/api-key.authenticator';
import { apiGatewayAuthorizer, type Authorizer, type AuthorizerLogger } from '../identity/authorizer.adapter';
import { AuthorizerService, bearerAuthenticator } from '../identity/authorizer.service';
import { CachedIssuerLookup } from '../identity/issuer-lookup.cache';
import { IssuerRegistryRepository } from '../identity/issuer-registry.repository';
import type { SlugDirectory } from '../identity/tenant-signals';
import { usageIdentifierKey } from '../identity/usage-identifier';
import { TokenVerifier, type IssuerLookup, type KeySetFactory } from '../identity/token-verifier';
import { DirectoryRepository } from '../tenants/directory.repository';
import { isolationOf, lazyHandler } from './dependencies';

export type { Authorizer };

export interface AuthorizerDependencies {
  /** @default the issuer registry in the region's table */
  readonly issuers: IssuerLookup;
  /** @default the tenant directory in the region's table */
  readonly directory: SlugDirectory;
  /** @default the system clock */
  readonly clock: () => Date;
  /** How a JWKS URI becomes a key resolver. @default jose's remote JWKS over HTTP(S) */
  readonly keySetFor: KeySetFactory;
  /** @default a Powertools logger at the configured level */
  readonly logger: AuthorizerLogger;
  /** Stored API keys. @default the tenant's API keys, read through its tenant-scoped client */
  readonly apiKeys: ApiKeyLookup;
}

/** The registry and directory over platform items, read with the directory read role's credentials only. */
function platformRepositories(config: RuntimeConfig): Pick<AuthorizerDependencies, 'issuers' | 'directory'> {
  const db = isolationOf(config).directoryDb();
  return {
    issuers: new CachedIssuerLookup(new IssuerRegistryRepository(db, config.TABLE_NAME)),
    directory: new DirectoryRepository(db, config.TABLE_NAME),
  };
}

/**
 * API keys read with the credentials of the tenant the key names (the token vending machine), so a key can only
 * ever open a record of its own tenant. Built on the first API key, as bearer-only functions never need it.
 */
function tenantApiKeys(config: RuntimeConfig): ApiKeyLookup {
  let repository: ApiKeyRepository | undefined;
  return {
    find: (tenantId, keyId) => {
      if (!repository) {
        const isolation = isolationOf(config);
        repository = new ApiKeyRepository((id) => isolation.forTenant(id), config.TABLE_NAME);
      }
      return repository.find(tenantId, keyId);
    },
  };
}

/**
 * The Lambda REQUEST authorizer of a regional API: Cognito bearer tokens of registered issuers and API keys of
 * tenants, tenant signals checked against the credential, route access from the route table.
 */
export function createAuthorizer(config: RuntimeConfig, deps: Partial<AuthorizerDependencies> = {}): Authorizer {
  let platform: ReturnType<typeof platformRepositories> | undefined;
  const repositories = () => (platform ??= platformRepositories(config));
  const verifier = new TokenVerifier({ issuers: deps.issuers ?? repositories().issuers, keySetFor: deps.keySetFor, clock: deps.clock });
  const service = new AuthorizerService({
    authenticators: {
      bearer: bearerAuthenticator(verifier),
      'api-key': apiKeyAuthenticator(deps.apiKeys ?? tenantApiKeys(config), deps.clock),
    },
    directory: deps.directory ?? repositories().directory,
    baseDomain: config.API_BASE_DOMAIN,
  });
  return apiGatewayAuthorizer(service, deps.logger ?? createLogger('authorizer', config.LOG_LEVEL), (tenantId) =>
    usageIdentifierKey(config.STAGE, tenantId),
  );
}

export const handler = lazyHandler((config) => createAuthorizer(config));
