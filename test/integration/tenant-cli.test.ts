import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DirectoryRepository } from '../../functions/tenants/directory.repository';
import { ManifestError } from '../../functions/tenants/tenant-manifest.loader';
import { localDynamoDbClient } from '../../local/bootstrap';
import { LOCAL_TABLE_NAME } from '../../local/platform.config';
import { emulatorEndpoints } from '../support/emulators';
import { CliError, runCli, type CliContext } from '../../local/cli';
import { startTestPlatform, uniqueTenantId, type TestPlatform } from '../support/platform';

/** `npm run tenant -- …` against a local platform: the command runner with the test platform's admin. */

let platform: TestPlatform;
let tenantsDir: string;
let lines: string[];
let context: CliContext;

async function run(...argv: string[]): Promise<string[]> {
  lines = [];
  await runCli(argv, context);
  return lines;
}

beforeAll(async () => {
  platform = await startTestPlatform();
  const admin = await platform.platformAdmin();
  tenantsDir = mkdtempSync(join(tmpdir(), 'tenants-'));
  context = {
    platform: () => ({
      apiUrl: platform.endpoints['eu-central-1'],
      regions: platform.endpoints,
      cognitoEndpoint: platform.cognitoEndpoint,
      platformAdmin: { clientId: admin.clientId, username: admin.username, password: admin.password },
      mailboxDir: platform.mailboxDir,
      migration: platform.migration,
    }),
    tenantsDir,
    out: (line) => lines.push(line),
    waitMs: 20_000,
    isTTY: true,
  };
});

afterAll(async () => {
  await platform?.close();
  if (tenantsDir) rmSync(tenantsDir, { recursive: true, force: true });
});

