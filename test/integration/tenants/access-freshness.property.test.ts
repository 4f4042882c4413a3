import { AdminUpdateUserAttributesCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import fc from 'fast-check';
import { roleCovers } from '../../../functions/identity/member-access';
import { TENANT_ROLES, type TenantRole } from '../../../functions/core/roles';
import { readMailbox } from '../../../functions/users/mailer.mailbox';
import { LOCAL_CREDENTIALS } from '../../../local/platform.config';
import type { ProvisionedTenant } from '../../../local/provisioner';
import { startTestPlatform, type TestPlatform } from '../../support/platform';

/**
 * Access follows the member record at once: random sequences of invitations, acceptances, role changes, removals,
 * re-invitations, email changes in the pool, sign-ins and API keys, against DynamoDB Local and cognito-local
 * through the local gateway. After every step, every token and key issued so far gets exactly the answers the
 * model's current member records allow: a token acts with its pool user's current member role or gets 401; a key
 * acts with its role while its owner is a member whose role covers it and it was not revoked; a removed user cannot
 * sign in. The member cache is off (ACCESS_CACHE_SECONDS=0): the bound is a separate, unit-tested rule.
 */

const EU = 'eu-central-1';
const PASSWORD = 'Correct-Horse-9-Battery';
const PEOPLE = ['ann', 'bob'] as const;
type Person = (typeof PEOPLE)[number];

jest.setTimeout(300_000);

interface PoolUser {
  email: string;
  enabled: boolean;
}
interface Membership {
  readonly memberId: string;
  role: TenantRole;
  readonly poolUser: PoolUser;
}
interface Credential {
  readonly label: string;
  readonly headers: Record<string, string>;
  /** The pool user a token was issued to. */
  readonly poolUser?: PoolUser;
  /** The role the model grants it now; undefined: no access (401). */
  expected(): TenantRole | undefined;
}

/** The model and the handles of one run: a fresh tenant whose first admin is never changed. */
interface World {
  readonly tenant: ProvisionedTenant;
  readonly adminToken: string;
  readonly adminMemberId: string;
  readonly members: Map<Person, Membership>;
  readonly invited: Map<Person, TenantRole>;
  readonly poolUsers: PoolUser[];
  readonly keys: { role: TenantRole; owner: string; revoked: boolean }[];
  readonly credentials: Credential[];
  renames: number;
}

let platform: TestPlatform;
let cognito: CognitoIdentityProviderClient;

beforeAll(async () => {
  platform = await startTestPlatform({ environment: { ACCESS_CACHE_SECONDS: '0' } });
  cognito = new CognitoIdentityProviderClient({ region: EU, endpoint: platform.cognitoEndpoint, credentials: LOCAL_CREDENTIALS });
});

afterAll(async () => {
  cognito?.destroy();
  await platform?.close();
});

const emailOf = (world: World, person: Person) => `${person}@${world.tenant.tenantId}.example`;

async function call(world: World, method: string, path: string, headers: Record<string, string>, body?: unknown) {
  return platform.call(EU, method, `/v1/tenants/${world.tenant.tenantId}${path}`, {
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

function memberOf(world: World, memberId: string): Membership | { memberId: string; role: TenantRole } | undefined {
  if (memberId === world.adminMemberId) return { memberId, role: 'tenant-admin' };
  return [...world.members.values()].find((member) => member.memberId === memberId);
}

async function signIn(world: World, poolUser: PoolUser): Promise<boolean> {
  try {
    const { idToken } = await platform.signIn(world.tenant.clientId, { username: poolUser.email, password: PASSWORD });
    world.credentials.push({
      label: `token #${world.credentials.length} of ${poolUser.email}`,
      headers: { authorization: `Bearer ${idToken}` },
      poolUser,
      expected: () => [...world.members.values()].find((member) => member.poolUser === poolUser)?.role,
    });
    return true;
  } catch (error) {
    if ((error as Error).name !== 'NotAuthorizedException') throw error;
    return false;
  }
}

/** What each probe answers a role: allowed (200, or 422 for a POST with a bad body), 403, or 401 without access. */
const PROBES: ReadonlyArray<{ method: string; path: string; body?: unknown; allows: readonly TenantRole[]; ok: number }> = [
  { method: 'GET', path: '/agents', allows: ['tenant-admin', 'member', 'viewer'], ok: 200 },
  { method: 'POST', path: '/agents', body: {}, allows: ['tenant-admin', 'member'], ok: 422 },
  { method: 'GET', path: '/users', allows: ['tenant-admin'], ok: 200 },
  { method: 'GET', path: '/audit', allows: ['tenant-admin', 'auditor'], ok: 200 },
];

async function expectAccessMatchesModel(world: World): Promise<void> {
  for (const credential of world.credentials) {
    const role = credential.expected();
    for (const probe of PROBES) {
      const response = await call(world, probe.method, probe.path, credential.headers, probe.body);
      const expected = role === undefined ? 401 : probe.allows.includes(role) ? probe.ok : 403;
      if (response.status !== expected) {
        throw new Error(`${credential.label} (model: ${role ?? 'no access'}) on ${probe.method} ${probe.path}: ${response.status}, expected ${expected}`);
      }
    }
  }
}

/** The model is the world itself: its maps are the model's member records, its credentials the real handles. */
type Command = fc.AsyncCommand<World, World>;

async function invite(w: World, who: Person, role: TenantRole): Promise<void> {
  const response = await call(w, 'POST', '/invitations', { authorization: `Bearer ${w.adminToken}` }, { email: emailOf(w, who), role });
  expect(response.status).toBe(201);
  w.invited.set(who, role);
}

async function accept(w: World, who: Person): Promise<void> {
  const email = emailOf(w, who);
  const code = (await readMailbox(platform.mailboxDir)).filter((mail) => mail.to === email).at(-1)?.data?.code;
  const response = await platform.call(EU, 'POST', '/v1/invitations/accept', {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, password: PASSWORD }),
  });
  expect(response.status).toBe(201);
  // The pool enrols by email: the user that has the email now, or a new one.
  let poolUser = w.poolUsers.find((user) => user.email === email);
  if (!poolUser) w.poolUsers.push((poolUser = { email, enabled: true }));
  poolUser.enabled = true;
  w.members.set(who, { memberId: response.json.userId, role: w.invited.get(who)!, poolUser });
  w.invited.delete(who);
  expect(await signIn(w, poolUser)).toBe(true);
}

async function changeRole(w: World, who: Person, role: TenantRole): Promise<void> {
  const member = w.members.get(who)!;
  const response = await call(w, 'PATCH', `/users/${member.memberId}`, { authorization: `Bearer ${w.adminToken}` }, { role });
  expect(response.status).toBe(200);
  member.role = role;
}

async function remove(w: World, who: Person): Promise<void> {
  const member = w.members.get(who)!;
  const response = await call(w, 'DELETE', `/users/${member.memberId}`, { authorization: `Bearer ${w.adminToken}` });
  expect(response.status).toBe(204);
  w.members.delete(who);
  member.poolUser.enabled = false;
  for (const key of w.keys) if (key.owner === member.memberId) key.revoked = true;
}

/** The person's next step towards membership with `role`: invited, then accepted, then moved to the role. */
async function advance(w: World, who: Person, role: TenantRole): Promise<void> {
  if (w.members.has(who)) return changeRole(w, who, role);
  if (w.invited.has(who)) return accept(w, who);
  return invite(w, who, role);
}

async function makeKey(w: World, who: Person, role: TenantRole): Promise<void> {
  const member = w.members.get(who);
  if (member?.role !== 'tenant-admin') return advance(w, who, 'tenant-admin');
  const token = [...w.credentials].reverse().find((credential) => credential.poolUser === member.poolUser);
  const response = await call(w, 'POST', '/api-keys', token!.headers, { name: `${who}-${role}`, role });
  expect(response.status).toBe(201);
  addKey(w, response.json.key, role, member.memberId);
}

async function renameInPool(w: World, poolUser: PoolUser): Promise<void> {
  const renamed = `renamed-${++w.renames}@${w.tenant.tenantId}.example`;
  await cognito.send(
    new AdminUpdateUserAttributesCommand({
      UserPoolId: w.tenant.userPoolId,
      Username: poolUser.email,
      UserAttributes: [
        { Name: 'email', Value: renamed },
        { Name: 'email_verified', Value: 'true' },
      ],
    }),
  );
  poolUser.email = renamed;
}

const person = fc.constantFrom(...PEOPLE);
const role = fc.constantFrom(...TENANT_ROLES);
const somePoolUser = (w: World, index: number) => w.poolUsers[index % w.poolUsers.length];

/** Every command acts: when its own step is not possible yet, it takes the person's next step instead. */
const commands: fc.Arbitrary<Command>[] = [
  fc.record({ who: person, role }).map(({ who, role }) => step(`advance ${who} towards ${role}`, (w) => advance(w, who, role))),
  person.map((who) => step(`remove ${who}`, (w) => (w.members.has(who) ? remove(w, who) : advance(w, who, 'member')))),
  fc.nat().map((index) =>
    step(`sign in as pool user ${index}`, async (w) => {
      if (w.poolUsers.length === 0) return advance(w, 'ann', 'viewer');
      const poolUser = somePoolUser(w, index);
      expect(await signIn(w, poolUser)).toBe(poolUser.enabled);
    }),
  ),
  fc
    .nat()
    .map((index) =>
      step(`a pool user changes its email`, (w) => (w.poolUsers.length === 0 ? advance(w, 'bob', 'member') : renameInPool(w, somePoolUser(w, index)))),
    ),
  fc.record({ who: person, role }).map(({ who, role }) => step(`${who} makes a ${role} key`, (w) => makeKey(w, who, role))),
];

function addKey(w: World, key: string, role: TenantRole, owner: string): void {
  const model = { role, owner, revoked: false };
  w.keys.push(model);
  w.credentials.push({
    label: `${role} key of member ${owner}`,
    headers: { authorization: `ApiKey ${key}` },
    expected: () => {
      const holder = memberOf(w, owner);
      return !model.revoked && holder && roleCovers(holder.role, role) ? role : undefined;
    },
  });
}

function step(name: string, act: (world: World) => Promise<void>): Command {
  return {
    check: () => true,
    async run(_model, world) {
      await act(world);
      await expectAccessMatchesModel(world);
    },
    toString: () => name,
  };
}

async function newWorld(): Promise<World> {
  // Every step probes every credential one request after another, faster than the team plan's 50 requests/s once
  // the platform is quick: the enterprise plan's rate keeps the usage plan's 429 out of a test of access.
  const tenant = await platform.createTenant({ plan: 'enterprise' });
  const adminToken = (await platform.signIn(tenant.clientId, tenant.admin)).idToken;
  const me = await platform.call(EU, 'GET', `/v1/tenants/${tenant.tenantId}/users`, { token: adminToken });
  const world: World = {
    tenant,
    adminToken,
    adminMemberId: me.json.items[0].userId,
    members: new Map(),
    invited: new Map(),
    poolUsers: [],
    keys: [],
    credentials: [],
    renames: 0,
  };
  const key = await call(world, 'POST', '/api-keys', { authorization: `Bearer ${adminToken}` }, { name: 'admin-member', role: 'member' });
  addKey(world, key.json.key, 'member', world.adminMemberId);
  return world;
}

describe('access freshness', () => {
  it('allows every token and key exactly what the current member records allow, after every step', async () => {
    const replay = process.env.FC_SEED ? { seed: Number(process.env.FC_SEED), path: process.env.FC_PATH } : {};
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 16, size: '+1' }), async (steps) => {
        const world = await newWorld();
        await fc.asyncModelRun(() => ({ model: world, real: world }), steps);
      }),
      { numRuns: 10, ...replay },
    );
  });
});
