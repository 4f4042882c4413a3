import { tenantMigrationOf } from '../../../functions/api/tenant-migration.dependencies';
import { parseRuntimeConfig } from '../../../functions/api/runtime-config';
import { ConfigError } from '../../../functions/core/config';
import type { TenantMigrationProps } from '../../../functions/portability/tenant-migration';

/** Which regions a migration reaches the usage plans of, and through which endpoints: the wiring, no call made. */

const [EU, US] = ['eu-central-1', 'us-east-1'];

function configWith(env: Record<string, string>) {
  return parseRuntimeConfig({
    AWS_REGION: EU,
    TABLE_NAME: 'platform',
    STAGE: 'dev',
    DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
    DATA_CREDENTIALS: 'local',
    LOG_LEVEL: 'ERROR',
    CONTROL_PLANE_REGION: EU,
    DIRECTORY_REGIONS: `${EU},${US}`,
    BUNDLE_SECRET: 'migration-wiring-test-secret-of-32-characters',
    EXPORT_BUCKETS: JSON.stringify({ [EU]: 'exports-eu', [US]: 'exports-us' }),
    ...env,
  });
}

const regionsOf = (migration: unknown) => (migration as { props: TenantMigrationProps }).props.regions;

describe('migration wiring of usage keys', () => {
  it("gives every region a usage key binding when the function moves usage keys (the job consumer in AWS: each region's API Gateway API)", () => {
    // Act
    const regions = regionsOf(tenantMigrationOf(configWith({ USAGE_KEY_BINDING: 'api-gateway' }), US));
    // Assess
    expect(regions[US].usageKeys).toBeDefined();
    expect(regions[EU].usageKeys).toBeDefined();
  });

  it('makes sure of no key where the function moves none (USAGE_KEY_BINDING unset)', () => {
    // Act
    const regions = regionsOf(tenantMigrationOf(configWith({}), US));
    // Assess
    expect(regions[US].usageKeys).toBeUndefined();
  });

  it("refuses a local endpoint override without the target region's endpoint: its keys never go to AWS instead", () => {
    // Prepare
    const local = { USAGE_KEY_BINDING: 'api-gateway', APIGATEWAY_ENDPOINT: 'http://127.0.0.1:9001' };
    // Act
    const build = () => tenantMigrationOf(configWith(local), US);
    const withMap = () =>
      tenantMigrationOf(configWith({ ...local, APIGATEWAY_ENDPOINTS: JSON.stringify({ [EU]: 'http://127.0.0.1:9001', [US]: 'http://127.0.0.1:9002' }) }), US);
    // Assess
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(/APIGATEWAY_ENDPOINTS: no API Gateway endpoint of us-east-1/);
    expect(regionsOf(withMap())[US].usageKeys).toBeDefined();
  });
});