describe('npm run tenant', () => {
  const slug = uniqueTenantId('cli');

  it('adds a tenant: writes its manifest, onboards it, waits for ACTIVE and prints the admin invitation', async () => {
    // Act
    const output = await run('add', slug, '--name', 'Cli Corp', '--admin', `boss@${slug}.example`, '--domain', `${slug}.example`, '--region', 'us-east-1');

    // Assess
    expect(JSON.parse(readFileSync(join(tenantsDir, `${slug}.json`), 'utf8'))).toEqual(
      expect.objectContaining({ id: slug, slug, homeRegion: 'us-east-1', admins: [`boss@${slug}.example`] }),
    );
    expect(output).toEqual(expect.arrayContaining([`onboarding ${slug} (${slug}) in us-east-1`, '  … ACTIVE', `tenant ${slug} is ACTIVE`]));
    expect(output.join('\n')).toMatch(new RegExp(`invitation for boss@${slug}\\.example \\(tenant-admin\\): inv\\.${slug}\\.`));
  });

  it('lists tenants as a table', async () => {
    // Act
    const output = await run('list', '--status', 'ACTIVE');

    // Assess
    expect(output[0]).toMatch(/^TENANT\s+SLUG\s+REGION\s+STATUS$/);
    expect(output.some((line) => new RegExp(`^${slug}\\s+${slug}\\s+us-east-1\\s+ACTIVE$`).test(line))).toBe(true);
  });

  it('lists a tenant that a migration is moving with the region it is moving to', async () => {
    // Prepare: a tenant of eu-central-1 held by a move to us-east-1 (its mark in every directory copy, as the move sets it)
    const moving = await platform.createTenant();
    const move = { to: 'us-east-1', exportId: 'migration-cli-list', since: new Date().toISOString() };
    for (const region of Object.keys(platform.endpoints)) {
      const db = DynamoDBDocumentClient.from(localDynamoDbClient(emulatorEndpoints().dynamoDbEndpoint, region));
      await new DirectoryRepository(db, LOCAL_TABLE_NAME).markMoving(moving.tenantId, move);
      db.destroy();
    }

    // Act
    const output = await run('list', '--status', 'ACTIVE');

    // Assess
    expect(output.some((line) => new RegExp(`^${moving.tenantId}\\s+\\S+\\s+eu-central-1 -> us-east-1\\s+ACTIVE$`).test(line))).toBe(true);
  });

  it('invites into a tenant of another region and prints the code', async () => {
    // Act
    const output = await run('invite', slug, `dev@${slug}.example`, '--role', 'viewer');

    // Assess
    expect(output[0]).toMatch(new RegExp(`^invited dev@${slug}\\.example to ${slug} as viewer`));
    expect(output[1]).toMatch(new RegExp(`invitation for dev@${slug}\\.example \\(viewer\\): inv\\.${slug}\\.`));
  });

  it('suspends and reactivates by slug', async () => {
    // Act
    const suspended = await run('suspend', slug);
    const reactivated = await run('reactivate', slug);

    // Assess
    expect(suspended).toEqual([`tenant ${slug} is SUSPENDED`]);
    expect(reactivated).toEqual([`tenant ${slug} is ACTIVE`]);
  });

  it('explains errors in one line: a taken slug, a missing --yes, an unknown tenant, a bad manifest', async () => {
    // Act
    const taken = await run('add', '--from', join(tenantsDir, `${slug}.json`)).catch((error: Error) => error);
    const unconfirmed = await run('offboard', slug).catch((error: Error) => error);
    const unknown = await run('suspend', 'nobody-here').catch((error: Error) => error);
    const bad = await run('add', `${slug}-bad`, '--name', 'Bad', '--admin', 'a@bad.example', '--region', 'mars-1', '--manifest-only').catch(
      (error: Error) => error,
    );

    // Assess
    expect(taken).toEqual(new CliError(`409 conflict: tenant id ${slug} or slug ${slug} is already taken`));
    expect(unconfirmed).toEqual(new CliError(`offboarding deletes all data of ${slug} and releases ${slug}: repeat with --yes`));
    expect(unknown).toEqual(new CliError('no tenant nobody-here'));
    expect(bad).toBeInstanceOf(ManifestError);
    expect((bad as ManifestError).problems).toEqual([expect.objectContaining({ field: 'homeRegion' })]);
  });

  it('migrates a tenant to another region with a progress bar and items per kind; the old region then answers 421', async () => {
    // Act
    const output = await run('migrate', slug, '--to', 'eu-central-1');
    const token = (await platform.signIn((await platform.platformAdmin()).clientId, await platform.platformAdmin())).idToken;
    const old = await platform.call('us-east-1', 'GET', `/v1/tenants/${slug}`, { token });
    const home = await platform.call('eu-central-1', 'GET', `/v1/tenants/${slug}`, { token });

    // Assess
    expect(output[0]).toBe(`migrating ${slug} from us-east-1 to eu-central-1`);
    expect(output).toEqual(expect.arrayContaining([expect.stringMatching(/^\[#+-*\] 1\/5 exported$/), expect.stringMatching(/^\[#{30}\] 5\/5 purged$/)]));
    expect(output.find((line) => /^tenant-record\s+1\s+\d+$/.test(line))).toBeDefined();
    expect(output.at(-2)).toContain(`now lives in eu-central-1`);
    expect(output.at(-1)).toBe('its users moved to its user pool in eu-central-1: each sets a new password there (forgotten-password flow) before signing in');
    expect(old.status).toBe(421);
    expect(home.status).toBe(200);
  });

  it('refuses migrate without --to', async () => {
    await expect(run('migrate', slug)).rejects.toThrow('migrate needs --to <region>');
  });

  it('offboards down to DELETED and removes the manifest it wrote, so no later deployment brings the tenant back', async () => {
    // Act
    const output = await run('offboard', slug, '--yes');

    // Assess
    expect(output).toContain(`tenant ${slug} is DELETED: its data is purged and slug ${slug} is free`);
    expect(output.at(-1)).toMatch(new RegExp(`^removed its manifest .*${slug}\\.json$`));
    expect(existsSync(join(tenantsDir, `${slug}.json`))).toBe(false);
  });
});
