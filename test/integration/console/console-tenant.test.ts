import { randomUUID } from 'node:crypto';
import { AdminResetUserPasswordCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { readMailbox } from '../../../functions/users/mailer.mailbox';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { PLANS } from '../../../functions/billing/plan.catalogue';
import { quotaCounters } from '../../../functions/quotas/quota.counters';
import { localDynamoDbClient } from '../../../local/bootstrap';
import { LOCAL_CREDENTIALS, LOCAL_TABLE_NAME } from '../../../local/platform.config';
import type { ProvisionedTenant } from '../../../local/provisioner';
import { emulatorEndpoints } from '../../support/emulators';
import { launchBrowser, type ConsoleBrowser } from '../../support/browser';
import { brandColour, demoTenant, endCurrentPeriod, invitationCode, signIn } from '../../support/console-journeys';
import { startTestPlatform, uniqueTenantId, type TestPlatform } from '../../support/platform';

let platform: TestPlatform;
let browser: ConsoleBrowser;
let consoleUrl: string;
let acme: ProvisionedTenant;
let globex: ProvisionedTenant;

beforeAll(async () => {
  platform = await startTestPlatform({ console: true });
  browser = await launchBrowser();
  consoleUrl = platform.consoleUrl as string;
  [acme, globex] = await Promise.all([demoTenant(platform, 'acme'), demoTenant(platform, 'globex')]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await platform?.close();
});

/** The tenant admin's calls to the API, for arranging what a journey starts from. */
async function adminApi(tenant: ProvisionedTenant) {
  const { idToken } = await platform.signIn(tenant.clientId, tenant.admin);
  return async (method: string, path: string, body?: unknown) => {
    const headers = { 'content-type': 'application/json', 'idempotency-key': randomUUID() };
    const response = await platform.call(tenant.region as 'eu-central-1', method, path, { token: idToken, headers, body: JSON.stringify(body) });
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${response.text}`);
    return response.json as Record<string, any>;
  };
}

/** Takes every concurrent-run slot of the tenant's plan, so that the runs it starts wait QUEUED. */
async function fillRunSlots(tenant: ProvisionedTenant): Promise<void> {
  const db = DynamoDBDocumentClient.from(localDynamoDbClient(emulatorEndpoints().dynamoDbEndpoint, tenant.region));
  try {
    const { key } = quotaCounters.runsInFlight(tenant.tenantId);
    await db.send(new PutCommand({ TableName: LOCAL_TABLE_NAME, Item: { ...key, count: PLANS.team.limits.concurrentRuns } }));
  } finally {
    db.destroy();
  }
}

/** Closes the region's ended billing periods as the platform operator does (the schedule's work, on demand). */
async function closeBillingPeriods(): Promise<Record<string, any>> {
  const operator = await platform.platformAdmin();
  const { accessToken } = await platform.signIn(operator.clientId, operator);
  const response = await platform.call('eu-central-1', 'POST', '/v1/billing/period-close', { token: accessToken });
  if (response.status !== 200) throw new Error(`period close: ${response.status} ${response.text}`);
  return response.json as Record<string, any>;
}

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

  it("offers a button per SSO provider on the tenant's login page, and says why they are off without a hosted UI", async () => {
    // Prepare: a tenant onboarded from a manifest with two company identity providers
    const operator = await platform.platformAdmin();
    const { accessToken } = await platform.signIn(operator.clientId, operator);
    const tenantId = uniqueTenantId('sso');
    const manifest = {
      id: tenantId,
      slug: tenantId,
      name: `Tenant ${tenantId}`,
      plan: 'team',
      homeRegion: 'eu-central-1',
      emailDomains: [`${tenantId}.example`],
      admins: [`owner@${tenantId}.example`],
      sso: {
        saml: [{ name: 'Okta', metadataUrl: 'https://idp.example/metadata' }],
        oidc: [{ name: 'Entra', issuer: 'https://login.example/v2.0', clientId: 'console', clientSecretRef: 'sso/entra' }],
      },
    };
    const created = await platform.call('eu-central-1', 'POST', '/v1/tenants', {
      token: accessToken,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(manifest),
    });
    expect(created.status).toBe(202);
    await platform.onboarding.bus.idle();
    const journey = await browser.open();

    // Act
    await journey.page.goto(`${consoleUrl}/#/login`);
    await journey.page.getByLabel('Work email').fill(`someone@${tenantId}.example`);
    await journey.page.getByRole('button', { name: 'Continue' }).click();

    // Assess: the buttons are there, off locally (cognito-local has no hosted UI), with the reason beside them
    const okta = journey.page.getByRole('button', { name: 'Sign in with Okta' });
    await okta.waitFor();
    expect(await okta.isDisabled()).toBe(true);
    expect(await journey.page.getByRole('button', { name: 'Sign in with Entra' }).isDisabled()).toBe(true);
    await journey.page.getByText(/only the AWS deployment has/).waitFor();
    expect(await journey.seriousViolations()).toEqual([]);
    await journey.screenshot('sso-provider-buttons');
    expect(journey.errors).toEqual([]);
    await journey.close();
  });
});

