import * as fc from 'fast-check';
import { roleCovers } from '../../../functions/identity/member-access';
import { TENANT_ROLES, type TenantRole } from '../../../functions/core/roles';

describe('roleCovers', () => {
  it('is reflexive and transitive, and only a tenant-admin covers an auditor', () => {
    const role = fc.constantFrom<TenantRole>(...TENANT_ROLES);
    fc.assert(
      fc.property(role, role, role, (a, b, c) => {
        expect(roleCovers(a, a)).toBe(true);
        if (roleCovers(a, b) && roleCovers(b, c)) expect(roleCovers(a, c)).toBe(true);
        if (b === 'auditor' && a !== 'auditor') expect(roleCovers(a, b)).toBe(a === 'tenant-admin');
      }),
    );
  });
});
