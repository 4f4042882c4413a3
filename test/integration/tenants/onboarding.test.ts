import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../../functions/core/errors';
import * as keys from '../../../functions/data/table-keys';
import type { AuthContext } from '../../../functions/core/auth-context';
import { DiscoveryService } from '../../../functions/tenants/discovery.service';
import type { TenantManifest } from '../../../functions/tenants/tenant-manifest.schema';
import { LOCAL_REGIONS } from '../../../local/platform.config';
import { uniqueTenantId } from '../../support/platform';
import { createLifecycleFixture, type LifecycleFixture } from './lifecycle-fixture';

/** Onboarding when something fails halfway, against DynamoDB Local with the events port in memory. */

const [EU, US] = LOCAL_REGIONS;
const PLATFORM_ADMIN: AuthContext = { principalType: 'platform-admin', principalId: 'ops-1', roles: ['platform-admin'] };

let fixture: LifecycleFixture;

beforeAll(async () => {
  fixture = await createLifecycleFixture('onboarding');
});

afterAll(async () => {
  await fixture?.dispose();
});

function manifestOf(tenantId: string, slug = tenantId): TenantManifest {
  return {
    id: tenantId,
    slug,
    name: tenantId,
    plan: 'team',
    homeRegion: US,
    emailDomains: [`${slug}.example`],
    admins: [`owner@${slug}.example`],
    sso: { saml: [], oidc: [] },
    mfa: 'REQUIRED',
    branding: { displayName: slug },
    settings: {},
  };
}

describe('onboarding', () => {
  it('records the tenant in its home region and the directory in every region, and asks for provisioning with the manifest', async () => {
    // Prepare
    const tenantId = uniqueTenantId('onb');

    // Act
    await fixture.regions[EU].lifecycle.create(PLATFORM_ADMIN, manifestOf(tenantId), 'req');

    // Assess
    expect(await fixture.regions[US].tenantRecords(tenantId).get(tenantId)).toEqual(expect.objectContaining({ status: 'PROVISIONING', region: US }));
    expect(await fixture.regions[EU].tenantRecords(tenantId).get(tenantId)).toBeUndefined();
    for (const region of LOCAL_REGIONS) {
      expect(await fixture.regions[region].local.directory.findBySlug(tenantId)).toEqual(expect.objectContaining({ tenantId, status: 'PROVISIONING' }));
    }
    expect(fixture.adapters.provisioningRequests.at(-1)).toEqual({ tenantId, slug: tenantId, homeRegion: US, manifest: manifestOf(tenantId) });
  });

  it('gives the id and slug back when the record cannot be written', async () => {
    // Prepare: a record already sits under the id in the home region (no directory entry names it).
    const tenantId = uniqueTenantId('onb');
    await fixture.inspectors[US].send(new PutCommand({ TableName: fixture.tableName, Item: { ...keys.tenantProfile(tenantId), tenantId } }));

    // Act
    const outcome = await fixture.regions[EU].lifecycle.create(PLATFORM_ADMIN, manifestOf(tenantId), 'req').catch((error: unknown) => error);
    const sameSlug = await fixture.regions[EU].lifecycle.create(PLATFORM_ADMIN, manifestOf(`${tenantId}-2`, tenantId), 'req');

    // Assess
    expect(outcome).toBeInstanceOf(ConflictError);
    expect(await fixture.regions[EU].local.directory.get(tenantId)).toBeUndefined();
    expect(sameSlug.response.status).toBe(202);
  });

  it('leaves the tenant FAILED when the provisioning request cannot be sent, and provisions it again on retry', async () => {
    // Prepare
    const tenantId = uniqueTenantId('onb');
    const { events } = fixture.adapters;
    const send = events.provisioningRequested;
    events.provisioningRequested = async () => {
      throw new Error('EventBridge unavailable');
    };

    // Act
    const outcome = await fixture.regions[EU].lifecycle.create(PLATFORM_ADMIN, manifestOf(tenantId), 'req').catch((error: unknown) => error);
    events.provisioningRequested = send;
    const failed = await fixture.regions[EU].local.directory.get(tenantId);
    const retried = await fixture.regions[US].lifecycle.retry({ tenantId, actor: 'platform-admin:ops-1', requestId: 'req-retry' });

    // Assess
    expect(outcome).toEqual(new Error('EventBridge unavailable'));
    expect(failed?.status).toBe('FAILED');
    expect(retried.response).toEqual(expect.objectContaining({ status: 202, body: expect.objectContaining({ status: 'PROVISIONING' }) }));
    expect(fixture.adapters.provisioningRequests.at(-1)).toEqual(expect.objectContaining({ tenantId, manifest: manifestOf(tenantId) }));
  });

  it("names the manifest's SSO providers in the tenant's login once provisioned, so discovery offers a button per provider", async () => {
    // Prepare
    const tenantId = uniqueTenantId('onb');
    const manifest: TenantManifest = {
      ...manifestOf(tenantId),
      sso: {
        saml: [{ name: 'Okta', metadataUrl: 'https://idp.example/metadata', identifiers: [], attributeMapping: { email: 'email' } }],
        oidc: [
          {
            name: 'Entra',
            issuer: 'https://login.example/v2.0',
            clientId: 'console',
            clientSecretRef: 'sso/entra',
            scopes: ['openid', 'email'],
            identifiers: [],
            attributeMapping: { email: 'email' },
          },
        ],
      },
    };
    await fixture.regions[EU].lifecycle.create(PLATFORM_ADMIN, manifest, 'req-create');

    // Act
    await fixture.regions[EU].lifecycle.complete(
      {
        kind: 'provisioningSucceeded',
        detail: { tenantId, auth: { issuer: `https://issuer.test/${tenantId}`, userPoolId: `pool-${tenantId}`, clientId: 'client' } },
      },
      'req-provisioned',
    );

    // Assess
    for (const region of LOCAL_REGIONS) {
      const discovery = new DiscoveryService({ directory: fixture.regions[region].local.directory, regionEndpoints: {} });
      const { tenants } = await discovery.discover({ slug: tenantId });
      expect(tenants.map((tenant) => tenant.auth.identityProviders)).toEqual([['Okta', 'Entra']]);
    }
  });
});
