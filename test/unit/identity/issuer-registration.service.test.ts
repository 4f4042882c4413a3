import { IssuerRegistrationService, type Registry } from '../../../functions/identity/issuer-registration.service';
import type { IssuerRegistration } from '../../../functions/identity/issuer-registry.repository';

/** A registry per region, as a Map: the simpler model of the DynamoDB-backed one. */
function registries() {
  const byRegion = new Map<string, Map<string, IssuerRegistration>>();
  const registryIn = (region: string): Registry => {
    if (!['eu-central-1', 'us-east-1'].includes(region)) throw new Error(`no data of region ${region}`);
    const items = byRegion.get(region) ?? new Map<string, IssuerRegistration>();
    byRegion.set(region, items);
    return {
      register: async (registration) => void items.set(registration.issuer, registration),
      deregister: async (issuer) => void items.delete(issuer),
    };
  };
  return { byRegion, service: new IssuerRegistrationService(registryIn) };
}

const ISSUER = 'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_abc';
const registration: IssuerRegistration = {
  kind: 'tenant',
  issuer: ISSUER,
  tenantId: 'acme',
  clientIds: ['client-1'],
  jwksUri: `${ISSUER}/.well-known/jwks.json`,
};

describe('issuer registration custom resource', () => {
  it("registers on create in the named region's registry, identified by region and issuer", async () => {
    // Prepare
    const { byRegion, service } = registries();

    // Act
    const response = await service.handle({
      RequestType: 'Create',
      ResourceProperties: { ServiceToken: 'arn', Region: 'eu-central-1', Registration: registration },
    });

    // Assess
    expect(response).toEqual({ PhysicalResourceId: `eu-central-1|${ISSUER}`, Data: { Issuer: ISSUER } });
    expect(byRegion.get('eu-central-1')?.get(ISSUER)).toEqual(registration);
  });

  it('replaces the registration on update and removes it on delete', async () => {
    // Prepare
    const { byRegion, service } = registries();
    const physicalId = `eu-central-1|${ISSUER}`;
    await service.handle({ RequestType: 'Create', ResourceProperties: { Region: 'eu-central-1', Registration: registration } });

    // Act
    await service.handle({
      RequestType: 'Update',
      PhysicalResourceId: physicalId,
      ResourceProperties: { Region: 'eu-central-1', Registration: { ...registration, clientIds: ['client-2'] } },
    });
    const updated = byRegion.get('eu-central-1')?.get(ISSUER);
    await service.handle({ RequestType: 'Delete', PhysicalResourceId: physicalId, ResourceProperties: {} });

    // Assess
    expect(updated?.clientIds).toEqual(['client-2']);
    expect(byRegion.get('eu-central-1')?.size).toBe(0);
  });

  it('ignores the delete of a create that failed before writing (an id that is not its own)', async () => {
    // Prepare
    const { service } = registries();

    // Act
    const response = await service.handle({ RequestType: 'Delete', PhysicalResourceId: '2026/11/28/[$LATEST]abc', ResourceProperties: {} });

    // Assess
    expect(response.PhysicalResourceId).toBe('2026/11/28/[$LATEST]abc');
  });

  it.each([
    [{ Region: 'eu-central-1', Registration: { ...registration, tenantId: 'Not#A#Tenant' } }, /tenant id/],
    [{ Region: 'eu-central-1', Registration: { ...registration, clientIds: [] } }, /clientIds|too_small|>=1/],
    [{ Region: 'ap-south-1', Registration: registration }, /no data of region ap-south-1/],
  ])('refuses bad properties: %j', async (properties, message) => {
    // Prepare
    const { service } = registries();

    // Act
    const act = service.handle({ RequestType: 'Create', ResourceProperties: properties });

    // Assess
    await expect(act).rejects.toThrow(message);
  });
});
