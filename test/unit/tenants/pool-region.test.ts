import { poolRegionOf } from '../../../functions/tenants/tenant.schema';

/** Where a tenant's users' sign-in data lives, for the compliance report. */
describe('the region of a tenant pool', () => {
  const auth = (userPoolId: string, region?: string) => ({ issuer: 'https://issuer.test', userPoolId, clientId: 'client', ...(region ? { region } : {}) });

  it('is the region recorded at provisioning, else the one an AWS pool id begins with, else unknown', () => {
    // Act
    const regions = [
      poolRegionOf(auth('local_4Fq9b', 'eu-central-1')),
      poolRegionOf(auth('eu-central-1_AbC123')),
      poolRegionOf(auth('us-gov-west-1_AbC123')),
      poolRegionOf(auth('local_4Fq9b')),
      poolRegionOf(auth('pool-acme')),
    ];

    // Assess
    expect(regions).toEqual(['eu-central-1', 'eu-central-1', 'us-gov-west-1', undefined, undefined]);
  });
});
