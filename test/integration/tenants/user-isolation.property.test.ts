import { CognitoIdentityProviderClient, ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider';
import fc from 'fast-check';
import { TENANT_ROLES } from '../../../functions/core/roles';
import { readMailbox } from '../../../functions/users/mailer.mailbox';
import { LOCAL_CREDENTIALS } from '../../../local/platform.config';
import type { ProvisionedTenant } from '../../../local/provisioner';
import { startTestPlatform, type ApiResponse, type TestPlatform } from '../../support/platform';

/**
 * Property 4, tenant user management isolation, through the local gateway with cognito-local: an admin of A (by
 * token or by tenant-admin API key) can never list, invite into, change or remove users of B, whatever tenant
 * signals it sends; and an invitation of A, however its code is edited, can never be accepted into B.
 */

const EU = 'eu-central-1';
const PASSWORD = 'Correct-Horse-9-Battery';

let platform: TestPlatform;
let cognito: CognitoIdentityProviderClient;
let a: ProvisionedTenant;
let b: ProvisionedTenant;
let adminA: string;
let adminB: string;
let apiKeyA: string;
let memberB: { userId: string; email: string };
let pendingB: { invitationId: string; code: string; email: string };

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

async function codeFor(email: string): Promise<string> {
  const code = (await readMailbox(platform.mailboxDir)).filter((mail) => mail.to === email).at(-1)?.data?.code;
  if (!code) throw new Error(`no invitation mailed to ${email}`);
  return code;
}

/** Everything of B an attack could change: its members, its invitations, its pool's users and their state. */
async function stateOfB() {
  const users = await platform.call(EU, 'GET', `/v1/tenants/${b.tenantId}/users`, { token: adminB });
  const invitations = await platform.call(EU, 'GET', `/v1/tenants/${b.tenantId}/invitations`, { token: adminB });
  const pool = await cognito.send(new ListUsersCommand({ UserPoolId: b.userPoolId }));
  return {
    users: users.json.items,
    invitations: invitations.json.items,
    pool: (pool.Users ?? [])
      .map((user) => ({ email: user.Attributes?.find((attribute) => attribute.Name === 'email')?.Value, enabled: user.Enabled }))
      .sort((x, y) => String(x.email).localeCompare(String(y.email))),
  };
}

beforeAll(async () => {
  platform = await startTestPlatform();
  cognito = new CognitoIdentityProviderClient({ region: EU, endpoint: platform.cognitoEndpoint, credentials: LOCAL_CREDENTIALS });
  [a, b] = await Promise.all([platform.createTenant(), platform.createTenant()]);
  [adminA, adminB] = (await Promise.all([platform.signIn(a.clientId, a.admin), platform.signIn(b.clientId, b.admin)])).map((tokens) => tokens.idToken);
  const key = await platform.call(EU, 'POST', `/v1/tenants/${a.tenantId}/api-keys`, { token: adminA, ...json({ name: 'automation', role: 'tenant-admin' }) });
  apiKeyA = key.json.key;

  const memberEmail = `member@${b.tenantId}.example`;
  await platform.call(EU, 'POST', `/v1/tenants/${b.tenantId}/invitations`, { token: adminB, ...json({ email: memberEmail, role: 'member' }) });
  const accepted = await platform.call(EU, 'POST', '/v1/invitations/accept', json({ code: await codeFor(memberEmail), password: PASSWORD }));
  memberB = { userId: accepted.json.userId, email: memberEmail };
  const pendingEmail = `pending@${b.tenantId}.example`;
  const pending = await platform.call(EU, 'POST', `/v1/tenants/${b.tenantId}/invitations`, { token: adminB, ...json({ email: pendingEmail, role: 'viewer' }) });
  pendingB = { invitationId: pending.json.invitationId, code: await codeFor(pendingEmail), email: pendingEmail };
});

afterAll(async () => {
  cognito?.destroy();
  await platform?.close();
});

type Operation = 'list-users' | 'get-user' | 'change-role' | 'remove-user' | 'invite' | 'list-invitations' | 'revoke-invitation';

/** How the request names tenants: B in the path (with or without an agreeing or disagreeing header), or A's path with B's ids. */
type Addressing = 'path-b' | 'path-b-header-a' | 'path-a-header-b' | 'path-a-ids-of-b';

function request(operation: Operation, tenant: string, role: string, email: string): { method: string; path: string; body?: unknown } {
  switch (operation) {
    case 'list-users':
      return { method: 'GET', path: `/v1/tenants/${tenant}/users` };
    case 'get-user':
      return { method: 'GET', path: `/v1/tenants/${tenant}/users/${memberB.userId}` };
    case 'change-role':
      return { method: 'PATCH', path: `/v1/tenants/${tenant}/users/${memberB.userId}`, body: { role } };
    case 'remove-user':
      return { method: 'DELETE', path: `/v1/tenants/${tenant}/users/${memberB.userId}` };
    case 'invite':
      return { method: 'POST', path: `/v1/tenants/${tenant}/invitations`, body: { email, role } };
    case 'list-invitations':
      return { method: 'GET', path: `/v1/tenants/${tenant}/invitations` };
    case 'revoke-invitation':
      return { method: 'DELETE', path: `/v1/tenants/${tenant}/invitations/${pendingB.invitationId}` };
  }
}

describe('property 4: tenant user management isolation', () => {
  it('an admin of A never lists, invites into, changes or removes users of B', async () => {
    const before = await stateOfB();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Operation>('list-users', 'get-user', 'change-role', 'remove-user', 'invite', 'list-invitations', 'revoke-invitation'),
        fc.constantFrom<Addressing>('path-b', 'path-b-header-a', 'path-a-header-b', 'path-a-ids-of-b'),
        fc.constantFrom<'token' | 'api-key'>('token', 'api-key'),
        fc.constantFrom(...TENANT_ROLES),
        fc.emailAddress(),
        async (operation, addressing, credential, role, email) => {
          // Prepare
          const pathTenant = addressing.startsWith('path-a') ? a.tenantId : b.tenantId;
          const header = addressing === 'path-b-header-a' ? a.tenantId : addressing === 'path-a-header-b' ? b.tenantId : undefined;
          const { method, path, body } = request(operation, pathTenant, role, email.toLowerCase());
          const headers = { ...(header ? { 'x-tenant-id': header } : {}), ...(credential === 'api-key' ? { authorization: `ApiKey ${apiKeyA}` } : {}) };

          // Act
          const response: ApiResponse = await platform.call(EU, method, path, {
            ...(credential === 'token' ? { token: adminA } : {}),
            headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
            ...(body ? { body: JSON.stringify(body) } : {}),
          });

          // Assess: B's users never show up (a problem only echoes the path and ids sent), and nothing under
          // B's path is ever served.
          const { instance: _echo, ...answer } = response.json ?? {};
          const shown = JSON.stringify(answer);
          for (const emailOfB of [memberB.email, b.admin.username, pendingB.email]) expect(shown).not.toContain(emailOfB);
          if (addressing !== 'path-a-ids-of-b') expect([401, 403]).toContain(response.status);
          else if (['get-user', 'change-role', 'remove-user', 'revoke-invitation'].includes(operation)) expect(response.status).toBe(404);
        },
      ),
      { numRuns: 60 },
    );
    expect(await stateOfB()).toEqual(before);
  });

  it('an invitation of A, however its code is edited, is never accepted into B', async () => {
    const before = await stateOfB();
    let invited = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('as-sent', 'tenant-of-b', 'invitation-of-b', 'secret-of-b', 'tenant-and-invitation-of-b'),
        fc.constantFrom(...TENANT_ROLES),
        async (edit, role) => {
          // Prepare
          const email = `x-${(invited += 1)}@${a.tenantId}.example`;
          await platform.call(EU, 'POST', `/v1/tenants/${a.tenantId}/invitations`, { token: adminA, ...json({ email, role }) });
          const [mark, , invitationId, secret] = (await codeFor(email)).split('.');
          const [, , invitationOfB, secretOfB] = pendingB.code.split('.');
          const code = {
            'as-sent': [mark, a.tenantId, invitationId, secret],
            'tenant-of-b': [mark, b.tenantId, invitationId, secret],
            'invitation-of-b': [mark, a.tenantId, invitationOfB, secret],
            'secret-of-b': [mark, a.tenantId, invitationId, secretOfB],
            'tenant-and-invitation-of-b': [mark, b.tenantId, invitationOfB, secret],
          }[edit].join('.');

          // Act
          const response = await platform.call(EU, 'POST', '/v1/invitations/accept', json({ code, password: PASSWORD }));

          // Assess
          if (edit === 'as-sent') {
            expect(response.status).toBe(201);
            expect(response.json).toEqual(
              expect.objectContaining({ tenantId: a.tenantId, email, role, auth: expect.objectContaining({ userPoolId: a.userPoolId }) }),
            );
          } else {
            expect(response.status).toBe(404);
          }
        },
      ),
      { numRuns: 25 },
    );
    expect(await stateOfB()).toEqual(before);
  });
});
