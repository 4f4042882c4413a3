import { closeRegion, type BilledTenant } from '../../../functions/billing/period-close.run';

const EU = 'eu-central-1';
const US = 'us-east-1';
const move = (to: string) => ({ to, exportId: 'migration-1', since: '2026-12-01T00:00:00.000Z' });

describe("a region's period close", () => {
  it('closes the tenants homed here, reports one a migration is moving away as left to its new region, and passes the others by', async () => {
    // Prepare: at home, moving away, moved here (the mark left for the purge), homed elsewhere, offboarding
    const tenants: BilledTenant[] = [
      { tenantId: 'home-a', region: EU, status: 'ACTIVE' },
      { tenantId: 'moving-b', region: EU, status: 'ACTIVE', moving: move(US) },
      { tenantId: 'arrived-c', region: EU, status: 'SUSPENDED', moving: move(EU) },
      { tenantId: 'away-d', region: US, status: 'ACTIVE' },
      { tenantId: 'leaving-e', region: EU, status: 'OFFBOARDING' },
    ];
    const closed: string[] = [];
    const checked: string[] = [];

    // Act
    const report = await closeRegion(
      {
        region: EU,
        tenants: async function* () {
          yield tenants;
        },
        periods: {
          close: async (tenantId) => {
            closed.push(tenantId);
            return [];
          },
        },
        payments: {
          suspendIfOverdue: async (tenantId) => {
            checked.push(tenantId);
            return false;
          },
        },
      },
      'close-1',
    );

    // Assess
    expect(closed).toEqual(['home-a', 'arrived-c']);
    expect(checked).toEqual(['home-a', 'arrived-c']);
    expect(report).toMatchObject({ tenants: 3, issued: [], suspended: [] });
    expect(report.failed).toEqual([{ tenantId: 'moving-b', reason: expect.stringContaining(`moving to ${US}`) }]);
  });
});
