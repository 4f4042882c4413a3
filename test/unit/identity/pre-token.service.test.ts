import type { PreTokenGenerationTriggerEvent } from 'aws-lambda';
import { createHandler } from '../../../functions/api/pre-token-generation';
import { addTenantClaims, ROLES_CLAIM, TenantMismatchError } from '../../../functions/identity/pre-token.service';
import { TENANT_ID_CLAIM } from '../../../functions/identity/tenant-attribute';

function event(userAttributes: Record<string, string>, groups: string[]): PreTokenGenerationTriggerEvent {
  return {
    version: '1',
    region: 'eu-central-1',
    userPoolId: 'eu-central-1_pool',
    userName: 'user',
    callerContext: { awsSdkVersion: '3', clientId: 'client' },
    triggerSource: 'TokenGeneration_HostedAuth',
    request: { userAttributes, groupConfiguration: { groupsToOverride: groups, iamRolesToOverride: [] } },
    response: { claimsOverrideDetails: {} },
  } as PreTokenGenerationTriggerEvent;
}

describe('pre-token-generation trigger of a tenant pool', () => {
  it("names the pool's tenant and the user's tenant roles in the ID token, leaving other groups out", () => {
    // Act
    const result = addTenantClaims(event({ [TENANT_ID_CLAIM]: 'acme', email: 'a@acme.example' }, ['member', 'viewer', 'Admins']), 'acme');

    // Assess
    expect(result.response.claimsOverrideDetails).toEqual({
      claimsToAddOrOverride: { [TENANT_ID_CLAIM]: 'acme', [ROLES_CLAIM]: 'member viewer' },
      groupOverrideDetails: { groupsToOverride: ['member', 'viewer'] },
    });
  });

  it('gives federated users, who have no tenantId attribute, the tenant of the pool', () => {
    // Act
    const result = addTenantClaims(event({ email: 'b@corp.example' }, []), 'acme');

    // Assess
    expect(result.response.claimsOverrideDetails?.claimsToAddOrOverride).toEqual({ [TENANT_ID_CLAIM]: 'acme', [ROLES_CLAIM]: '' });
  });

  it('refuses a token to a user whose attribute names another tenant', () => {
    // Act
    const act = () => addTenantClaims(event({ [TENANT_ID_CLAIM]: 'globex' }, ['tenant-admin']), 'acme');

    // Assess
    expect(act).toThrow(TenantMismatchError);
  });

  it('refuses to start without a valid TENANT_ID', () => {
    expect(() => createHandler('')).toThrow(/tenant id/);
  });
});
