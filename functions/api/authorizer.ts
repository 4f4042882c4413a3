import type { RuntimeConfig } from '../core/config';
import { createLogger } from '../core/logger';
import { createDocumentClient, createDynamoDbClient } from '../data/clients';
import { apiGatewayAuthorizer, type Authorizer, type AuthorizerLogger } from '../identity/authorizer.adapter';
import { AuthorizerService, bearerAuthenticator } from '../identity/authorizer.service';
import { IssuerRegistryRepository } from '../identity/issuer-registry.repository';
import type { SlugDirectory } from '../identity/tenant-signals';
import { TokenVerifier, type IssuerLookup, type KeySetFactory } from '../identity/token-verifier';
import { DirectoryRepository } from '../tenants/directory.repository';
import { lazyHandler } from './dependencies';

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
}

/** The registry and directory over platform items: the one place the authorizer's DynamoDB client is made. */
function platformRepositories(config: RuntimeConfig): Pick<AuthorizerDependencies, 'issuers' | 'directory'> {
  const db = createDocumentClient(createDynamoDbClient(config));
  return { issuers: new IssuerRegistryRepository(db, config.TABLE_NAME), directory: new DirectoryRepository(db, config.TABLE_NAME) };
}

/**
 * The Lambda REQUEST authorizer of a regional API: Cognito bearer tokens of registered issuers, tenant signals
 * checked against the credential, route access from the route table.
 */
export function createAuthorizer(config: RuntimeConfig, deps: Partial<AuthorizerDependencies> = {}): Authorizer {
  let platform: ReturnType<typeof platformRepositories> | undefined;
  const repositories = () => (platform ??= platformRepositories(config));
  const verifier = new TokenVerifier({ issuers: deps.issuers ?? repositories().issuers, keySetFor: deps.keySetFor, clock: deps.clock });
  const service = new AuthorizerService({
    authenticators: { bearer: bearerAuthenticator(verifier) },
    directory: deps.directory ?? repositories().directory,
    baseDomain: config.API_BASE_DOMAIN,
  });
  return apiGatewayAuthorizer(service, deps.logger ?? createLogger('authorizer', config.LOG_LEVEL));
}

export const handler = lazyHandler((config) => createAuthorizer(config));
