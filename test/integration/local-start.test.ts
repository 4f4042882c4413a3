import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CognitoIdentityProviderClient, ConfirmForgotPasswordCommand, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { readMailbox } from '../../functions/users/mailer.mailbox';
import { platformFileSchema, type PlatformFile } from '../../local/platform-file';
import { LOCAL_CREDENTIALS } from '../../local/platform.config';
import { freePort } from '../../local/ports';

/**
 * `npm start` as a person runs it: the tsx CLI on local/start.ts, in a temporary data directory on free ports.
 * It must come up seeded, stop on SIGINT without leaving java or node behind, keep its data, and take java down
 * even when killed outright.
 */

const ROOT = join(__dirname, '..', '..');
const TSX_CLI = require.resolve('tsx/cli');
const READY_TIMEOUT_MS = 30_000;

// Each test starts or stops the whole platform (java included).
jest.setTimeout(60_000);

interface RunningStart {
  readonly child: ChildProcessWithoutNullStreams;
  output(): string;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let dataDir: string;
let env: NodeJS.ProcessEnv;
let port: number;
let running: RunningStart | undefined;

function startPlatform(): RunningStart {
  const child = spawn(process.execPath, [TSX_CLI, 'local/start.ts'], { cwd: ROOT, env, stdio: 'pipe' });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  return { child, output: () => output, exit };
}

async function ready(start: RunningStart): Promise<{ seconds: number; nodePid: number; javaPid: number }> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const exited = start.exit.then(() => 'exited' as const);
  while (Date.now() < deadline) {
    const match = /ready in ([\d.]+) s[\s\S]*node pid (\d+), DynamoDB Local \(java\) pid (\d+)/.exec(start.output());
    if (match) return { seconds: Number(match[1]), nodePid: Number(match[2]), javaPid: Number(match[3]) };
    if ((await Promise.race([exited, new Promise((done) => setTimeout(done, 100))])) === 'exited') break;
  }
  throw new Error(`npm start did not get ready:\n${start.output()}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, withinMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 50));
  return !alive(pid);
}

async function stop(start: RunningStart, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  start.child.kill(signal);
  return start.exit;
}

function platformFile(): PlatformFile {
  return platformFileSchema.parse(JSON.parse(readFileSync(join(dataDir, 'platform.json'), 'utf8')));
}

/** Polls until the answer equals `expected` or the access cache bound (5 s, plus a margin) has passed. */
async function eventually<T>(read: () => Promise<T>, expected: T, withinMs = 6_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  let answer = await read();
  while (JSON.stringify(answer) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((done) => setTimeout(done, 250));
    answer = await read();
  }
  return answer;
}

interface MovedPool {
  readonly userPoolId: string;
  readonly clientId: string;
  readonly region: string;
}

/** The end of a user's forgotten-password flow: the mailed code and the user's own new password. */
async function resetPassword(cognitoEndpoint: string, clientId: string, username: string, code: string, password: string): Promise<void> {
  const cognito = new CognitoIdentityProviderClient({ region: 'us-east-1', endpoint: cognitoEndpoint, credentials: LOCAL_CREDENTIALS });
  try {
    await cognito.send(new ConfirmForgotPasswordCommand({ ClientId: clientId, Username: username, ConfirmationCode: code, Password: password }));
  } finally {
    cognito.destroy();
  }
}

async function idToken(cognitoEndpoint: string, clientId: string, username: string, password: string): Promise<string> {
  const cognito = new CognitoIdentityProviderClient({ region: 'eu-central-1', endpoint: cognitoEndpoint, credentials: LOCAL_CREDENTIALS });
  try {
    const { AuthenticationResult } = await cognito.send(
      new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: password } }),
    );
    return AuthenticationResult?.IdToken ?? '';
  } finally {
    cognito.destroy();
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'agent-platform-start-'));
  // Five free ports in a row: the two regions' APIs (PORT and PORT+1), the console (PORT+2), cognito-local and
  // DynamoDB Local.
  port = await freePort(5);
  const [cognitoPort, dynamoDbPort] = [port + 3, port + 4];
  env = {
    ...process.env,
    LOCAL_DATA_DIR: dataDir,
    PORT: String(port),
    COGNITO_PORT: String(cognitoPort),
    DYNAMODB_PORT: String(dynamoDbPort),
  };
});

afterAll(async () => {
  if (running && running.child.exitCode === null && running.child.signalCode === null) {
    running.child.kill('SIGKILL');
    await running.exit;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  let first: PlatformFile;
  /** The export of globex the import into a new tenant takes. */
  let globexExport: string;

  it('starts seeded, within 20 s, with platform.json in the documented shape', async () => {
    running = startPlatform();
    const { seconds } = await ready(running);

    expect(seconds).toBeLessThan(20);
    expect(running.output()).toContain('first start');
    // Nothing a person has to read past: Node's notices (experimental modules, deprecations) stay off the terminal.
    expect(running.output()).not.toMatch(/Warning:/);
    first = platformFile();
    expect(statSync(join(dataDir, 'platform.json')).mode & 0o077).toBe(0);
    expect(first.apiUrl).toBe(`http://127.0.0.1:${port}`);
    expect(first.regions).toEqual({ 'eu-central-1': `http://127.0.0.1:${port}`, 'us-east-1': `http://127.0.0.1:${port + 1}` });
    expect(first.tenants.map(({ slug, region, apiUrl }) => ({ slug, region, apiUrl }))).toEqual([
      { slug: 'acme', region: 'eu-central-1', apiUrl: `http://127.0.0.1:${port}` },
      { slug: 'globex', region: 'us-east-1', apiUrl: `http://127.0.0.1:${port + 1}` },
    ]);
    const passwords = [first.platformAdmin.password, ...first.tenants.map((tenant) => tenant.admin.password)];
    expect(new Set(passwords).size).toBe(passwords.length);
    // The console on an origin of its own, as in AWS: no region's API serves it
    expect(first.consoleUrl).toBe(`http://127.0.0.1:${port + 2}`);
    const [page, apiRoot] = await Promise.all([fetch(`${first.consoleUrl}/`), fetch(`${first.apiUrl}/`)]);
    expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    expect(page.headers.get('content-security-policy')).toContain(first.apiUrl);
    expect(apiRoot.headers.get('content-type')).not.toContain('text/html');
  });

  it('serves both regions with the real authorizer and handlers', async () => {
    const acme = first.tenants[0];
    const token = await idToken(first.cognitoEndpoint, acme.clientId, acme.admin.username, acme.admin.password);

    const [euHealth, usHealth, ownTenant] = await Promise.all([
      fetch(`${first.regions['eu-central-1']}/v1/health`),
      fetch(`${first.regions['us-east-1']}/v1/health`),
      fetch(`${acme.apiUrl}/v1/tenants/${acme.tenantId}`, { headers: { authorization: `Bearer ${token}` } }),
    ]);

    expect([euHealth.status, usHealth.status, ownTenant.status]).toEqual([200, 200, 200]);
    expect(await ownTenant.json()).toEqual(expect.objectContaining({ tenantId: 'acme', region: 'eu-central-1' }));
  });

  it('lets access follow the member record: a demotion and a removal hold for old tokens, fresh logins and keys', async () => {
    // Prepare: the acme admin invites a tenant-admin, who accepts, signs in and makes a member key.
    const acme = first.tenants[0];
    const api = (path: string, init: { method?: string; token?: string; key?: string; body?: unknown } = {}) =>
      fetch(`${acme.apiUrl}/v1/tenants/${acme.tenantId}${path}`, {
        method: init.method ?? 'GET',
        headers: {
          ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
          ...(init.key ? { authorization: `ApiKey ${init.key}` } : {}),
          ...(init.body ? { 'content-type': 'application/json' } : {}),
        },
        ...(init.body ? { body: JSON.stringify(init.body) } : {}),
      });
    const admin = await idToken(first.cognitoEndpoint, acme.clientId, acme.admin.username, acme.admin.password);
    const email = 'dana@acme.example';
    expect((await api('/invitations', { method: 'POST', token: admin, body: { email, role: 'tenant-admin' } })).status).toBe(201);
    const code = (await readMailbox(join(dataDir, 'mailbox'))).filter((mail) => mail.to === email).at(-1)?.data?.code;
    const accepted = await fetch(`${acme.apiUrl}/v1/invitations/accept`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, password: 'Correct-Horse-9-Battery' }),
    });
    const { userId } = (await accepted.json()) as { userId: string };
    const oldToken = await idToken(first.cognitoEndpoint, acme.clientId, email, 'Correct-Horse-9-Battery');
    const { key } = (await (await api('/api-keys', { method: 'POST', token: oldToken, body: { name: 'dana-ci', role: 'member' } })).json()) as { key: string };
    const statuses = async (credential: { token?: string; key?: string }) => [
      (await api('/agents', credential)).status,
      (await api('/agents', { ...credential, method: 'POST', body: {} })).status,
      (await api('/users', credential)).status,
    ];
    expect(await statuses({ token: oldToken })).toEqual([200, 422, 200]);
    expect(await statuses({ key })).toEqual([200, 422, 403]);

    // Act: demote to viewer; the old token, a fresh token and the member key follow within the bound (5 s).
    expect((await api(`/users/${userId}`, { method: 'PATCH', token: admin, body: { role: 'viewer' } })).status).toBe(200);
    const viewer = await eventually(() => statuses({ token: oldToken }), [200, 403, 403]);
    const freshToken = await idToken(first.cognitoEndpoint, acme.clientId, email, 'Correct-Horse-9-Battery');
    const demotedKey = await eventually(() => statuses({ key }), [401, 401, 401]);

    // Act: remove.
    expect((await api(`/users/${userId}`, { method: 'DELETE', token: admin })).status).toBe(204);
    const removed = await eventually(() => statuses({ token: freshToken }), [401, 401, 401]);
    // The old token's last answer may still be cached by the authorizer for its TTL (the stated bound).
    const removedOld = await eventually(() => statuses({ token: oldToken }), [401, 401, 401]);
    const login = await idToken(first.cognitoEndpoint, acme.clientId, email, 'Correct-Horse-9-Battery').then(
      () => 'signed in',
      (error: Error) => error.name,
    );
    const keys = ((await (await api('/api-keys', { token: admin })).json()) as { items: { name: string }[] }).items;
    // The platform's sealer links the audit entries of these changes into the tenant's chain within its interval.
    const verify = async () => {
      const verified = (await (await api('/audit/verify', { token: admin })).json()) as { valid: boolean; unsealed: { entries: number } };
      return { valid: verified.valid, unsealed: verified.unsealed.entries };
    };
    const sealed = await eventually(verify, { valid: true, unsealed: 0 });

    // Assess
    expect(viewer).toEqual([200, 403, 403]);
    expect(await statuses({ token: freshToken })).toEqual([401, 401, 401]);
    expect(demotedKey).toEqual([401, 401, 401]);
    expect(removed).toEqual([401, 401, 401]);
    expect(removedOld).toEqual([401, 401, 401]);
    expect(login).toBe('NotAuthorizedException');
    expect(sealed).toEqual({ valid: true, unsealed: 0 });
    expect(keys.find((listed: { name: string }) => listed.name === 'dana-ci')).toEqual(
      expect.objectContaining({ ownerUserId: userId, revokedAt: expect.any(String) }),
    );
  });

  it('migrates acme from eu-central-1 to us-east-1 through the API: eu-central-1 then answers 421 naming us-east-1 to platform admins and to its users, who are served there', async () => {
    // Prepare
    const acme = first.tenants[0];
    const { clientId, username, password } = first.platformAdmin;
    const operator = await idToken(first.cognitoEndpoint, clientId, username, password);
    const call = (region: 'eu-central-1' | 'us-east-1', path: string, init: { method?: string; token?: string; key?: string; body?: unknown }) =>
      fetch(`${first.regions[region]}${path}`, {
        method: init.method ?? 'GET',
        headers: {
          authorization: init.key ? `ApiKey ${init.key}` : `Bearer ${init.token}`,
          ...(init.body ? { 'content-type': 'application/json' } : {}),
        },
        ...(init.body ? { body: JSON.stringify(init.body) } : {}),
      });
    const migrations = `/v1/tenants/${acme.tenantId}/migrations`;
    const agents = `/v1/tenants/${acme.tenantId}/agents`;
    const signedInBefore = await idToken(first.cognitoEndpoint, acme.clientId, acme.admin.username, acme.admin.password);
    const made = await call('eu-central-1', `/v1/tenants/${acme.tenantId}/api-keys`, {
      method: 'POST',
      token: signedInBefore,
      body: { name: 'ci', role: 'viewer' },
    });
    const { key } = (await made.json()) as { key: string };
    // Its pool's issuer is registered in its home region only, as its stack registers it in AWS.
    const elsewhere = await call('us-east-1', `/v1/tenants/${acme.tenantId}`, { token: signedInBefore });

    // Act
    const started = await call('eu-central-1', migrations, { method: 'POST', token: operator, body: { to: 'us-east-1' } });
    const { migrationId } = (await started.json()) as { migrationId: string };
    const state = async () => ((await (await call('us-east-1', `${migrations}/${migrationId}`, { token: operator })).json()) as { state?: string }).state;
    const finished = await eventually(state, 'SUCCEEDED', 45_000);
    // The old region's gate reads the directory through its cache (DIRECTORY_CACHE_SECONDS): 421 within that bound.
    await eventually(async () => (await call('eu-central-1', `/v1/tenants/${acme.tenantId}`, { token: operator })).status, 421);
    const oldRegion = await call('eu-central-1', `/v1/tenants/${acme.tenantId}`, { token: operator });
    // The users moved to the tenant's pool in us-east-1 (discovery names it): each sets a new password there first.
    const discovered = (await (await fetch(`${first.regions['us-east-1']}/v1/discovery?slug=acme`)).json()) as { tenants: { auth: MovedPool }[] };
    const moved = discovered.tenants[0].auth;
    const signIn = (clientId: string, password: string) =>
      idToken(first.cognitoEndpoint, clientId, acme.admin.username, password).then(
        () => 'signed in',
        (error: Error) => error.name,
      );
    const oldPool = await signIn(acme.clientId, acme.admin.password);
    const beforeReset = await signIn(moved.clientId, acme.admin.password);
    // The reset mailed the admin the code of the forgotten-password flow (to the platform's mailbox, as AWS mails it).
    const mailed = (await readMailbox(join(dataDir, 'mailbox'))).filter((mail) => mail.to === acme.admin.username && mail.data?.kind === 'pool-code');
    const newPassword = `${acme.admin.password}-moved`;
    await resetPassword(first.cognitoEndpoint, moved.clientId, acme.admin.username, mailed.at(-1)?.data?.code ?? '', newPassword);
    const admin = await idToken(first.cognitoEndpoint, moved.clientId, acme.admin.username, newPassword);
    const newRegion = await call('us-east-1', `/v1/tenants/${acme.tenantId}`, { token: admin });
    // The tenant's users: the old and the new pool's issuers are registered in eu-central-1, their member records went along.
    // A token signed in before the migration may have its last answer cached by the authorizer for its TTL.
    const userStatuses = async (token: string) => [
      (await call('eu-central-1', `/v1/tenants/${acme.tenantId}`, { token })).status,
      (await call('eu-central-1', agents, { token })).status,
      (await call('eu-central-1', agents, { method: 'POST', token, body: { name: 'nowhere' } })).status,
    ];
    const oldToken = await eventually(() => userStatuses(signedInBefore), [421, 421, 421]);
    const freshToken = await userStatuses(admin);
    const userAnswer = await call('eu-central-1', agents, { token: admin });
    // The API key's record went along too: the old region cannot check the key any more.
    const keyOldRegion = await eventually(async () => (await call('eu-central-1', agents, { key })).status, 401);
    const keyNewRegion = await call('us-east-1', agents, { key });
    // The data and the users moved: the compliance report finds nothing of the tenant outside us-east-1.
    const compliance = await call('us-east-1', `/v1/tenants/${acme.tenantId}/compliance`, { token: operator });

    // Assess
    expect(made.status).toBe(201);
    expect(elsewhere.status).toBe(401);
    expect(started.status).toBe(202);
    expect(finished).toBe('SUCCEEDED');
    expect(oldRegion.status).toBe(421);
    expect(moved).toMatchObject({ region: 'us-east-1' });
    expect(moved.userPoolId).not.toBe(acme.userPoolId);
    expect(oldPool).toBe('NotAuthorizedException');
    expect(beforeReset).toBe('PasswordResetRequiredException');
    expect(mailed).toHaveLength(1);
    expect(await oldRegion.json()).toEqual(expect.objectContaining({ code: 'wrong-region', region: 'us-east-1', endpoint: first.regions['us-east-1'] }));
    expect(newRegion.status).toBe(200);
    expect(await newRegion.json()).toEqual(expect.objectContaining({ tenantId: acme.tenantId, region: 'us-east-1' }));
    expect(oldToken).toEqual([421, 421, 421]);
    expect(freshToken).toEqual([421, 421, 421]);
    expect(await userAnswer.json()).toEqual(expect.objectContaining({ code: 'wrong-region', region: 'us-east-1', endpoint: first.regions['us-east-1'] }));
    expect(keyOldRegion).toBe(401);
    expect(keyNewRegion.status).toBe(200);
    expect(compliance.status).toBe(200);
    const report = (await compliance.json()) as { residency: unknown; resources: { resource: string; region: string }[] };
    expect(report.residency).toEqual({ region: 'us-east-1', zone: 'us', outsideHomeRegion: [] });
    expect(report.resources.find((placement) => placement.resource === 'user-pool')).toMatchObject({ region: 'us-east-1' });
  });

  it('exports globex through the API and downloads its bundle by the presigned links, each file as the manifest hashes it; an agent deleted since comes back from the bundle, with its memory', async () => {
    // Prepare
    const globex = first.tenants[1];
    const token = await idToken(first.cognitoEndpoint, globex.clientId, globex.admin.username, globex.admin.password);
    const api = async (path: string, method = 'GET', body?: unknown) => {
      const response = await fetch(`${first.regions['us-east-1']}/v1/tenants/${globex.tenantId}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      return { status: response.status, json: (text ? JSON.parse(text) : {}) as Record<string, any> };
    };
    // An agent with a memory, so the bundle carries content (the import into a new tenant below copies it)
    const agent = await api('/agents', 'POST', { name: 'researcher', modelId: 'local.echo', instructions: 'Find sources.' });
    await api(`/agents/${agent.json.agentId}/memories`, 'POST', { content: 'prefers primary sources' });
    const agentsBefore = (await api('/agents')).json.items;

    // Act: export, then download without credentials
    const started = await api('/exports', 'POST');
    const exported = await eventually(async () => (await api(`/exports/${started.json.jobId}`)).json.state, 'SUCCEEDED', 30_000);
    const { download } = (await api(`/exports/${started.json.jobId}`)).json;
    const manifest = (await (await fetch(download.manifest)).json()) as { tenantId: string; files: { kind: string; sha256: string; items: number }[] };
    const files = await Promise.all(
      (download.files as { kind: string; url: string }[]).map(async (file) => ({
        kind: file.kind,
        sha256: createHash('sha256')
          .update(Buffer.from(await (await fetch(file.url)).arrayBuffer()))
          .digest('hex'),
      })),
    );
    // …then delete the agent (its memory first), and import the bundle into the live tenant: what it lacks comes back
    const memory = (await api(`/agents/${agent.json.agentId}/memories`)).json.items[0];
    await api(`/agents/${agent.json.agentId}/memories/${memory.memoryId}`, 'DELETE');
    const deleted = await api(`/agents/${agent.json.agentId}`, 'DELETE');
    const imported = await api('/imports', 'POST', { exportId: started.json.jobId });
    const ended = async () => !['QUEUED', 'RUNNING'].includes((await api(`/imports/${imported.json.jobId}`)).json.state);
    await eventually(ended, true, 60_000);
    const importJob = (await api(`/imports/${imported.json.jobId}`)).json;
    const agentsAfter = (await api('/agents')).json.items;
    const memoriesAfter = (await api(`/agents/${agent.json.agentId}/memories`)).json.items;

    // Assess
    expect(started.status).toBe(202);
    expect(exported).toBe('SUCCEEDED');
    expect(manifest.tenantId).toBe(globex.tenantId);
    expect(files).toEqual(manifest.files.map(({ kind, sha256 }) => ({ kind, sha256 })));
    expect(manifest.files.find((file) => file.kind === 'agent')?.items).toBe(agentsBefore.length);
    expect(deleted.status).toBe(204);
    expect(imported.status).toBe(202);
    expect(importJob).toMatchObject({ state: 'SUCCEEDED', scope: 'missing-content' });
    expect(agentsAfter).toEqual(agentsBefore);
    expect(memoriesAfter).toEqual([memory]);
    globexExport = started.json.jobId;
  });

  it("imports globex's bundle into a tenant onboarded through the API: a platform admin copies its agents, which the new tenant serves; a tenant admin may not", async () => {
    // Prepare: a platform admin onboards initech in globex's region (the bundle's)
    const globex = first.tenants[1];
    const { clientId, username, password } = first.platformAdmin;
    const operator = await idToken(first.cognitoEndpoint, clientId, username, password);
    const call = async (base: string, path: string, token: string, method = 'GET', body?: unknown) => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: response.status, json: (await response.json()) as Record<string, any> };
    };
    const east = first.regions['us-east-1'];
    const manifest = {
      id: 'initech',
      slug: 'initech',
      name: 'Initech',
      plan: 'team',
      homeRegion: 'us-east-1',
      emailDomains: ['initech.example'],
      admins: ['admin@initech.example'],
      mfa: 'OPTIONAL',
      branding: {},
    };
    const onboarded = await call(first.apiUrl, '/v1/tenants', operator, 'POST', manifest);
    await eventually(async () => (await call(east, '/v1/tenants/initech', operator)).json.status, 'ACTIVE', 30_000);
    const globexAdmin = await idToken(first.cognitoEndpoint, globex.clientId, globex.admin.username, globex.admin.password);
    const globexAgents = (await call(east, `/v1/tenants/${globex.tenantId}/agents`, globexAdmin)).json.items as Record<string, unknown>[];

    // Act
    const byTenantAdmin = await call(east, `/v1/tenants/${globex.tenantId}/imports`, globexAdmin, 'POST', { exportId: globexExport, sourceTenantId: 'acme' });
    const started = await call(east, '/v1/tenants/initech/imports', operator, 'POST', { exportId: globexExport, sourceTenantId: globex.tenantId });
    const job = async () => (await call(east, `/v1/tenants/initech/imports/${started.json.jobId}`, operator)).json;
    const ended = await eventually(async () => !['QUEUED', 'RUNNING'].includes((await job()).state), true, 60_000);
    const copied = (await call(east, '/v1/tenants/initech/agents', operator)).json.items as Record<string, unknown>[];
    const memories = (await call(east, `/v1/tenants/initech/agents/${copied[0]?.agentId}/memories`, operator)).json.items as Record<string, unknown>[];
    const usage = (await call(east, '/v1/tenants/initech/usage', operator)).json;

    // Assess
    expect(onboarded.status).toBe(202);
    expect(byTenantAdmin.status).toBe(403);
    expect(started.status).toBe(202);
    expect(ended).toBe(true);
    expect(await job()).toMatchObject({ state: 'SUCCEEDED', bundle: { tenantId: globex.tenantId, exportId: globexExport } });
    expect(globexAgents.length).toBeGreaterThan(0);
    expect(copied).toEqual(globexAgents);
    expect(memories.map((memory) => memory.content)).toEqual(['prefers primary sources']);
    expect(usage).toMatchObject({ quotas: { agents: { used: globexAgents.length } } });
  });

  it('stops on SIGINT and leaves no java or node process behind', async () => {
    const { nodePid, javaPid } = await ready(running!);

    const exit = await stop(running!, 'SIGINT');

    expect(exit.code).toBe(0);
    expect(await gone(javaPid)).toBe(true);
    expect(await gone(nodePid)).toBe(true);
  });

  it('keeps the seeded tenants and their credentials across a restart', async () => {
    running = startPlatform();
    await ready(running);

    expect(running.output()).not.toContain('first start');
    const second = platformFile();
    expect(second.platformAdmin).toEqual(first.platformAdmin);
    expect(second.tenants).toEqual(first.tenants);
    const globex = second.tenants[1];
    const token = await idToken(second.cognitoEndpoint, globex.clientId, globex.admin.username, globex.admin.password);
    const response = await fetch(`${globex.apiUrl}/v1/tenants/${globex.tenantId}`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
  });

  it('takes java down with it when the platform process is killed outright', async () => {
    const { javaPid, nodePid } = await ready(running!);

    process.kill(nodePid, 'SIGKILL');
    await running!.exit;

    expect(await gone(javaPid)).toBe(true);
  });
});
