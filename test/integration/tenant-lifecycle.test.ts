import { AdminGetUserCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { readMailbox } from '../../functions/users/mailer.mailbox';
import { LOCAL_CREDENTIALS } from '../../local/platform.config';
import type { ProvisionedPlatformAdmin } from '../../local/provisioner';
import { startTestPlatform, uniqueTenantId, type ApiResponse, type TestPlatform, type Tokens } from '../support/platform';

/**
 * The tenant lifecycle through the local gateway, with the local EventBridge bus, the local provisioner in
 * cognito-local and the provisioning-events function: onboard by API, invite, accept, log in, call the API; API
 * keys from creation to revocation; suspension; offboarding down to DELETED with the slug free again.
 */

const EU = 'eu-central-1';
const US = 'us-east-1';
const PASSWORD = 'Correct-Horse-9-Battery';

let platform: TestPlatform;
let admin: ProvisionedPlatformAdmin;
let platformTokens: Tokens;

/** Calls until one of the statuses is answered or the gate's cache bound (1 s here, plus a margin) has passed. */
async function withinGateBound(call: () => Promise<ApiResponse>, ...statuses: number[]): Promise<ApiResponse> {
  const deadline = Date.now() + 1_500;
  let response = await call();
  while (!statuses.includes(response.status) && Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, 100));
    response = await call();
  }
  return response;
}

function expectStatus(response: ApiResponse, status: number, code?: string): void {
  expect({ status: response.status, ...(code ? { code: response.json?.code } : {}) }).toEqual({ status, ...(code ? { code } : {}) });
}

/**
 * Every tenant id of the platform list with this status, page after page: the filter applies after each page is
 * read, and the test files sharing the emulators make more than a page of tenants.
 */
