import type { Handler } from 'aws-lambda';
import { runtimeConfig, type RuntimeConfig } from '../core/config';
import { createLogger } from '../core/logger';
import { createDocumentClient, createDynamoDbClient } from '../data/clients';
import { DirectoryRepository } from '../tenants/directory.repository';
import { createTenantGate } from '../tenants/tenant-gate';
import { TenantRepository } from '../tenants/tenant.repository';

/** What the route groups are built from, created once per function instance (and per region locally). */
export function createDependencies(config: RuntimeConfig, serviceName: string) {
  const db = createDocumentClient(createDynamoDbClient(config));
  const directory = new DirectoryRepository(db, config.TABLE_NAME);
  return {
    config,
    logger: createLogger(serviceName, config.LOG_LEVEL),
    directory,
    tenants: new TenantRepository(db, config.TABLE_NAME),
    tenantGate: createTenantGate({ directory, region: config.AWS_REGION, regionEndpoints: config.REGION_ENDPOINTS }),
  };
}
export type Dependencies = ReturnType<typeof createDependencies>;

/** A Lambda handler that builds the real one from the environment on its first call (cold start). */
export function lazyHandler<E, R>(create: (config: RuntimeConfig) => (event: E, context: never) => Promise<R>): Handler<E, R> {
  let built: ((event: E, context: never) => Promise<R>) | undefined;
  return (event, context) => {
    built ??= create(runtimeConfig());
    return built(event, context as never);
  };
}
