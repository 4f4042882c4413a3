import fc from 'fast-check';
import type { AuthContext } from '../../../functions/core/auth-context';
import { isAllowed, TENANT_ROLES, type Role } from '../../../functions/core/roles';
import { allowedResources, denyAll, principalPolicy, stageArnOf } from '../../../functions/identity/authorizer-policy';
import { ROUTES } from '../../../functions/routes';
import { methodArnOf, policyAllows } from '../../../local/authorizer-policy';

/**
 * The policy API Gateway caches per credential and evaluates against every later request of it: it must cover
 * every route the principal may call in its own tenant, and no path of another tenant, no method its roles have no
 * route for, no platform-only route.
 */

const STAGE = { region: 'eu-central-1', accountId: '123456789012', apiId: 'abcdef1234', stage: 'prod' } as const;
const TENANTS = ['acme', 'acme2', 'globex', 'acme-x'] as const;
const arnOf = (method: string, path: string) => methodArnOf({ ...STAGE, method, path });
/** A concrete request path of a route: its tenant, and made-up values for the other parameters. */
const pathOf = (routePath: string, tenantId: string, filler: string) =>
  routePath.replace(/\{(\w+)\}/g, (_match, name: string) => (name === 'tenantId' ? tenantId : filler));
const tenantPrincipal = (tenantId: string, role: Role, principalType: 'user' | 'api-key' = 'user'): AuthContext => ({
  principalType,
  principalId: 'p-1',
  tenantId,
  roles: [role],
});
const calledArn = arnOf('GET', '/v1/tenants/acme');
const authenticated = ROUTES.filter((route) => route.access !== 'public');

describe('authorizer policy', () => {
  it('covers every route a tenant principal may call in its own tenant', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TENANT_ROLES),
        fc.constantFrom('user', 'api-key' as const),
        fc.constantFrom('x1', 'a-b', 'AGENT%2F1'),
        (role, type, filler) => {
          // Prepare
          const policy = principalPolicy(calledArn, tenantPrincipal('acme', role, type), ROUTES);
          const callable = authenticated.filter((route) => isAllowed(route.access, [role]));

          // Assess
          for (const route of callable) expect(policyAllows(policy, arnOf(route.method, pathOf(route.path, 'acme', filler)))).toBe(true);
        },
      ),
    );
  });

  it('covers no path of another tenant (ids that share a prefix included), no method without a route of its roles, no platform-only route', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TENANT_ROLES), fc.constantFrom(...authenticated), fc.constantFrom(...TENANTS), (role, route, tenantId) => {
        // Prepare
        const policy = principalPolicy(calledArn, tenantPrincipal('acme', role), ROUTES);
        const arn = arnOf(route.method, pathOf(route.path, tenantId, 'x1'));
        const underTenant = route.path.includes('{tenantId}');
        const methodOfRole = authenticated.some(
          (other) => other.path.includes('{tenantId}') && other.method === route.method && isAllowed(other.access, [role]),
        );

        // Act
        const allowed = policyAllows(policy, arn);

        // Assess
        if (underTenant) expect(allowed).toBe(tenantId === 'acme' && methodOfRole);
        else expect(allowed).toBe(isAllowed(route.access, [role]));
      }),
      { numRuns: 500 },
    );
  });

  it('gives a platform admin every method of the stage, and nothing of another stage or API', () => {
    // Prepare
    const admin: AuthContext = { principalType: 'platform-admin', principalId: 'op', roles: ['platform-admin'] };
    const policy = principalPolicy(calledArn, admin, ROUTES);

    // Assess
    for (const route of authenticated) expect(policyAllows(policy, arnOf(route.method, pathOf(route.path, 'globex', 'x1')))).toBe(true);
    expect(policyAllows(policy, methodArnOf({ ...STAGE, stage: 'other', method: 'GET', path: '/v1/tenants' }))).toBe(false);
    expect(policyAllows(policy, methodArnOf({ ...STAGE, apiId: 'zzzz', method: 'GET', path: '/v1/tenants' }))).toBe(false);
  });

  it('denies the whole stage to a principal whose roles allow no route', () => {
    // Prepare
    const nobody: AuthContext = { principalType: 'user', principalId: 'p', tenantId: 'acme', roles: [] };

    // Act
    const policy = principalPolicy(calledArn, nobody, ROUTES);

    // Assess
    expect(allowedResources(stageArnOf(calledArn), nobody, ROUTES)).toEqual([]);
    expect(policy).toEqual(denyAll(calledArn));
    expect(policyAllows(policy, calledArn)).toBe(false);
  });
});
