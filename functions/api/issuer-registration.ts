import { runtimeConfig } from './runtime-config';
import { apiGatewayUsageKeysOf } from './usage-keys.dependencies';
import { USAGE_KEY_RELEASE_RESOURCE_TYPE, UsageKeyReleaseResource } from '../billing/usage-key-release.resource';
import type { UsageKeyRelease } from '../billing/usage-key.binding';
import type { CustomResourceRequest, CustomResourceResponse } from '../core/custom-resource';
import { createLogger } from '../core/logger';
import { dataRegionOf, parseDataRegions } from '../data/data-regions';
import { IssuerRegistrationService, type Registry } from '../identity/issuer-registration.service';
import { IssuerRegistryRepository } from '../identity/issuer-registry.repository';
import { createIsolation } from '../isolation/tenant-db';

/**
 * Not a route group: the registrar behind the CloudFormation custom resources of tenant stacks (and of the control
 * plane): issuer registrations of user pools (lib/constructs/issuer-registrar.ts), which it writes into the registry
 * of the regions named in DATA_REGIONS through each region's issuer registry role (`P#ISSUER#` keys only, given to no
 * other function), and, in a region, the release of a tenant's usage key that a migration made there
 * (`Custom::UsageKeyRelease`, through the region's API Gateway API).
 */
export function createHandler(registryIn: (region: string) => Registry, usageKeys?: UsageKeyRelease) {
  const registrations = new IssuerRegistrationService(registryIn);
  const releases = usageKeys && new UsageKeyReleaseResource(usageKeys);
  const logger = createLogger('issuer-registration');
  return async (request: CustomResourceRequest): Promise<CustomResourceResponse> => {
    let response: CustomResourceResponse;
    if (request.ResourceType === USAGE_KEY_RELEASE_RESOURCE_TYPE) {
      if (!releases) throw new Error(`${USAGE_KEY_RELEASE_RESOURCE_TYPE} is served by the registrar of a region stack only`);
      response = await releases.handle(request);
    } else {
      response = await registrations.handle(request);
    }
    logger.info('custom resource', { resourceType: request.ResourceType, requestType: request.RequestType, physicalResourceId: response.PhysicalResourceId });
    return response;
  };
}

function registriesFromEnvironment(): (region: string) => Registry {
  const config = runtimeConfig();
  const regions = parseDataRegions(process.env.DATA_REGIONS);
  const registries = new Map<string, Registry>();
  return (region) => {
    let registry = registries.get(region);
    if (!registry) {
      const data = dataRegionOf(regions, region);
      const isolation = createIsolation({
        AWS_REGION: region,
        TABLE_NAME: data.tableName,
        DYNAMODB_ENDPOINT: config.DYNAMODB_ENDPOINT,
        DATA_CREDENTIALS: config.DATA_CREDENTIALS,
        ISSUERS_DATA_ROLE_ARN: data.issuersDataRoleArn,
        TENANT_DATA_ROLE_ARN: undefined,
      });
      registry = new IssuerRegistryRepository(isolation.issuerRegistryDb(), data.tableName);
      registries.set(region, registry);
    }
    return registry;
  };
}

let handle: ((request: CustomResourceRequest) => Promise<CustomResourceResponse>) | undefined;

export const handler = (request: CustomResourceRequest): Promise<CustomResourceResponse> => {
  if (!handle) {
    const config = runtimeConfig();
    handle = createHandler(
      registriesFromEnvironment(),
      config.USAGE_KEY_RELEASE === 'api-gateway' ? apiGatewayUsageKeysOf(config.STAGE, config.AWS_REGION, config.APIGATEWAY_ENDPOINT) : undefined,
    );
  }
  return handle(request);
};
