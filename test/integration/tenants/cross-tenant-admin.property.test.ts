import fc from 'fast-check';
import type { ProvisionedTenant } from '../../../local/provisioner';
import { startTestPlatform, type ApiResponse, type TestPlatform } from '../../support/platform';

/**
 * Property 6, cross-tenant administrative access, through the local gateway: only platform admins act on a tenant
 * that is not their own, and every request of theirs on a tenant is recorded, with its request id, in that
 * tenant's own audit log. A tenant's principals (admin, member, API key) are refused on another tenant and leave
 * nothing in its log.
 */

const EU = 'eu-central-1';

let platform: TestPlatform;
let a: ProvisionedTenant;
let b: ProvisionedTenant;
/** Tokens or API keys by principal. */
const credentials: Record<Principal, Record<string, string>> = { 'platform-admin': {}, 'admin-a': {}, 'api-key-a': {}, 'viewer-key-a': {} };
let platformActor: string;
const keyIdsOfA: string[] = [];
/** Each tenant's own admin, to read its audit log. */
const auditors: Record<string, string> = {};

type Principal = 'platform-admin' | 'admin-a' | 'api-key-a' | 'viewer-key-a';
type Target = 'a' | 'b';

const json = (body: unknown) => ({ 'content-type': 'application/json', body: JSON.stringify(body) });

/** Tenant operations an administrator performs, with the roles that may perform them on their own tenant. */
const OPERATIONS = {
  'read-tenant': (t: string) => ({ method: 'GET', path: `/v1/tenants/${t}` }),
  'change-settings': (t: string) => ({ method: 'PATCH', path: `/v1/tenants/${t}`, ...json({ settings: { reviewed: true } }) }),
  'list-users': (t: string) => ({ method: 'GET', path: `/v1/tenants/${t}/users` }),
  'list-invitations': (t: string) => ({ method: 'GET', path: `/v1/tenants/${t}/invitations` }),
  invite: (t: string) => ({ method: 'POST', path: `/v1/tenants/${t}/invitations`, ...json({ email: `someone-${Date.now()}@${t}.example`, role: 'viewer' }) }),
  'list-api-keys': (t: string) => ({ method: 'GET', path: `/v1/tenants/${t}/api-keys` }),
  'list-agents': (t: string) => ({ method: 'GET', path: `/v1/tenants/${t}/agents` }),
} as const;
type Operation = keyof typeof OPERATIONS;

function subOf(token: string): string {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).sub;
}

async function call(principal: Principal, operation: Operation, tenantId: string): Promise<ApiResponse> {
  const { method, path, ...rest } = OPERATIONS[operation](tenantId) as { method: string; path: string; 'content-type'?: string; body?: string };
  const credential = credentials[principal];
  return platform.call(EU, method, path, {
    ...(credential.token ? { token: credential.token } : {}),
    headers: {
      ...(credential.key ? { authorization: `ApiKey ${credential.key}` } : {}),
      ...(rest['content-type'] ? { 'content-type': rest['content-type'] } : {}),
    },
    ...(rest.body ? { body: rest.body } : {}),
  });
}

/** Audit entries of a tenant by an actor, read by the tenant's own admin. */
async function entriesBy(tenantId: string, actor: string): Promise<{ requestId: string; action: string; target: string }[]> {
  const entries: { requestId: string; action: string; target: string }[] = [];
  let cursor: string | undefined;
  do {
    const page = await platform.call(
      EU,
      'GET',
      `/v1/tenants/${tenantId}/audit?actor=${encodeURIComponent(actor)}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      {
        token: auditors[tenantId],
      },
    );
    expect(page.status).toBe(200);
    entries.push(...page.json.items);
    cursor = page.json.nextCursor;
  } while (cursor);
  return entries;
}

beforeAll(async () => {
  platform = await startTestPlatform();
  [a, b] = await Promise.all([platform.createTenant(), platform.createTenant()]);
  const admin = await platform.platformAdmin();
  const [platformTokens, adminA, adminB] = await Promise.all([
    platform.signIn(admin.clientId, admin),
    platform.signIn(a.clientId, a.admin),
    platform.signIn(b.clientId, b.admin),
  ]);
  credentials['platform-admin'] = { token: platformTokens.accessToken };
  platformActor = `platform-admin:${subOf(platformTokens.accessToken)}`;
  credentials['admin-a'] = { token: adminA.idToken };
  auditors[a.tenantId] = adminA.idToken;
  auditors[b.tenantId] = adminB.idToken;
  for (const [principal, role] of [
    ['api-key-a', 'tenant-admin'],
    ['viewer-key-a', 'viewer'],
  ] as const) {
    const created = await platform.call(EU, 'POST', `/v1/tenants/${a.tenantId}/api-keys`, {
      token: adminA.idToken,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: principal, role }),
    });
    credentials[principal] = { key: created.json.key };
    keyIdsOfA.push(created.json.keyId);
  }
});

afterAll(async () => {
  await platform?.close();
});

describe('property 6: cross-tenant administrative access', () => {
  it('only platform admins act across tenants, and each of their requests lands in the target tenant’s audit log', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Principal>('platform-admin', 'admin-a', 'api-key-a', 'viewer-key-a'),
        fc.constantFrom<Target>('a', 'b'),
        fc.constantFrom(...(Object.keys(OPERATIONS) as Operation[])),
        async (principal, target, operation) => {
          // Prepare
          const tenant = target === 'a' ? a.tenantId : b.tenantId;
          const otherTenant = target === 'a' ? b.tenantId : a.tenantId;

          // Act
          const response = await call(principal, operation, tenant);

          // Assess
          const requestId = response.headers.get('x-amzn-requestid');
          if (principal === 'platform-admin') {
            expect(response.status).toBeLessThan(400);
            const recorded = await entriesBy(tenant, platformActor);
            expect(recorded).toEqual(expect.arrayContaining([expect.objectContaining({ requestId, action: 'tenant.access', target: `tenant/${tenant}` })]));
            expect((await entriesBy(otherTenant, platformActor)).map((entry) => entry.requestId)).not.toContain(requestId);
          } else if (target === 'b') {
            expect(response.status).toBe(403);
          } else {
            // On its own tenant a tenant principal is served when its role allows, and is no cross-tenant actor.
            expect([200, 201, 403]).toContain(response.status);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("records nothing of A's principals in B's log", async () => {
    // Act: every tenant principal of A tries every operation on B.
    for (const principal of ['admin-a', 'api-key-a', 'viewer-key-a'] as const) {
      for (const operation of Object.keys(OPERATIONS) as Operation[]) {
        expect((await call(principal, operation, b.tenantId)).status).toBe(403);
      }
    }
    const page = await platform.call(EU, 'GET', `/v1/tenants/${b.tenantId}/audit?limit=100&order=desc`, { token: auditors[b.tenantId] });

    // Assess
    const actorsOfA = [`user:${subOf(credentials['admin-a'].token)}`, ...keyIdsOfA.map((keyId) => `api-key:${keyId}`)];
    const actorsInB = new Set<string>(page.json.items.map((entry: { actor: string }) => entry.actor));
    expect(actorsOfA.filter((actor) => actorsInB.has(actor))).toEqual([]);
  });
});
