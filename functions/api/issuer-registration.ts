import { runtimeConfig } from './runtime-config';
import { createLogger } from '../core/logger';
import { dataRegionOf, parseDataRegions } from '../data/data-regions';
import { IssuerRegistrationService, type RegistrationRequest, type RegistrationResponse, type Registry } from '../identity/issuer-registration.service';
import { IssuerRegistryRepository } from '../identity/issuer-registry.repository';
import { createIsolation } from '../isolation/tenant-db';

/**
 * Not a route group: the issuer registrar, behind the CloudFormation custom resources that register user pool
 * issuers (lib/constructs/issuer-registrar.ts). It writes the registry of the regions named in DATA_REGIONS through
 * each region's issuer registry role, which reaches `P#ISSUER#` keys only and is given to no other function.
 */
export function createHandler(registryIn: (region: string) => Registry) {
  const service = new IssuerRegistrationService(registryIn);
  const logger = createLogger('issuer-registration');
  return async (request: RegistrationRequest): Promise<RegistrationResponse> => {
    const response = await service.handle(request);
    logger.info('issuer registration', { requestType: request.RequestType, physicalResourceId: response.PhysicalResourceId });
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

let handle: ((request: RegistrationRequest) => Promise<RegistrationResponse>) | undefined;

export const handler = (request: RegistrationRequest): Promise<RegistrationResponse> => {
  handle ??= createHandler(registriesFromEnvironment());
  return handle(request);
};
