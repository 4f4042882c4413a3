import { ConflictError } from '../functions/core/errors';
import type { LocalProvisioner, ProvisionedPlatformAdmin, ProvisionedTenant, TenantSpec } from './provisioner';
import type { LocalRegion } from './platform.config';

/** The platform admin seeded on first start. */
export const DEMO_PLATFORM_ADMIN_EMAIL = 'admin@platform.example';

/** The demo tenants seeded on first start: one per local region, so residency routing can be tried at once. */
export const DEMO_TENANTS: readonly (TenantSpec & { region: LocalRegion })[] = [
  {
    tenantId: 'acme',
    slug: 'acme',
    name: 'Acme Corporation',
    plan: 'team',
    region: 'eu-central-1',
    emailDomains: ['acme.example'],
    branding: { displayName: 'Acme', primaryColor: '#d9480f' },
    adminEmail: 'admin@acme.example',
  },
  {
    tenantId: 'globex',
    slug: 'globex',
    name: 'Globex Inc.',
    plan: 'enterprise',
    region: 'us-east-1',
    emailDomains: ['globex.example'],
    branding: { displayName: 'Globex', primaryColor: '#1c7ed6' },
    adminEmail: 'admin@globex.example',
  },
];

export interface SeedResult {
  readonly platformAdmin: ProvisionedPlatformAdmin;
  readonly tenants: readonly ProvisionedTenant[];
}

/** Seeds the platform admin and the demo tenants; fails with a hint when an earlier seed was cut short. */
export async function seedDemoPlatform(provisioner: LocalProvisioner): Promise<SeedResult> {
  try {
    const tenants: ProvisionedTenant[] = [];
    for (const spec of DEMO_TENANTS) tenants.push(await provisioner.provisionTenant(spec));
    const platformAdmin = await provisioner.provisionPlatformAdmin({ email: DEMO_PLATFORM_ADMIN_EMAIL });
    return { platformAdmin, tenants };
  } catch (error) {
    if (error instanceof ConflictError) {
      throw new Error(
        `the data directory holds demo tenants but no platform.json (an earlier first start was cut short?): ${error.message}. Delete the data directory to start afresh.`,
      );
    }
    throw error;
  }
}
