import type { PreTokenGenerationTriggerEvent } from 'aws-lambda';
import { createHandler } from '../../../functions/api/pre-token-generation';
import { addTenantClaims, ROLES_CLAIM, TenantMismatchError } from '../../../functions/identity/pre-token.service';
import type { TenantRole } from '../../../functions/core/roles';
import { TENANT_ID_CLAIM } from '../../../functions/identity/tenant-attribute';
import { DEFAULT_SSO_ROLE_MAPPING } from '../../../functions/tenants/tenant-manifest.schema';
import { groupsOf, roleOf, SsoSessionError } from '../../../functions/users/sso-membership.service';
import type { Member } from '../../../functions/users/user.schema';
import { preTokenEvent as event } from '../../support/pre-token-event';

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
    expect(() => createHandler('', DEFAULT_SSO_ROLE_MAPPING, () => ({ signIn: async () => member('viewer'), refresh: async () => member('viewer') }))).toThrow(
      /tenant id/,
    );
  });

  it('makes a federated user a member on sign-in and names its member role, not its pool groups', async () => {
    // Prepare
    const joins: unknown[] = [];
    const mapping = { attribute: 'custom:groups', groups: { Owners: 'tenant-admin' as const }, default: 'member' as const };
    const trigger = createHandler('acme', mapping, () => ({
      signIn: async (tenantId, user, requestId) => {
        joins.push({ tenantId, user, requestId });
        return member('tenant-admin');
      },
      refresh: async () => {
        throw new Error('not a refresh');
      },
    }));
    const signIn = event({ sub: 'sub-1', email: 'g@corp.example', identities: '[{"providerName":"Corp"}]', 'custom:groups': '[Owners, Staff]' }, ['viewer']);

    // Act
    const result = await trigger(signIn, { awsRequestId: 'req-1' });

    // Assess
    expect(joins).toEqual([{ tenantId: 'acme', user: { sub: 'sub-1', email: 'g@corp.example', groups: ['Owners', 'Staff'] }, requestId: 'req-1' }]);
    expect(result.response.claimsOverrideDetails?.groupOverrideDetails).toEqual({ groupsToOverride: ['tenant-admin'] });
  });

  it('refreshes a federated session through the member record, and refuses it when the service does', async () => {
    // Prepare
    const refreshed: string[] = [];
    const trigger = (outcome: 'ok' | 'expired') =>
      createHandler('acme', DEFAULT_SSO_ROLE_MAPPING, () => ({
        signIn: async () => {
          throw new Error('not a sign-in');
        },
        refresh: async (_tenantId, sub) => {
          refreshed.push(sub);
          if (outcome === 'expired') throw new SsoSessionError('sign in again');
          return member('member');
        },
      }));
    const refresh = () =>
      ({
        ...event({ sub: 'sub-1', email: 'g@corp.example', identities: '[]' }, []),
        triggerSource: 'TokenGeneration_RefreshTokens',
      }) as PreTokenGenerationTriggerEvent;

    // Act
    const ok = await trigger('ok')(refresh());
    const expired = trigger('expired')(refresh());

    // Assess
    expect(ok.response.claimsOverrideDetails?.groupOverrideDetails).toEqual({ groupsToOverride: ['member'] });
    await expect(expired).rejects.toBeInstanceOf(SsoSessionError);
    expect(refreshed).toEqual(['sub-1', 'sub-1']);
  });

  it('leaves invited users of the pool alone: no membership is made at sign-in', async () => {
    // Prepare
    const trigger = createHandler('acme', DEFAULT_SSO_ROLE_MAPPING, () => {
      throw new Error('no membership for invited users');
    });

    // Act
    const result = await trigger(event({ sub: 'sub-2', email: 'i@acme.example' }, ['member']));

    // Assess
    expect(result.response.claimsOverrideDetails?.groupOverrideDetails).toEqual({ groupsToOverride: ['member'] });
  });
});

describe('SSO role mapping', () => {
  const mapping = { groups: { Owners: 'tenant-admin', Eng: 'member', Audit: 'auditor' }, default: 'viewer' } as const;

  it.each([
    [[], 'viewer'],
    [['Sales'], 'viewer'],
    [['Eng'], 'member'],
    [['Audit', 'Eng'], 'member'],
    [['Audit'], 'auditor'],
    [['Eng', 'Owners'], 'tenant-admin'],
  ])('gives groups %j the role %s', (groups, role) => {
    expect(roleOf(mapping, groups)).toBe(role);
  });

  it.each([
    [undefined, []],
    ['', []],
    ['[Owners, Eng]', ['Owners', 'Eng']],
    ['Owners,Eng', ['Owners', 'Eng']],
    ['[]', []],
  ])('reads the pool attribute %j as %j', (attribute, groups) => {
    expect(groupsOf(attribute)).toEqual(groups);
  });
});

function member(role: TenantRole): Member {
  const at = '2026-06-01T12:00:00.000Z';
  return { tenantId: 'acme', userId: '01JAAAAAAAAAAAAAAAAAAAAAAA', email: 'g@corp.example', role, sub: 'sub-1', createdAt: at, updatedAt: at, version: 1 };
}
