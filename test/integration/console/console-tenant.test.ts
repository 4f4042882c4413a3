import type { ProvisionedTenant } from '../../../local/provisioner';
import { launchBrowser, type ConsoleBrowser } from '../../support/browser';
import { brandColour, demoTenant, invitationCode, signIn } from '../../support/console-journeys';
import { startTestPlatform, type TestPlatform } from '../../support/platform';

let platform: TestPlatform;
let browser: ConsoleBrowser;
let consoleUrl: string;
let acme: ProvisionedTenant;
let globex: ProvisionedTenant;

beforeAll(async () => {
  platform = await startTestPlatform({ console: true });
  browser = await launchBrowser();
  consoleUrl = platform.endpoints['eu-central-1'];
  [acme, globex] = await Promise.all([demoTenant(platform, 'acme'), demoTenant(platform, 'globex')]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await platform?.close();
});

describe('the web console for a tenant', () => {
  it("signs acme's admin in through discovery, on acme's branding, and globex looks different", async () => {
    // Prepare
    const journey = await browser.open();
    // Act
    await signIn(journey.page, consoleUrl, acme.admin.username, acme.admin.password);
    // Assess
    await journey.page.getByRole('heading', { name: 'Agents' }).waitFor();
    expect(await journey.page.getByTestId('brand-name').textContent()).toBe('Acme');
    expect(await brandColour(journey.page)).toBe('rgb(217, 72, 15)');
    expect(await journey.seriousViolations()).toEqual([]);
    await journey.screenshot('acme-admin-signed-in');

    const other = await browser.open({ phone: true });
    await signIn(other.page, consoleUrl, globex.admin.username, globex.admin.password);
    await other.page.getByRole('heading', { name: 'Agents' }).waitFor();
    expect(await other.page.getByTestId('brand-name').textContent()).toBe('Globex');
    expect(await brandColour(other.page)).toBe('rgb(28, 126, 214)');
    await other.screenshot('globex-admin-signed-in-phone');
    expect([...journey.errors, ...other.errors]).toEqual([]);
    await Promise.all([journey.close(), other.close()]);
  });
});

describe('tenant admin journeys', () => {
  const PASSWORD = 'Correct-Horse-9-Battery';

  it('invites a member who accepts in the browser, signs in, and cannot reach the users page', async () => {
    // Prepare
    const admin = await browser.open();
    await signIn(admin.page, consoleUrl, acme.admin.username, acme.admin.password);
    const email = `ada-${Date.now()}@${acme.tenantId}.example`;
    // Act: the admin invites
    await admin.page.goto(`${consoleUrl}/#/users`);
    await admin.page.getByLabel('Email').fill(email);
    await admin.page.getByLabel('Role of the invited user').selectOption('member');
    await admin.page.getByRole('button', { name: 'Invite' }).click();
    await admin.page.getByText(`Invitation sent to ${email}.`).waitFor();
    expect(await admin.seriousViolations()).toEqual([]);
    // Act: the member accepts with the code from the mailbox, then signs in
    const member = await browser.open({ phone: true });
    await member.page.goto(`${consoleUrl}/#/accept?code=${encodeURIComponent(await invitationCode(platform, email))}`);
    await member.page.getByLabel('Choose a password').fill(PASSWORD);
    await member.page.getByRole('button', { name: 'Create my account' }).click();
    await member.page.getByRole('heading', { name: /Sign in to Acme/ }).waitFor();
    await member.page.getByLabel('Password').fill(PASSWORD);
    await member.page.getByRole('button', { name: 'Sign in' }).click();
    await member.page.getByRole('heading', { name: 'Agents' }).waitFor();
    // Assess: no users link, and the direct URL says "not allowed"
    expect(await member.page.getByRole('link', { name: 'Users' }).count()).toBe(0);
    await member.page.goto(`${consoleUrl}/#/users`);
    await member.page.getByRole('heading', { name: 'Not allowed' }).waitFor();
    expect(await member.seriousViolations()).toEqual([]);
    await member.screenshot('member-not-allowed');
    expect([...admin.errors, ...member.errors]).toEqual([]);
    await Promise.all([admin.close(), member.close()]);
  });

  it('creates an agent and a workflow, starts a run and follows it to the end', async () => {
    // Prepare
    const journey = await browser.open();
    await signIn(journey.page, consoleUrl, acme.admin.username, acme.admin.password);
    // Act
    await journey.page.getByLabel('Name').fill('summarizer');
    await journey.page.getByLabel('Instructions').fill('Be brief.');
    await journey.page.getByRole('button', { name: 'Create agent' }).click();
    await journey.page.getByRole('cell', { name: /summarizer/ }).waitFor();
    await journey.page.getByRole('link', { name: 'Workflows' }).click();
    await journey.page.getByLabel('Workflow name').fill('digest');
    await journey.page.getByLabel('Prompt').fill('Summarise the input');
    await journey.page.getByRole('button', { name: 'Create workflow' }).click();
    await journey.page.getByRole('link', { name: 'digest' }).click();
    expect(await journey.seriousViolations()).toEqual([]);
    await journey.page.getByLabel('Run input').fill('The quick brown fox jumps over the lazy dog.');
    await journey.page.getByRole('button', { name: 'Start run' }).click();
    // Assess
    await journey.page.locator('[data-testid="run"][data-status="SUCCEEDED"]').waitFor({ timeout: 30_000 });
    expect(await journey.page.getByTestId('run').textContent()).toMatch(/step-1 SUCCEEDED/);
    await journey.screenshot('run-succeeded');
    expect(journey.errors).toEqual([]);
    await journey.close();
  });

  it('verifies the audit chain and shows the result', async () => {
    // Prepare
    const journey = await browser.open();
    await signIn(journey.page, consoleUrl, acme.admin.username, acme.admin.password);
    // Act
    await journey.page.getByRole('link', { name: 'Audit log' }).click();
    await journey.page.getByRole('button', { name: 'Verify chain' }).click();
    // Assess
    expect(await journey.page.getByTestId('verdict').textContent()).toMatch(/^Chain intact: \d+ entries/);
    expect(await journey.seriousViolations()).toEqual([]);
    await journey.screenshot('audit-verified');
    expect(journey.errors).toEqual([]);
    await journey.close();
  });
});
