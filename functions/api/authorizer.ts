import type { APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import type { RuntimeConfig } from './runtime-config';
import { createLogger } from '../core/logger';
import { ApiKeyRepository } from '../api-keys/api-key.repository';
import { apiKeyAuthenticator, type ApiKeyLookup } from '../identity/api-key.authenticator';
import { apiGatewayAuthorizer, type Authorizer, type AuthorizerLogger } from '../identity/authorizer.adapter';
import { AuthorizerService, bearerAuthenticator } from '../identity/authorizer.service';
import { CachedIssuerLookup } from '../identity/issuer-lookup.cache';
import { IssuerRegistryRepository } from '../identity/issuer-registry.repository';
import { usageKeysOf } from '../identity/usage-identifier';
import { TokenVerifier, type IssuerLookup, type KeySetFactory } from '../identity/token-verifier';
import type { Isolation } from '../isolation/tenant-db';
import { CachedDirectory } from '../tenants/directory.cache';
import { DirectoryReader } from '../tenants/directory.reader';
import { servesTenantUsers } from '../tenants/tenant-lifecycle';
import { MemberReader } from '../users/member.reader';
import type { Member } from '../users/user.schema';
import type { MemberAccess, MemberAccessLookup } from '../identity/member-access';
import { isolationOf, lazyHandler, meterOf, writingMeter } from './dependencies';
import type { UsageMeter } from '../usage/usage.meter';
import { memoryMbOf } from '../core/lambda-context';
import { ROUTE_ACCESS } from '../identity/route-access';
import { observedAuthorizer } from '../observability/authorizer-telemetry';

export type { Authorizer };

export interface AuthorizerDependencies {
  /** @default the issuer registry in the region's table */
  readonly issuers: IssuerLookup;
  /** @default the system clock */
  readonly clock: () => Date;
  /** How a JWKS URI becomes a key resolver. @default jose's remote JWKS over HTTP(S) */
  readonly keySetFor: KeySetFactory;
  /** @default a Powertools logger at the configured level */
  readonly logger: AuthorizerLogger;
  /** Stored API keys. @default the tenant's API keys, read through its tenant-scoped client */
  readonly apiKeys: ApiKeyLookup;
  /**
   * The tenants' member records. @default read through the tenant-scoped client on every call: the authorizer runs
   * once per credential and ACCESS_CACHE_SECONDS (API Gateway's result cache), which is the whole revocation bound
   */
  readonly members: MemberAccessLookup;
  /**
   * The directory entry of the tenant an API key names, and of a tenant principal's tenant when its member record is
   * missing (moved to another region?). @default the tenant directory, through a CachedDirectory (DIRECTORY_CACHE_SECONDS)
   */
  readonly tenants: Pick<DirectoryReader, 'get'>;
  /** The scoped clients and the credential cache behind them. @default the function instance's isolation layer */
  readonly isolation: Isolation;
  /**
   * Meters each invocation that let a tenant's principal in to that tenant (its Lambda time is the tenant's cost).
   * @default the function instance's usage meter; none when another isolation layer is given (its calls are not the
   * instance's to meter)
   */
  readonly meter: Pick<UsageMeter, 'addInvocation'>;
}

type PlatformRepositories = Pick<AuthorizerDependencies, 'issuers' | 'tenants'>;

/** The registry and directory over platform items, read with the directory read role's credentials only. */
function platformRepositories(config: RuntimeConfig, isolation: Isolation): PlatformRepositories {
  const db = isolation.directoryDb();
  const directory = new DirectoryReader(db, config.TABLE_NAME);
  return {
    issuers: new CachedIssuerLookup(new IssuerRegistryRepository(db, config.TABLE_NAME)),
    tenants: new CachedDirectory(directory, { ttlMs: config.DIRECTORY_CACHE_SECONDS * 1000 }),
  };
}

/**
 * API keys read with the credentials of the tenant the key names (the token vending machine), so a key can only
 * ever open a record of its own tenant. The tenant must serve its users first: anyone can make up a well-formed
 * key, and each made-up tenant would otherwise cost an STS AssumeRole (an account-wide rate) and push a real
 * tenant's credentials out of the container's cache. Such a key finds no record, so it gets the same 401 as any
 * other bad key. Built on the first API key, as bearer-only functions never need it.
 */
function tenantApiKeys(config: RuntimeConfig, tenants: () => Pick<DirectoryReader, 'get'>, isolation: () => Isolation): ApiKeyLookup {
  let repository: ApiKeyRepository | undefined;
  return {
    find: async (tenantId, keyId) => {
      const entry = await tenants().get(tenantId);
      if (!entry || !servesTenantUsers(entry.status)) return undefined;
      repository ??= new ApiKeyRepository((id) => isolation().forTenant(id), config.TABLE_NAME);
      return repository.find(tenantId, keyId);
    },
  };
}

/**
 * Member records read with the credentials of the member's own tenant, uncached: API Gateway keeps the authorizer's
 * answer for ACCESS_CACHE_SECONDS, and a second cache here would add its own bound to that one.
 */
function tenantMembers(config: RuntimeConfig, isolation: () => Isolation): MemberAccessLookup {
  let reader: MemberReader | undefined;
  const members = () => (reader ??= new MemberReader((id) => isolation().forTenant(id), config.TABLE_NAME));
  const access = (member: Member | undefined): MemberAccess | undefined => member && { memberId: member.userId, role: member.role };
  return {
    bySub: async (tenantId, sub) => access(await members().findBySub(tenantId, sub)),
    byId: async (tenantId, memberId) => access(await members().get(tenantId, memberId)),
  };
}

/**
 * The Lambda REQUEST authorizer of a regional API: Cognito bearer tokens of registered issuers and API keys of
 * tenants, answered with a policy over every route of the route table the principal may call.
 */
export function createAuthorizer(config: RuntimeConfig, deps: Partial<AuthorizerDependencies> = {}): Authorizer {
  const isolation = () => deps.isolation ?? isolationOf(config);
  let platform: PlatformRepositories | undefined;
  const repositories = () => (platform ??= platformRepositories(config, isolation()));
  const tenants = () => deps.tenants ?? repositories().tenants;
  const verifier = new TokenVerifier({ issuers: deps.issuers ?? repositories().issuers, keySetFor: deps.keySetFor, clock: deps.clock });
  const service = new AuthorizerService({
    authenticators: {
      bearer: bearerAuthenticator(verifier),
      'api-key': apiKeyAuthenticator(deps.apiKeys ?? tenantApiKeys(config, tenants, isolation), deps.clock),
    },
    members: deps.members ?? tenantMembers(config, isolation),
    // The directory the gate reads: a tenant that moved to another region is answered 421 there, not 401 here.
    residency: { region: config.AWS_REGION, directory: { get: (tenantId) => tenants().get(tenantId) } },
  });
  const authorize = observedAuthorizer(
    apiGatewayAuthorizer(service, deps.logger ?? createLogger('authorizer', config.LOG_LEVEL), ROUTE_ACCESS, usageKeysOf(config.STAGE)),
  );
  const meter = deps.meter ?? (deps.isolation ? undefined : meterOf(config));
  return writingMeter(
    config,
    async (event: APIGatewayRequestAuthorizerEvent, context?: Context) => {
      const started = performance.now();
      const result = await authorize(event);
      // An allowed principal's context names its tenant; a denial carries none.
      const tenantId = result.context?.tenantId;
      if (typeof tenantId === 'string' && tenantId) {
        const elapsedMs = performance.now() - started;
        meter?.addInvocation(memoryMbOf(context), elapsedMs, [{ tenantId, elapsedMs }]);
      }
      return result;
    },
    'due',
  );
}

export const handler = lazyHandler((config) => createAuthorizer(config));