describe("the gateway's own answers in the browser", () => {
  it("shows the authorizer's 401 for a token that fails its check as the problem it is, not as an unreachable API", async () => {
    // Prepare: a signed-in admin whose stored token no longer verifies (its signature changed)
    const journey = await browser.open();
    await signIn(journey.page, consoleUrl, acme.admin.username, acme.admin.password);
    await journey.page.evaluate(() => {
      const storage = (globalThis as any).sessionStorage;
      const session = JSON.parse(storage.getItem('console.session'));
      const [header, payload, signature] = session.idToken.split('.');
      storage.setItem('console.session', JSON.stringify({ ...session, idToken: `${header}.${payload}.${signature.split('').reverse().join('')}` }));
    });
    // Act
    await journey.page.reload();
    // Assess: the gateway's problem, readable across origins
    await journey.page.getByRole('alert').getByText('unauthenticated', { exact: true }).first().waitFor();
    expect((await journey.page.getByRole('alert').allTextContents()).join(' ')).not.toContain('network-error');
    expect(journey.errors.filter((error) => !/status of 401/.test(error))).toEqual([]);
    await journey.close();
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

  it('defines a tool, refusing an input schema that is not JSON, and gives it to a new agent', async () => {
    // Prepare
    const journey = await browser.open();
    await signIn(journey.page, consoleUrl, acme.admin.username, acme.admin.password);
    // Act: a schema that is not JSON is refused before anything is sent, then the tool is defined on a built-in
    await journey.page.getByRole('link', { name: 'Tools' }).click();
    await journey.page.getByLabel('Tool name').fill('clock');
    await journey.page.getByLabel('Calls').selectOption('current-time');
    await journey.page.getByLabel('Input schema').fill('{"type": object}');
    await journey.page.getByRole('button', { name: 'Create tool' }).click();
    await journey.page.getByRole('alert').getByText('The input schema is not JSON').waitFor();
    await journey.page.getByLabel('Input schema').fill('{"type":"object","properties":{"zone":{"type":"string"}}}');
    await journey.page.getByRole('button', { name: 'Create tool' }).click();
    await journey.page.getByRole('cell', { name: 'built-in: current-time' }).waitFor();
    expect(await journey.page.getByRole('alert').count()).toBe(0);
    expect(await journey.seriousViolations()).toEqual([]);
    await journey.screenshot('tool-defined');
    // Act: an agent that may call it
    await journey.page.getByRole('link', { name: 'Agents' }).click();
    await journey.page.getByLabel('Name').fill('timekeeper');
    await journey.page.getByLabel('clock').check();
    await journey.page.getByRole('button', { name: 'Create agent' }).click();
    // Assess: the agent's row names the tool, and the API holds it by id
    const row = journey.page.getByRole('row', { name: /timekeeper/ });
    await row.waitFor();
    expect(await row.getByRole('cell').nth(2).textContent()).toBe('clock');
    const api = await adminApi(acme);
    const tool = (await api('GET', `/v1/tenants/${acme.tenantId}/tools`)).items.find((item: { name: string }) => item.name === 'clock');
    const agent = (await api('GET', `/v1/tenants/${acme.tenantId}/agents?limit=100`)).items.find((item: { name: string }) => item.name === 'timekeeper');
    expect(agent.toolIds).toEqual([tool.toolId]);
    expect(tool.inputSchema).toEqual({ type: 'object', properties: { zone: { type: 'string' } } });
    expect(await journey.seriousViolations()).toEqual([]);
    await journey.screenshot('agent-with-tool');
    expect(journey.errors).toEqual([]);
    await journey.close();
  });

  it("adds an agent's memories, finds them by tag, and deletes one", async () => {
    // Prepare: a tenant with one agent
    const tenant = await demoTenant(platform, 'acme');
    const api = await adminApi(tenant);
    const agent = await api('POST', `/v1/tenants/${tenant.tenantId}/agents`, { name: 'notetaker', modelId: 'local.echo' });
    const journey = await browser.open();
    await signIn(journey.page, consoleUrl, tenant.admin.username, tenant.admin.password);
    const page = journey.page;
    // Act: two memories, then the one tagged billing alone
    await page.getByRole('link', { name: 'Memories' }).click();
    for (const [content, tags] of [
      ['The customer prefers email', 'preference, contact'],
      ['Renewal is due in March', 'billing'],
    ]) {
      await page.getByLabel('New memory').fill(content);
      await page.getByLabel('Tags').fill(tags);
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      await page.getByText(content).waitFor();
    }
    await page.getByLabel('Tag', { exact: true }).fill('billing');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('The customer prefers email').waitFor({ state: 'detached' });
    expect(await page.locator('ul.memories li').count()).toBe(1);
    expect(await journey.seriousViolations()).toEqual([]);
    await journey.screenshot('memories-filtered');
    // Act: delete it
    await page.getByRole('button', { name: 'Delete the memory "Renewal is due in March"' }).click();
    await page.getByText('Renewal is due in March').waitFor({ state: 'detached' });
    // Assess: the API holds the other one only
    const left = await api('GET', `/v1/tenants/${tenant.tenantId}/agents/${agent.agentId}/memories`);
    expect(left.items.map((memory: { content: string }) => memory.content)).toEqual(['The customer prefers email']);
    expect(journey.errors).toEqual([]);
    await journey.close();
  });

  it('keeps what the admin typed when the form around it changes', async () => {
    // Prepare: the budget form, whose fallback field comes and goes with the choice above it
    const tenant = await demoTenant(platform, 'acme');
    const journey = await browser.open();
    await signIn(journey.page, consoleUrl, tenant.admin.username, tenant.admin.password);
    await journey.page.getByRole('link', { name: 'Usage' }).click();
    // Act: type, then change the choice, which renders the form again
    await journey.page.getByLabel('Monthly budget (USD)').fill('12.34');
    await journey.page.getByLabel('Alert thresholds (%)').fill('25, 75');
    await journey.page.getByLabel('When the budget is spent').selectOption('fallback');
    await journey.page.getByLabel('Fallback model').waitFor();
    // Assess
    expect(await journey.page.getByLabel('Monthly budget (USD)').inputValue()).toBe('12.34');
    expect(await journey.page.getByLabel('Alert thresholds (%)').inputValue()).toBe('25, 75');
    expect(journey.errors.filter((error) => !/status of 404/.test(error))).toEqual([]);
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

  it('charts usage over the months, shows the subscription, explains a refused downgrade, upgrades and cancels', async () => {
    // Prepare: a Team tenant with more agents than the Free plan allows
    const tenant = await demoTenant(platform, 'acme');
    const api = await adminApi(tenant);
    for (const name of ['one', 'two', 'three', 'four']) await api('POST', `/v1/tenants/${tenant.tenantId}/agents`, { name, modelId: 'local.echo' });
    const journey = await browser.open();
    await signIn(journey.page, consoleUrl, tenant.admin.username, tenant.admin.password);
    await journey.page.getByRole('link', { name: 'Usage' }).click();
    // Six months of requests, runs and tokens, against the limits of the plan (4 of its agents in use)
    await journey.page.getByLabel('agents: 4 of 50').waitFor();
    for (const metric of ['requests', 'runs', 'tokens']) {
      expect(
        await journey.page
          .locator('figure.chart', { hasText: `${metric} per month` })
          .locator('li')
          .count(),
      ).toBe(6);
    }
    // How its requests went this hour and over the last day, against the Team plan's service level
    await journey.page
      .getByTestId('service-level')
      .getByText(/^The team plan's service level/)
      .waitFor();
    expect(await journey.page.getByTestId('health').getByRole('rowheader').allTextContents()).toEqual(['This hour', 'Last 24 hours']);
    expect(await journey.seriousViolations()).toEqual([]);
    await journey.screenshot('usage-health');
    await journey.page.getByRole('link', { name: 'Subscription' }).click();
    const facts = journey.page.getByTestId('subscription');
    await facts.getByText('Team').waitFor();

    // Act: a downgrade the usage does not fit
    await journey.page.getByLabel('New plan').selectOption('free');
    await journey.page.getByRole('button', { name: 'Change plan' }).click();

    // Assess
    await journey.page.getByRole('alert').getByText('conflict', { exact: true }).waitFor();
    expect(await journey.page.getByTestId('does-not-fit').textContent()).toBe('agents: 4 in use, the plan allows 3');

    // Act: an upgrade, then cancelling
    await journey.page.getByLabel('New plan').selectOption('enterprise');
    await journey.page.getByRole('button', { name: 'Change plan' }).click();
    await journey.page.getByText('You are on the Enterprise plan from now on.').waitFor();
    await journey.page.getByRole('button', { name: 'Cancel at the end of the period' }).click();

    // Assess
    await facts.getByText(/active, cancelled at the end of the period/).waitFor();
    expect(await facts.textContent()).toMatch(/Plan\s*Enterprise/);
    expect(await facts.textContent()).toMatch(/Team → Enterprise, €\d+\.\d\d/);
    await journey.page.getByRole('button', { name: 'Keep the subscription' }).waitFor();
    await journey.page.getByTestId('invoices').getByText('No invoices yet').waitFor();
    expect(await journey.seriousViolations()).toEqual([]);
    await journey.screenshot('subscription-cancelled');
    // The refused downgrade's 409, and the 404 by which the API says the tenant has no budget (on the usage page).
    expect(journey.errors.filter((error) => !/status of (409|404)/.test(error))).toEqual([]);
    await journey.close();
  });

  it('cancels a queued run from the workflow page', async () => {
    // Prepare: every run slot taken, so the run waits QUEUED
    const tenant = await demoTenant(platform, 'acme');
    const api = await adminApi(tenant);
    const agent = await api('POST', `/v1/tenants/${tenant.tenantId}/agents`, { name: 'writer', modelId: 'local.echo' });
    const workflow = await api('POST', `/v1/tenants/${tenant.tenantId}/workflows`, {
      name: 'held',
      steps: [{ id: 'step-1', agentId: agent.agentId, prompt: 'Write' }],
    });
    await fillRunSlots(tenant);
    const journey = await browser.open();
    await signIn(journey.page, consoleUrl, tenant.admin.username, tenant.admin.password);
    await journey.page.goto(`${consoleUrl}/#/workflow/${workflow.workflowId}`);
    await journey.page.getByLabel('Run input').fill('Hold on');
    await journey.page.getByRole('button', { name: 'Start run' }).click();
    await journey.page.locator('[data-testid="run"][data-status="QUEUED"]').waitFor();
    expect(await journey.seriousViolations()).toEqual([]);

    // Act
    await journey.page.getByRole('button', { name: 'Cancel run' }).click();

    // Assess
    await journey.page.locator('[data-testid="run"][data-status="CANCELLED"]').waitFor();
    expect(await journey.page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);
    await journey.page.getByRole('button', { name: /· CANCELLED$/ }).waitFor();
    await journey.screenshot('run-cancelled');
    expect(journey.errors).toEqual([]);
    await journey.close();
  });

  it('sets a monthly budget that the API then holds, lists an invoice of the ended period and opens its document', async () => {
    // Prepare: a tenant whose last month has been invoiced
    const tenant = await demoTenant(platform, 'acme');
    const api = await adminApi(tenant);
    const invoiceId = await endCurrentPeriod(tenant, await api('GET', `/v1/tenants/${tenant.tenantId}/subscription`));
    const report = await closeBillingPeriods();
    const issued = report.issued.find((invoice: Record<string, any>) => invoice.tenantId === tenant.tenantId);
    expect(issued).toMatchObject({ invoiceId, currency: 'EUR', total: PLANS.team.monthlyPriceCents });
    const journey = await browser.open({ phone: true });
    await signIn(journey.page, consoleUrl, tenant.admin.username, tenant.admin.password);

    // Act: the admin sets the budget on the usage page
    await journey.page.getByRole('link', { name: 'Usage' }).click();
    const budget = journey.page.getByTestId('budget');
    await budget.getByText('None: model calls are not capped').waitFor();
    await journey.page.getByLabel('Monthly budget (USD)').fill('25.50');
    await journey.page.getByRole('button', { name: 'Save budget' }).click();

    // Assess: the API holds it, and the page shows it with its alerts
    await journey.page.getByText('The monthly budget is $25.50.').waitFor();
    await budget.getByText('$25.50').waitFor();
    const stored = await api('GET', `/v1/tenants/${tenant.tenantId}/budget`);
    expect(stored.policy).toMatchObject({ monthlyCents: 2550, thresholds: [50, 80, 100], onExhausted: { action: 'block' } });
    expect(await journey.page.getByTestId('budget-alerts').locator('li').allTextContents()).toEqual([
      '50 % of the budget: not reached',
      '80 % of the budget: not reached',
      '100 % of the budget: not reached',
    ]);
    expect(await journey.seriousViolations()).toEqual([]);
    await journey.screenshot('budget-set');

    // Act: the invoice in the subscription page, and its printable document
    await journey.page.getByRole('link', { name: 'Subscription' }).click();
    const row = journey.page.getByTestId(`invoice-${invoiceId}`);
    await row.waitFor();
    expect(await journey.seriousViolations()).toEqual([]);
    const euros = new Intl.NumberFormat('en', { style: 'currency', currency: 'EUR' }).format(issued.total / 100);
    expect(await row.textContent()).toContain(`${issued.number}`);
    expect(await row.textContent()).toContain(euros);
    expect(await row.textContent()).toContain('Open, awaiting payment');
    const documentErrors: string[] = [];
    journey.context.on('console', (message) => {
      if (message.page() !== journey.page && message.type() === 'error') documentErrors.push(message.text());
    });
    const [document] = await Promise.all([
      journey.context.waitForEvent('page'),
      row.getByRole('button', { name: `Open invoice ${issued.number} for printing` }).click(),
    ]);
    await document.waitForLoadState();

    // Assess: the document is the invoice, styled (its style sheet passes the console's policy)
    expect(await document.title()).toBe(`Invoice ${issued.number}`);
    expect(await document.locator('tfoot').textContent()).toContain(`${(issued.total / 100).toFixed(2)} EUR`);
    expect(await document.evaluate(() => (globalThis as any).getComputedStyle((globalThis as any).document.querySelector('tfoot .n')).textAlign)).toBe('right');
    await journey.screenshot('invoice-listed');
    // The usage page asks for the budget before there is one: the API's 404 is how it says "none".
    expect(journey.errors.filter((error) => !/status of 404/.test(error))).toEqual([]);
    expect(documentErrors).toEqual([]);
    await journey.close();
  });
});

describe("a tenant admin's models", () => {
  it('narrows the models agents may use, which the API then holds, and keeps a model credential whose secret is never shown', async () => {
    // Prepare: globex, whose runs the journeys above do not use
    const journey = await browser.open();
    await signIn(journey.page, consoleUrl, globex.admin.username, globex.admin.password);
    const apiKey = `bedrock-key-${randomUUID()}-WXYZ`;
    // Act: an allow-list of one model, and an API key
    await journey.page.getByRole('link', { name: 'Models' }).click();
    await journey.page.getByTestId('model-policy').getByText("Every model of the tenant's plan").waitFor();
    await journey.page.getByLabel('Allowed models').fill('amazon.nova-lite-v1:0');
    await journey.page.getByRole('button', { name: 'Save model policy' }).click();
    await journey.page.getByTestId('model-policy').getByText('amazon.nova-lite-v1:0').waitFor();
    await journey.page.getByLabel('Label').fill('team key');
    await journey.page.getByRole('textbox', { name: /^API key/ }).fill(apiKey);
    await journey.page.getByRole('button', { name: 'Add credential' }).click();
    await journey.page.getByRole('cell', { name: '…WXYZ' }).waitFor();
    expect(await journey.seriousViolations()).toEqual([]);
    await journey.screenshot('models-set');
    // Assess: the page never shows the secret, and an agent on another model of the plan is refused
    expect(await journey.page.content()).not.toContain(apiKey);
    const api = await adminApi(globex);
    expect((await api('GET', `/v1/tenants/${globex.tenantId}/model-policy`)).allowedModels).toEqual(['amazon.nova-lite-v1:0']);
    await journey.page.getByRole('link', { name: 'Agents' }).click();
    await journey.page.getByLabel('Name').fill('pro-writer');
    await journey.page.getByLabel('Model').fill('amazon.nova-pro-v1:0');
    await journey.page.getByRole('button', { name: 'Create agent' }).click();
    await journey.page.getByRole('alert').getByText('model-not-allowed').waitFor();
    // Act: back to the plan's models, and the credential deleted
    await journey.page.getByRole('link', { name: 'Models' }).click();
    await journey.page.getByRole('button', { name: 'Remove model policy' }).click();
    await journey.page.getByTestId('model-policy').getByText("Every model of the tenant's plan").waitFor();
    await journey.page.getByRole('button', { name: 'Delete team key' }).click();
    await journey.page.getByRole('cell', { name: '…WXYZ' }).waitFor({ state: 'detached' });
    // Assess
    expect((await api('GET', `/v1/tenants/${globex.tenantId}/model-credentials`)).items).toEqual([]);
    // The API's answers the page expects: no policy yet (404), and the agent it refused (422)
    expect(journey.errors.filter((error) => !/status of (404|422)/.test(error))).toEqual([]);
    await journey.close();
  });
});

describe('data and compliance in the console', () => {
  it("shows where the tenant's data lives, keeps its content as many days as the admin sets, exports it, and restores a deleted memory from the export", async () => {
    // Prepare: globex, whose API is another region's (cross-origin, as in AWS), with an agent's memory
    const journey = await browser.open();
    await signIn(journey.page, consoleUrl, globex.admin.username, globex.admin.password);
    const api = await adminApi(globex);
    const agent = await api('POST', `/v1/tenants/${globex.tenantId}/agents`, { name: 'archivist', modelId: 'local.echo' });
    const memories = `/v1/tenants/${globex.tenantId}/agents/${agent.agentId}/memories`;
    const memory = await api('POST', memories, { content: 'Quarterly review is on Fridays' });
    // Act: retention, then an export
    await journey.page.getByRole('link', { name: 'Data' }).click();
    await journey.page.getByTestId('compliance').getByText(globex.region).waitFor();
    await journey.page.getByLabel('Days to keep content data').fill('30');
    await journey.page.getByRole('button', { name: 'Save retention' }).click();
    await journey.page.getByTestId('retention-content').getByText('30 days').waitFor();
    await journey.page.getByRole('button', { name: "Export the tenant's data" }).click();
    await journey.page.getByTestId('export').waitFor({ timeout: 30_000 });
    expect(await journey.seriousViolations()).toEqual([]);
    // Assess: the API holds the retention, and the bundle's manifest downloads from its link
    const report = await api('GET', `/v1/tenants/${globex.tenantId}/compliance`);
    expect(report.retention.find((row: { class: string }) => row.class === 'content').days).toBe(30);
    const manifest = await fetch((await journey.page.getByRole('link', { name: 'the signed bundle manifest' }).getAttribute('href')) as string);
    expect(manifest.status).toBe(200);
    // Act: the memory is deleted, then restored from the export
    await api('DELETE', `${memories}/${memory.memoryId}`);
    await journey.page.getByRole('button', { name: 'Restore from this export' }).click();
    await journey.page.getByTestId('restored').waitFor({ timeout: 30_000 });
    await journey.screenshot('data-restored');
    // Assess: only what the tenant lacked came back, the memory among it
    expect(await journey.page.getByTestId('restored').textContent()).toContain('the content the tenant lacked');
    expect((await api('GET', memories)).items.map((item: { content: string }) => item.content)).toEqual(['Quarterly review is on Fridays']);
    expect(journey.errors).toEqual([]);
    await journey.close();
    await api('PUT', `/v1/tenants/${globex.tenantId}/retention`, {});
  });
});

describe('password resets in the console', () => {
  /** The newest code a pool mailed to `email` (the forgotten-password flow's), from cognito-local's mailbox. */
  async function poolCode(email: string): Promise<string> {
    const code = (await readMailbox(emulatorEndpoints().cognitoMailbox)).filter((mail) => mail.to === email && mail.data?.kind === 'pool-code').at(-1)
      ?.data?.code;
    if (!code) throw new Error(`no code mailed to ${email}`);
    return code;
  }

  it('has a user its pool requires a new password of (a migration copied it) set one with the mailed code, and a user who forgot it ask for one', async () => {
    // Prepare: the admin's pool user must reset its password, as a migration leaves each copied user; the reset mails a code.
    const tenant = await demoTenant(platform, 'globex');
    const email = tenant.admin.username;
    const cognito = new CognitoIdentityProviderClient({ region: tenant.region, endpoint: emulatorEndpoints().cognitoEndpoint, credentials: LOCAL_CREDENTIALS });
    await cognito.send(new AdminResetUserPasswordCommand({ UserPoolId: tenant.userPoolId, Username: email }));
    cognito.destroy();
    const journey = await browser.open();
    const { page } = journey;

    // Act: the sign-in is refused and the reset form shown; the mailed code and a new password sign the user in.
    await page.goto(`${consoleUrl}/#/login`);
    await page.getByLabel('Work email').fill(email);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Password').fill(tenant.admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Set a new password' }).waitFor();
    const resetViolations = await journey.seriousViolations();
    await page.getByLabel('Code', { exact: true }).fill(await poolCode(email));
    await page.getByLabel('New password', { exact: true }).fill('Moved-Horse-9-Battery');
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    // Act: signed out, the user forgets the password and asks for a code.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Work email').fill(email);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Forgot your password?' }).click();
    await page.getByRole('button', { name: 'Mail me a code' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `A code was mailed to ${email}.` })
      .waitFor();
    await page.getByLabel('Code', { exact: true }).fill('000000');
    await page.getByLabel('New password', { exact: true }).fill('Forgot-Horse-9-Battery');
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    const wrongCode = await page.getByText('That code is not the one mailed to you.').textContent();
    await page.getByLabel('Code', { exact: true }).fill(await poolCode(email));
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();

    // Assess
    expect(resetViolations).toEqual([]);
    expect(wrongCode).toBe('That code is not the one mailed to you.');
    expect(await journey.seriousViolations()).toEqual([]);
    // The browser logs the pool's refusals (the sign-in before the reset, the wrong code) as failed loads, nothing else.
    expect(journey.errors.filter((error) => !error.startsWith('Failed to load resource'))).toEqual([]);
    await journey.close();
  });
});
