import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { STSClient } from '@aws-sdk/client-sts';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { ConfigError, type CoreConfig } from '../core/config';
import { createDocumentClient } from '../data/clients';
import { roleArnVariable, type DataScope, type PlatformScope } from '../data/data-scopes';
import { tenantIdSchema } from '../data/keys';
import type { IsolationEnv } from './isolation.config';
import { TenantCache, type Clock } from '../core/tenant-cache';
import { consumedCapacityPlugin, type ConsumedCapacityObserver } from '../observability/consumed-capacity.plugin';
import { directoryScope, invoicingScope, issuerRegistryScope, platformScope, tenantGuardPlugin, tenantScope, type KeyScope } from './tenant-guard';
import { LocalCredentialSource, StsCredentialSource, TokenVendingMachine, type CredentialSource } from './token-vending-machine';

/** What the isolation layer reads of the runtime config. */
export type IsolationConfig = Pick<CoreConfig, 'AWS_REGION' | 'TABLE_NAME' | 'DYNAMODB_ENDPOINT'> &
  Pick<IsolationEnv, 'DATA_CREDENTIALS' | 'TENANT_DATA_ROLE_ARN'> &
  Partial<Pick<IsolationEnv, 'DIRECTORY_DATA_ROLE_ARN' | 'PLATFORM_DATA_ROLE_ARN' | 'ISSUERS_DATA_ROLE_ARN'>>;

export interface IsolationDeps {
  /**
   * Where credentials come from.
   * @default STS AssumeRole with `DATA_CREDENTIALS=sts`, the local source with `DATA_CREDENTIALS=local`
   */
  readonly credentialSource?: CredentialSource;
  /** @default Date.now */
  readonly clock?: Clock;
  /**
   * HTTP handler of every data client (tests and benchmarks pass a stub).
   * @default one keep-alive connection pool shared by all data clients of the container
   */
  readonly requestHandler?: DynamoDBClientConfig['requestHandler'];
  /**
   * Most tenant clients kept in the container.
   * @default 200
   */
  readonly clientCapacity?: number;
  /**
   * Most tenants whose credentials are kept in the container.
   * @default 1000
   */
  readonly credentialCapacity?: number;
  /**
   * Receives the capacity units each call of a tenant's client consumed (the calls then ask for them).
   * @default capacity is not asked for
   */
  readonly consumedCapacity?: ConsumedCapacityObserver;
}

export interface Isolation {
  /**
   * A DocumentClient that can touch only the tenant's keys: signed with the tenant's TVM credentials (in AWS, a
   * session of the tenant data role tagged with the tenant) and refusing anything outside `T#<tenantId>#` before it
   * is sent. One client per tenant per container.
   */
  forTenant(tenantId: string): DynamoDBDocumentClient;
  /**
   * A DocumentClient of the period close: the tenant's keys (with the tenant's credentials) and the invoice-number
   * counter of this region, so an invoice takes its number in its own transaction. One per tenant per container.
   */
  forInvoicing(tenantId: string): DynamoDBDocumentClient;
  /**
   * A DocumentClient that only reads platform keys (`P#…`): directory, slugs, email domains, issuer registry. Signed
   * with the directory read role; a function that writes platform keys (and has no read role) reads them with its
   * platform role's session, through the same read-only guard.
   */
  directoryDb(): DynamoDBDocumentClient;
  /** A DocumentClient that reads and writes platform keys (`P#…`) except the issuer registry. Never tenant data. */
  platformDb(): DynamoDBDocumentClient;
  /** A DocumentClient for the issuer registry (`P#ISSUER#…`) only: the issuer registrar's. */
  issuerRegistryDb(): DynamoDBDocumentClient;
  readonly tvm: TokenVendingMachine;
  /** Closes the shared connection pool; clients handed out stop working. */
  destroy(): void;
}

function defaultCredentialSource(config: IsolationConfig, clock: Clock): CredentialSource {
  if (config.DATA_CREDENTIALS === 'local') return new LocalCredentialSource(clock);
  return new StsCredentialSource({
    sts: new STSClient({ region: config.AWS_REGION, maxAttempts: 3 }),
    tenantDataRoleArn: config.TENANT_DATA_ROLE_ARN,
    directoryDataRoleArn: config.DIRECTORY_DATA_ROLE_ARN,
    platformDataRoleArn: config.PLATFORM_DATA_ROLE_ARN,
    issuersDataRoleArn: config.ISSUERS_DATA_ROLE_ARN,
  });
}