async function listedTenantIds(status: string): Promise<string[]> {
  const ids: string[] = [];
  for (let cursor: string | undefined, first = true; first || cursor; first = false) {
    const query = `status=${status}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await platform.call(EU, 'GET', `/v1/tenants?${query}`, { token: platformTokens.accessToken });
    expectStatus(page, 200);
    ids.push(...page.json.items.map((entry: { tenantId: string }) => entry.tenantId));
    cursor = page.json.nextCursor;
  }
  return ids;
}

const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** The code of the newest invitation mailed to `email`. */
async function invitationCodeFor(email: string): Promise<string> {
  const mails = (await readMailbox(platform.mailboxDir)).filter((mail) => mail.to === email && mail.data?.kind === 'invitation');
  const code = mails.at(-1)?.data?.code;
  if (!code) throw new Error(`no invitation mailed to ${email}`);
  return code;
}

/** Accepts the invitation mailed to `email` and signs the new user in. */
async function join(email: string): Promise<{ tokens: Tokens; userId: string; clientId: string }> {
  const accepted = await platform.call(EU, 'POST', '/v1/invitations/accept', json({ code: await invitationCodeFor(email), password: PASSWORD }));
  expectStatus(accepted, 201);
  const tokens = await platform.signIn(accepted.json.auth.clientId, { username: email, password: PASSWORD });
  return { tokens, userId: accepted.json.userId, clientId: accepted.json.auth.clientId };
}

function manifest(tenantId: string, overrides: Record<string, unknown> = {}) {
  return {
    id: tenantId,
    slug: tenantId,
    name: `Tenant ${tenantId}`,
    plan: 'team',
    homeRegion: EU,
    emailDomains: [`${tenantId}.example`],
    admins: [`owner@${tenantId}.example`],
    branding: { displayName: tenantId },
    ...overrides,
  };
}

async function onboard(tenantId: string, overrides: Record<string, unknown> = {}): Promise<ApiResponse> {
  const response = await platform.call(EU, 'POST', '/v1/tenants', { token: platformTokens.accessToken, ...json(manifest(tenantId, overrides)) });
  await platform.onboarding.bus.idle();
  return response;
}

beforeAll(async () => {
  // Route groups see a status change within DIRECTORY_CACHE_SECONDS, the gateway a revocation within
  // ACCESS_CACHE_SECONDS (its authorizer result cache); short bounds keep the suspension and revocation tests quick.
  platform = await startTestPlatform({ environment: { DIRECTORY_CACHE_SECONDS: '1', ACCESS_CACHE_SECONDS: '1' } });
  admin = await platform.platformAdmin();
  platformTokens = await platform.signIn(admin.clientId, admin);
});

afterAll(async () => {
  await platform?.close();
});

describe('onboarding a tenant by API', () => {
  const tenantId = uniqueTenantId('onb');
  let owner: { tokens: Tokens; userId: string; clientId: string };
  let member: { tokens: Tokens; userId: string };

  it('records the tenant PROVISIONING and answers 202', async () => {
    // Act
    const response = await platform.call(EU, 'POST', '/v1/tenants', { token: platformTokens.accessToken, ...json(manifest(tenantId)) });

    // Assess
    expectStatus(response, 202);
    expect(response.json).toEqual(expect.objectContaining({ tenantId, status: 'PROVISIONING', region: EU, version: 1 }));
    expect(response.headers.get('location')).toBe(`/v1/tenants/${tenantId}`);
  });

  it('is ACTIVE once the provisioner has made its pool, and its admin is invited by mail', async () => {
    // Act
    await platform.onboarding.bus.idle();
    const tenant = await platform.call(EU, 'GET', `/v1/tenants/${tenantId}`, { token: platformTokens.accessToken });
    const listed = await listedTenantIds('ACTIVE');

    // Assess
    expectStatus(tenant, 200);
    expect(tenant.json.status).toBe('ACTIVE');
    expect(await invitationCodeFor(`owner@${tenantId}.example`)).toMatch(new RegExp(`^inv\\.${tenantId}\\.`));
    expect(listed).toContain(tenantId);
  });

  it('refuses the same slug or id again with 409, and onboarding outside the control-plane region with 421', async () => {
    // Act
    const again = await platform.call(EU, 'POST', '/v1/tenants', { token: platformTokens.accessToken, ...json(manifest(`${tenantId}-2`, { slug: tenantId })) });
    const elsewhere = await platform.call(US, 'POST', '/v1/tenants', { token: platformTokens.accessToken, ...json(manifest(`${tenantId}-3`)) });

    // Assess
    expectStatus(again, 409);
    expectStatus(elsewhere, 421, 'wrong-region');
  });

  it('lets the invited admin accept, sign in and use the API; a code works once', async () => {
    // Act
    owner = await join(`owner@${tenantId}.example`);
    const tenant = await platform.call(EU, 'GET', `/v1/tenants/${tenantId}`, { token: owner.tokens.idToken });
    const users = await platform.call(EU, 'GET', `/v1/tenants/${tenantId}/users`, { token: owner.tokens.idToken });
    const reused = await platform.call(
      EU,
      'POST',
      '/v1/invitations/accept',
      json({ code: await invitationCodeFor(`owner@${tenantId}.example`), password: PASSWORD }),
    );

    // Assess
    expectStatus(tenant, 200);
    expect(users.json.items).toEqual([expect.objectContaining({ userId: owner.userId, role: 'tenant-admin', email: `owner@${tenantId}.example` })]);
    expectStatus(reused, 410, 'gone');
  });

  it('invites a member who accepts, signs in and calls the API with the new token', async () => {
    // Prepare
    const email = `ada@${tenantId}.example`;

    // Act
    const invited = await platform.call(EU, 'POST', `/v1/tenants/${tenantId}/invitations`, { token: owner.tokens.idToken, ...json({ email, role: 'member' }) });
    member = await join(email);
    const agents = await platform.call(EU, 'GET', `/v1/tenants/${tenantId}/agents`, { token: member.tokens.idToken });
    const users = await platform.call(EU, 'GET', `/v1/tenants/${tenantId}/users`, { token: member.tokens.idToken });

    // Assess
    expectStatus(invited, 201);
    expect(invited.json).toEqual(expect.objectContaining({ email, role: 'member', status: 'PENDING' }));
    expect(invited.json).not.toHaveProperty('codeHash');
    expectStatus(agents, 200);
    expectStatus(users, 403);
  });

  it('never demotes or removes the last tenant-admin, but does once another admin exists', async () => {
    // Act
    const demoteSelf = await platform.call(EU, 'PATCH', `/v1/tenants/${tenantId}/users/${owner.userId}`, {
      token: owner.tokens.idToken,
      ...json({ role: 'viewer' }),
    });
    const removeSelf = await platform.call(EU, 'DELETE', `/v1/tenants/${tenantId}/users/${owner.userId}`, { token: owner.tokens.idToken });
    const promote = await platform.call(EU, 'PATCH', `/v1/tenants/${tenantId}/users/${member.userId}`, {
      token: owner.tokens.idToken,
      ...json({ role: 'tenant-admin' }),
    });
    const demote = await platform.call(EU, 'PATCH', `/v1/tenants/${tenantId}/users/${member.userId}`, {
      token: owner.tokens.idToken,
      headers: { 'content-type': 'application/json', 'if-match': promote.headers.get('etag') ?? '' },
      body: JSON.stringify({ role: 'member' }),
    });

    // Assess
    expectStatus(demoteSelf, 409);
    expectStatus(removeSelf, 409);
    expectStatus(promote, 200);
    expect(promote.json.role).toBe('tenant-admin');
    expectStatus(demote, 200);
  });

  it('creates an API key shown once, accepts it as Authorization: ApiKey, and refuses it with 401 within the access bound once revoked', async () => {
    // Act
    const created = await platform.call(EU, 'POST', `/v1/tenants/${tenantId}/api-keys`, {
      token: owner.tokens.idToken,
      ...json({ name: 'ci', role: 'member' }),
    });
    const key: string = created.json.key;
    const used = await platform.call(EU, 'GET', `/v1/tenants/${tenantId}/agents`, { headers: { authorization: `ApiKey ${key}` } });
    const listed = await platform.call(EU, 'GET', `/v1/tenants/${tenantId}/api-keys`, { token: owner.tokens.idToken });
    const revoked = await platform.call(EU, 'DELETE', `/v1/tenants/${tenantId}/api-keys/${created.json.keyId}`, { token: owner.tokens.idToken });
    await new Promise((done) => setTimeout(done, 1_100));
    const afterRevoke = await platform.call(EU, 'GET', `/v1/tenants/${tenantId}/agents`, { headers: { authorization: `ApiKey ${key}` } });

    // Assess
    expectStatus(created, 201);
    expect(key).toMatch(new RegExp(`^apk\\.${tenantId}\\.[0-9a-f]{20}\\.`));
    expectStatus(used, 200);
    expect(listed.json.items).toEqual([expect.objectContaining({ keyId: created.json.keyId, prefix: key.split('.').slice(0, 3).join('.') })]);
    expect(listed.text).not.toContain(key);
    expect(listed.json.items[0]).not.toHaveProperty('secretHash');
    expectStatus(revoked, 204);
    expectStatus(afterRevoke, 401);
  });

  it('removes a user by disabling it in the pool (Cognito then refuses its sign-in; cognito-local does not check)', async () => {
    // Prepare
    const email = `gone@${tenantId}.example`;
    await platform.call(EU, 'POST', `/v1/tenants/${tenantId}/invitations`, { token: owner.tokens.idToken, ...json({ email, role: 'viewer' }) });
    const gone = await join(email);
    const tenant = await platform.call(EU, 'GET', `/v1/discovery?slug=${tenantId}`);
    const cognito = new CognitoIdentityProviderClient({ region: EU, endpoint: platform.cognitoEndpoint, credentials: LOCAL_CREDENTIALS });

    // Act
    const removed = await platform.call(EU, 'DELETE', `/v1/tenants/${tenantId}/users/${gone.userId}`, { token: owner.tokens.idToken });
    const user = await cognito.send(new AdminGetUserCommand({ UserPoolId: tenant.json.tenants[0].auth.userPoolId, Username: email }));
    const users = await platform.call(EU, 'GET', `/v1/tenants/${tenantId}/users`, { token: owner.tokens.idToken });
    cognito.destroy();

    // Assess
    expectStatus(removed, 204);
    expect(user.Enabled).toBe(false);
    expect(users.json.items.map((u: { userId: string }) => u.userId)).not.toContain(gone.userId);
  });

  it("records the platform admin's reads of the tenant in the tenant's audit log", async () => {
    // Act
    const audit = await platform.call(EU, 'GET', `/v1/tenants/${tenantId}/audit?action=tenant.access&limit=100`, { token: owner.tokens.idToken });

    // Assess
    expectStatus(audit, 200);
    expect(audit.json.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ actor: expect.stringMatching(/^platform-admin:/), target: `tenant/${tenantId}` })]),
    );
  });

  it('suspends: 403 tenant-suspended on everything but reading the tenant, until reactivated', async () => {
    // Act
    const suspended = await platform.call(EU, 'POST', `/v1/tenants/${tenantId}/suspend`, { token: platformTokens.accessToken });
    const agents = await withinGateBound(() => platform.call(EU, 'GET', `/v1/tenants/${tenantId}/agents`, { token: member.tokens.idToken }), 403);
    const read = await platform.call(EU, 'GET', `/v1/tenants/${tenantId}`, { token: owner.tokens.idToken });
    const suspendAgain = await platform.call(EU, 'POST', `/v1/tenants/${tenantId}/suspend`, { token: platformTokens.accessToken });
    const reactivated = await platform.call(EU, 'POST', `/v1/tenants/${tenantId}/reactivate`, { token: platformTokens.accessToken });
    const agentsAgain = await withinGateBound(() => platform.call(EU, 'GET', `/v1/tenants/${tenantId}/agents`, { token: member.tokens.idToken }), 200);

    // Assess
    expectStatus(suspended, 200);
    expect(suspended.json.status).toBe('SUSPENDED');
    expectStatus(agents, 403, 'tenant-suspended');
    expectStatus(read, 200);
    expectStatus(suspendAgain, 409, 'illegal-transition');
    expectStatus(reactivated, 200);
    expectStatus(agentsAgain, 200);
  });

  it('offboards: DELETED after the pool is gone and the data purged, its tokens refused, its slug free again', async () => {
    // Act
    const offboarded = await platform.call(EU, 'DELETE', `/v1/tenants/${tenantId}`, { token: platformTokens.accessToken });
    await platform.onboarding.bus.idle();
    const read = await platform.call(EU, 'GET', `/v1/tenants/${tenantId}`, { token: platformTokens.accessToken });
    const withOldToken = await withinGateBound(() => platform.call(EU, 'GET', `/v1/tenants/${tenantId}/agents`, { token: member.tokens.idToken }), 401, 404);
    const discovered = await platform.call(EU, 'GET', `/v1/discovery?slug=${tenantId}`);
    const listed = await listedTenantIds('DELETED');
    const sameSlug = await onboard(`${tenantId}-b`, { slug: tenantId });
    const sameId = await platform.call(EU, 'POST', '/v1/tenants', {
      token: platformTokens.accessToken,
      ...json(manifest(tenantId, { slug: `${tenantId}-c` })),
    });

    // Assess
    expectStatus(offboarded, 202);
    expect(offboarded.json.status).toBe('OFFBOARDING');
    expectStatus(read, 404);
    // Refused either way: 401 once the authorizer no longer knows the issuer (its registration cache keeps a found
    // issuer up to a minute), 404 from the tenant gate until then, since the tenant is DELETED.
    expect([401, 404]).toContain(withOldToken.status);
    expect(withOldToken.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(discovered.json.tenants.map((t: { tenantId: string }) => t.tenantId)).not.toContain(tenantId);
    expect(listed).toContain(tenantId);
    expectStatus(sameSlug, 202);
    expectStatus(sameId, 409);
  });
});
