import {
  AdminListGroupsForUserCommand,
  CognitoIdentityProviderClient,
  ConfirmForgotPasswordCommand,
  InitiateAuthCommand,
  ListUserPoolsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { CognitoPoolUsers } from '../../../functions/users/pool-users.cognito';
import { CognitoTenantPools } from '../../../functions/users/tenant-pools.cognito';
import { CognitoUserDirectory } from '../../../functions/users/user-directory.cognito';
import { LOCAL_CREDENTIALS } from '../../../local/platform.config';
import { readMailbox } from '../../../functions/users/mailer.mailbox';
import { emulatorEndpoints } from '../../support/emulators';

const REGION = 'us-east-1';
const PASSWORD = 'Correct-Horse-9-Battery';
let cognito: CognitoIdentityProviderClient;
let endpoint: string;

beforeAll(() => {
  endpoint = emulatorEndpoints().cognitoEndpoint;
  cognito = new CognitoIdentityProviderClient({ region: REGION, endpoint, credentials: LOCAL_CREDENTIALS });
});

afterAll(() => cognito.destroy());

const collect = async <T>(items: AsyncIterable<T>) => {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
};

const groupsOf = async (userPoolId: string, username: string) =>
  ((await cognito.send(new AdminListGroupsForUserCommand({ UserPoolId: userPoolId, Username: username }))).Groups ?? []).map((group) => group.GroupName);

const signIn = (clientId: string, email: string, password: string) =>
  cognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: password } })).then(
    () => 'signed in',
    (error: Error) => error.name,
  );

describe("a tenant's pool users moved to another pool (cognito-local)", () => {
  it('finds the pool a region has by name, makes it once where the platform makes pools, and answers nothing where only a stack makes it', async () => {
    // Prepare
    const tenantId = `pools-${Date.now().toString(36)}`;
    const poolName = (id: string) => `test-tenant-${id}.${REGION}`;
    const stackMade = new CognitoTenantPools(cognito, { region: REGION, poolName });
    const made = new CognitoTenantPools(cognito, { region: REGION, poolName, makeAt: endpoint });

    // Act
    const before = await stackMade.poolOf(tenantId);
    const first = await made.poolOf(tenantId);
    const again = await made.poolOf(tenantId);
    const found = await stackMade.poolOf(tenantId);
    const { UserPools = [] } = await cognito.send(new ListUserPoolsCommand({ MaxResults: 60 }));

    // Assess
    expect(before).toBeUndefined();
    expect(first).toEqual({
      issuer: `${endpoint}/${first?.userPoolId}`,
      userPoolId: expect.any(String),
      clientId: expect.any(String),
      cognitoEndpoint: endpoint,
      region: REGION,
    });
    expect(again).toEqual(first);
    expect(found).toMatchObject({ userPoolId: first?.userPoolId, clientId: first?.clientId, region: REGION });
    expect(UserPools.filter((pool) => pool.Name === poolName(tenantId))).toHaveLength(1);
  });

  it("copies each user with its state and its member record's role, its password to be reset, repeatably, and removes it from the old pool", async () => {
    // Prepare
    const tenantId = `moves-${Date.now().toString(36)}`;
    const pools = (name: string) => new CognitoTenantPools(cognito, { region: REGION, poolName: (id) => `test-${name}-${id}`, makeAt: endpoint });
    const from = (await pools('from').poolOf(tenantId))!;
    const to = (await pools('to').poolOf(tenantId))!;
    const directory = new CognitoUserDirectory(cognito);
    const admin = await directory.enrol(from, { email: `admin@${tenantId}.example`, password: PASSWORD, role: 'tenant-admin', tenantId });
    const viewer = await directory.enrol(from, { email: `viewer@${tenantId}.example`, password: PASSWORD, role: 'viewer', tenantId });
    await directory.revoke(from, viewer.sub);
    const users = new CognitoPoolUsers(cognito);

    // Act
    const listed = await collect(users.list(from));
    // The member records' roles: the viewer's record says member, whatever its old pool user held.
    const roleOf = (email: string) => (email.startsWith('admin@') ? 'tenant-admin' : 'member');
    const copies = await Promise.all(listed.map((user) => users.copy(to, user, tenantId, roleOf(user.email))));
    const copiedAgain = await Promise.all(listed.map((user) => users.copy(to, user, tenantId, roleOf(user.email))));
    const inTarget = await Promise.all(
      (await collect(users.list(to))).map(async ({ email, enabled, sub }) => ({ email, enabled, roles: await groupsOf(to.userPoolId, sub) })),
    );
    const beforeReset = await signIn(to.clientId, `admin@${tenantId}.example`, PASSWORD);
    // The forgotten-password flow, with the code the reset mailed: the user's own new password.
    const mailed = (await readMailbox(emulatorEndpoints().cognitoMailbox)).filter((mail) => mail.to === `admin@${tenantId}.example`);
    await cognito.send(
      new ConfirmForgotPasswordCommand({
        ClientId: to.clientId,
        Username: `admin@${tenantId}.example`,
        ConfirmationCode: mailed.at(-1)?.data?.code,
        Password: `${PASSWORD}!`,
      }),
    );
    const afterReset = await signIn(to.clientId, `admin@${tenantId}.example`, `${PASSWORD}!`);
    for (const user of listed) await users.remove(from, user.sub);
    await users.remove(from, admin.sub);
    const leftBehind = await collect(users.list(from));

    // Assess
    const byEmail = <T extends { email: string }>(list: readonly T[]) => [...list].sort((a, b) => a.email.localeCompare(b.email));
    expect(byEmail(listed)).toEqual([
      { sub: admin.sub, email: `admin@${tenantId}.example`, enabled: true, federated: false },
      { sub: viewer.sub, email: `viewer@${tenantId}.example`, enabled: false, federated: false },
    ]);
    expect(copiedAgain).toEqual(copies);
    expect(copies.map((copy) => copy.sub)).not.toContain(admin.sub);
    expect(byEmail(inTarget)).toEqual([
      { email: `admin@${tenantId}.example`, enabled: true, roles: ['tenant-admin'] },
      { email: `viewer@${tenantId}.example`, enabled: false, roles: ['member'] },
    ]);
    expect(beforeReset).toBe('PasswordResetRequiredException');
    expect(mailed).toEqual([expect.objectContaining({ data: { kind: 'pool-code', code: expect.stringMatching(/^\d{6}$/) } })]);
    expect(afterReset).toBe('signed in');
    expect(leftBehind).toEqual([]);
  });
});