/** A function is given only the data roles it needs; asking for a client of another scope is a wiring bug. */
function requireRole(config: IsolationConfig, scope: DataScope): void {
  const name = roleArnVariable(scope);
  if (config.DATA_CREDENTIALS === 'sts' && !config[name]) {
    throw new ConfigError(`invalid runtime configuration: ${name} is required for this client when DATA_CREDENTIALS is sts`);
  }
}

/** The role whose session reads the directory: the read role, or the platform role of a function that writes. */
function directoryReader(config: IsolationConfig): PlatformScope {
  return config.DATA_CREDENTIALS === 'sts' && !config.DIRECTORY_DATA_ROLE_ARN && config.PLATFORM_DATA_ROLE_ARN ? 'platform' : 'directory';
}

/** The tenant's client of one kind from the container's cache, made on first use. */
function cachedTenantClient(
  cache: TenantCache<DynamoDBDocumentClient>,
  tenantId: string,
  kind: string,
  make: () => DynamoDBDocumentClient,
): DynamoDBDocumentClient {
  if (!tenantIdSchema.safeParse(tenantId).success) throw new RangeError(`invalid tenant id ${JSON.stringify(tenantId)}`);
  let client = cache.get(tenantId, kind);
  if (!client) {
    client = make();
    cache.set(tenantId, kind, client);
  }
  return client;
}

/** The guard of each platform client. */
const PLATFORM_CLIENT_SCOPES = { directory: directoryScope, platform: platformScope, issuers: issuerRegistryScope } as const;

/**
 * The isolation layer of a function instance: the token vending machine and the scoped clients built on it.
 * Create it once per container (and per region locally) where the other dependencies are created.
 */
export function createIsolation(config: IsolationConfig, deps: IsolationDeps = {}): Isolation {
  const clock = deps.clock ?? Date.now;
  const tvm = new TokenVendingMachine({
    source: deps.credentialSource ?? defaultCredentialSource(config, clock),
    clock,
    capacity: deps.credentialCapacity,
  });

  // One pool of connections for every scoped client: a client per tenant must not mean sockets per tenant. Clients
  // that leave the cache are dropped, not destroyed: destroying would close the shared pool under requests that an
  // evicted client may still have in flight, and the client itself holds nothing else.
  const agents = deps.requestHandler
    ? undefined
    : { http: new HttpAgent({ keepAlive: true, maxSockets: 50 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 50 }) };
  const requestHandler = deps.requestHandler ?? { httpAgent: agents?.http, httpsAgent: agents?.https };

  const scopedClient = (scope: KeyScope, credentials: AwsCredentialIdentityProvider): DynamoDBDocumentClient => {
    const client = new DynamoDBClient({
      region: config.AWS_REGION,
      ...(config.DYNAMODB_ENDPOINT ? { endpoint: config.DYNAMODB_ENDPOINT } : {}),
      credentials,
      requestHandler,
      maxAttempts: 3,
    });
    client.middlewareStack.use(tenantGuardPlugin(scope, { tableName: config.TABLE_NAME }));
    return createDocumentClient(client);
  };

  const tenantClients = new TenantCache<DynamoDBDocumentClient>({ capacity: deps.clientCapacity ?? 200, clock });
  const platformClients = new Map<keyof typeof PLATFORM_CLIENT_SCOPES, DynamoDBDocumentClient>();
  const platformClient = (client: keyof typeof PLATFORM_CLIENT_SCOPES, role: PlatformScope): DynamoDBDocumentClient => {
    requireRole(config, role);
    let scoped = platformClients.get(client);
    if (!scoped) {
      scoped = scopedClient(PLATFORM_CLIENT_SCOPES[client], () => tvm.platformCredentials(role));
      platformClients.set(client, scoped);
    }
    return scoped;
  };

  return {
    tvm,
    forTenant: (tenantId) =>
      cachedTenantClient(tenantClients, tenantId, 'dynamodb', () => {
        requireRole(config, 'tenant');
        const client = scopedClient(tenantScope(tenantId), () => tvm.credentialsFor(tenantId));
        if (deps.consumedCapacity) client.middlewareStack.use(consumedCapacityPlugin(tenantId, deps.consumedCapacity));
        return client;
      }),
    forInvoicing: (tenantId) =>
      cachedTenantClient(tenantClients, tenantId, 'invoicing', () => {
        requireRole(config, 'tenant');
        return scopedClient(invoicingScope(tenantId, config.AWS_REGION), () => tvm.credentialsFor(tenantId));
      }),
    directoryDb: () => platformClient('directory', directoryReader(config)),
    platformDb: () => platformClient('platform', 'platform'),
    issuerRegistryDb: () => platformClient('issuers', 'issuers'),
    destroy() {
      tenantClients.clear();
      platformClients.clear();
      agents?.http.destroy();
      agents?.https.destroy();
    },
  };
}
