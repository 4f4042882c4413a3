import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { launchBrowser, type ConsoleBrowser } from '../../support/browser';
import { demoTenant, endCurrentPeriod, invitationCode, signInAsOperator } from '../../support/console-journeys';
import type { LocalRegion } from '../../../local/platform.config';
import { startTestPlatform, type TestPlatform } from '../../support/platform';

let platform: TestPlatform;
let browser: ConsoleBrowser;
let consoleUrl: string;

beforeAll(async () => {
  platform = await startTestPlatform({ console: true });
  browser = await launchBrowser();
  consoleUrl = platform.consoleUrl as string;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await platform?.close();
});

describe('the web console for platform admins', () => {
  it("onboards a tenant (field errors as the API reports them), suspends it, and the tenant's users see the suspension", async () => {
    // Prepare
    const operator = await platform.platformAdmin();
    const journey = await browser.open();
    await signInAsOperator(journey.page, consoleUrl, operator.username, operator.password);
    await journey.page.getByRole('heading', { name: 'Tenants' }).waitFor();
    const tenantId = `web-${randomBytes(4).toString('hex')}`;
    const adminEmail = `boss@${tenantId}.example`;
    const page = journey.page;
    // Act: a bad slug first, reported beside its field
    await page.getByLabel('Tenant id').fill(tenantId);
    await page.getByLabel('Slug').fill('Not A Slug');
    await page.getByLabel('Name', { exact: true }).fill('Web Onboarded');
    await page.getByLabel('Email domains').fill(`${tenantId}.example`);
    await page.getByLabel('First admins').fill(adminEmail);
    await page.getByRole('button', { name: 'Onboard' }).click();
    await page.locator('#slug-error').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('validation-failed');
    expect(await journey.seriousViolations()).toEqual([]);
    await page.getByLabel('Slug').fill(tenantId);
    await page.getByRole('button', { name: 'Onboard' }).click();
    const row = page.locator(`tr[data-tenant="${tenantId}"]`);
    // The list pages 20 tenants at a time and the shared emulators hold many: load pages until the tenant shows. A
    // refresh (the console's own, after a suspension) may replace the list with its first page at any moment, taking
    // the row or the button away between two steps: every step is short and the loop starts over, rather than one
    // long wait for a row that the refresh took away.
    const showRow = async () => {
      for (let step = 0; step < 100 && !(await row.isVisible()); step++) {
        const more = page.getByRole('button', { name: 'Load more' });
        if ((await more.count()) === 0) await page.waitForTimeout(250);
        else await more.click({ timeout: 2_000 }).catch(() => undefined);
      }
    };
    // A refresh replaces the list with its first page, possibly just after showRow saw the old one: a status that
    // cannot be read in a moment means the row went away, and the next attempt loads pages again.
    const statusOf = async () => {
      await showRow();
      return row
        .getByTestId('status')
        .textContent({ timeout: 2_000 })
        .catch(() => null);
    };
    // The local provisioner makes the pool asynchronously: refresh until the tenant is active.
    for (let attempt = 0; attempt < 40 && (await statusOf()) !== 'ACTIVE'; attempt++) {
      await page.waitForTimeout(250);
      await page.getByRole('button', { name: 'Refresh' }).click();
    }
    expect(await statusOf()).toBe('ACTIVE');
    // The tenant's first admin accepts the invitation while the tenant is active
    const user = await browser.open();
    await user.page.goto(`${consoleUrl}/#/accept?code=${encodeURIComponent(await invitationCode(platform, adminEmail))}`);
    await user.page.getByLabel('Choose a password').fill('Correct-Horse-9-Battery');
    await user.page.getByRole('button', { name: 'Create my account' }).click();
    await user.page.getByRole('heading', { name: /Sign in to/ }).waitFor();
    // Act: the operator suspends the tenant
    await row.getByRole('button', { name: `Suspend ${tenantId}` }).click();
    for (let attempt = 0; attempt < 40 && (await statusOf()) !== 'SUSPENDED'; attempt++) await page.waitForTimeout(250);
    expect(await statusOf()).toBe('SUSPENDED');
    await journey.screenshot('operator-suspended-tenant');

    // Assess: signed in, the tenant's admin sees the suspension
    await user.page.getByLabel('Password', { exact: true }).fill('Correct-Horse-9-Battery');
    await user.page.getByRole('button', { name: 'Sign in' }).click();
    await user.page.getByRole('heading', { name: /is suspended/ }).waitFor();
    expect(await user.page.getByRole('alert').textContent()).toContain('tenant-suspended');
    expect(await user.seriousViolations()).toEqual([]);
    await user.screenshot('suspended-tenant-user');
    // The browser logs the refused onboarding (422) it was sent on purpose; nothing else.
    expect(journey.errors.filter((error) => !error.includes('status of 422'))).toEqual([]);
    await Promise.all([journey.close(), user.close()]);
  });
});

describe("the region's tenant health for platform admins", () => {
  it('ranks the active tenants of the region worst first, by the figure and over the window the operator picks', async () => {
    // Prepare: an active tenant in the console's region
    const tenant = await demoTenant(platform, 'acme');
    const operator = await platform.platformAdmin();
    const journey = await browser.open();
    await signInAsOperator(journey.page, consoleUrl, operator.username, operator.password);
    // Act
    await journey.page.getByRole('link', { name: 'Tenant health' }).click();
    const ranking = journey.page.getByTestId('health-ranking');
    await journey.page.locator('[data-testid="health-ranking"][data-sort="errorRate"][data-window="day"]').waitFor();
    await journey.page.getByLabel('Worst by').selectOption('requests');
    await journey.page.getByLabel('Window').selectOption('hour');
    await journey.page.locator('[data-testid="health-ranking"][data-sort="requests"][data-window="hour"]').waitFor();
    const showAll = journey.page.getByRole('button', { name: /^Show all/ });
    if ((await showAll.count()) > 0) await showAll.click();
    // Assess: the tenant is ranked, with its figures of the hour
    const row = ranking.getByRole('row', { name: new RegExp(tenant.tenantId) });
    await row.waitFor();
    expect(await row.getByRole('cell').first().textContent()).toBe('ACTIVE');
    expect(await journey.seriousViolations()).toEqual([]);
    await journey.screenshot('operator-tenant-health');
    expect(journey.errors).toEqual([]);
    await journey.close();
  });
});

/** From the tenants page: acts on the tenant (its row found on whichever page of the list it is). */
async function actOnTenant(page: Page, tenantId: string): Promise<void> {
  await page.getByRole('heading', { name: 'Tenants' }).waitFor();
  const actOn = page.locator(`tr[data-tenant="${tenantId}"]`).getByRole('button', { name: `Act on ${tenantId}` });
  // The list pages 20 tenants at a time and the shared emulators hold many.
  for (let step = 0; step < 100 && !(await actOn.isVisible()); step++) {
    const more = page.getByRole('button', { name: 'Load more' });
    if ((await more.count()) === 0) await page.waitForTimeout(250);
    else await more.click({ timeout: 2_000 }).catch(() => undefined);
  }
  await actOn.click();
  await page.getByRole('heading', { name: 'Agents' }).waitFor();
}

describe('a legal hold, placed by a platform admin acting on the tenant', () => {
  it("is placed with its reason, shown in the tenant's compliance report, audited and lifted", async () => {
    // Prepare: a tenant, and the operator on the tenants page
    const tenant = await demoTenant(platform, 'acme');
    const operator = await platform.platformAdmin();
    const token = (await platform.signIn(operator.clientId, operator)).idToken;
    const region = tenant.region as LocalRegion;
    const journey = await browser.open();
    const page = journey.page;
    await signInAsOperator(page, consoleUrl, operator.username, operator.password);
    // Act: act on the tenant, and place a hold from its data page
    await actOnTenant(page, tenant.tenantId);
    await page.getByRole('link', { name: 'Data' }).click();
    await page.getByRole('heading', { name: 'Legal hold' }).waitFor();
    await page.getByLabel('Reason for the hold').fill('Litigation hold 2026-117');
    await page.getByRole('button', { name: 'Place a legal hold' }).click();
    await page.getByRole('button', { name: 'Lift the legal hold' }).waitFor();
    // Assess: the report shows it, the API holds it
    expect(await page.getByTestId('compliance').textContent()).toContain('Litigation hold 2026-117');
    const held = await platform.call(region, 'GET', `/v1/tenants/${tenant.tenantId}/compliance`, { token });
    expect(held.json.legalHold?.reason).toBe('Litigation hold 2026-117');
    expect(await journey.seriousViolations()).toEqual([]);
    await journey.screenshot('operator-legal-hold');
    // Act: lift it
    await page.getByRole('button', { name: 'Lift the legal hold' }).click();
    await page.getByRole('button', { name: 'Place a legal hold' }).waitFor();
    // Assess: gone from the report and the API, and both changes are in the tenant's audit log
    expect(await page.getByTestId('compliance').textContent()).not.toContain('Litigation hold 2026-117');
    const lifted = await platform.call(region, 'GET', `/v1/tenants/${tenant.tenantId}/compliance`, { token });
    expect(lifted.json.legalHold ?? null).toBeNull();
    const audit = await platform.call(region, 'GET', `/v1/tenants/${tenant.tenantId}/audit?limit=100`, { token });
    const actions = (audit.json.items as { action: string }[]).map((entry) => entry.action);
    expect(actions).toEqual(expect.arrayContaining(['legal-hold.place', 'legal-hold.lift']));
    expect(journey.errors).toEqual([]);
    await journey.close();
  });
});

describe('a move to another region, started by a platform admin acting on the tenant', () => {
  it('suspends the tenant, follows the migration to its end, reactivates the tenant in its new region and acts on it there', async () => {
    // Prepare: an active tenant of eu-central-1
    const tenant = await demoTenant(platform, 'acme');
    expect(tenant.region).toBe('eu-central-1');
    const operator = await platform.platformAdmin();
    const token = (await platform.signIn(operator.clientId, operator)).idToken;
    const journey = await browser.open();
    const page = journey.page;
    await signInAsOperator(page, consoleUrl, operator.username, operator.password);
    await actOnTenant(page, tenant.tenantId);
    await page.getByRole('link', { name: 'Data' }).click();
    // Act
    await page.getByLabel('Move the tenant to').selectOption('us-east-1');
    expect(await page.getByLabel('Suspend the tenant while it moves').isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Move the tenant' }).click();
    await page.getByTestId('migrated').waitFor({ timeout: 90_000 });
    expect(await journey.seriousViolations()).toEqual([]);
    await journey.screenshot('operator-migrated-tenant');
    await page.getByRole('button', { name: 'Act on it in us-east-1' }).click();
    await page.getByRole('link', { name: 'Data' }).click();
    // Assess: the console reads the tenant in its new home, where the API says it lives
    await page.getByTestId('compliance').getByText('us-east-1').waitFor();
    const compliance = await platform.call('us-east-1', 'GET', `/v1/tenants/${tenant.tenantId}/compliance`, { token });
    expect(compliance.json.residency.region).toBe('us-east-1');
    // It was suspended while it moved (its log came along), and is active again
    const record = await platform.call('us-east-1', 'GET', `/v1/tenants/${tenant.tenantId}`, { token });
    expect(record.json.status).toBe('ACTIVE');
    const audit = await platform.call('us-east-1', 'GET', `/v1/tenants/${tenant.tenantId}/audit?limit=100`, { token });
    const actions = (audit.json.items as { action: string }[]).map((entry) => entry.action);
    expect(actions.filter((action) => /suspend|reactivate/.test(action))).toHaveLength(2);
    // The browser logs the old region's 421, which the console read past once the move had cut over; nothing else.
    expect(journey.errors.filter((error) => !error.includes('status of 421'))).toEqual([]);
    await journey.close();
  });
});

describe('billing, run by a platform admin', () => {
  it("closes the region's ended periods from the tenants page, then records the invoice's payment acting on the tenant", async () => {
    // Prepare: a tenant whose current period has ended
    const tenant = await demoTenant(platform, 'acme');
    const region = tenant.region as LocalRegion;
    const operator = await platform.platformAdmin();
    const token = (await platform.signIn(operator.clientId, operator)).idToken;
    const subscription = await platform.call(region, 'GET', `/v1/tenants/${tenant.tenantId}/subscription`, { token });
    const invoiceId = await endCurrentPeriod(tenant, subscription.json);
    const journey = await browser.open();
    const page = journey.page;
    await signInAsOperator(page, consoleUrl, operator.username, operator.password);

    // Act: close the periods of the tenant's region
    await page.getByRole('heading', { name: 'Billing periods' }).waitFor();
    await page.getByLabel('Region to close').selectOption(region);
    await page.getByRole('button', { name: 'Close the ended periods now' }).click();
    const report = page.getByTestId('period-close-report');
    await report.waitFor();

    // Assess: the report names the invoice the API issued
    const issued = await platform.call(region, 'GET', `/v1/tenants/${tenant.tenantId}/invoices/${invoiceId}`, { token });
    expect(issued.status).toBe(200);
    expect(issued.json.payment.status).toBe('open');
    expect(await report.getByRole('list', { name: 'Invoices issued' }).textContent()).toContain(`${tenant.tenantId}: ${issued.json.number}`);
    expect(await journey.seriousViolations()).toEqual([]);
    await journey.screenshot('operator-period-closed');

    // Act: act on the tenant, and record the payment of its invoice on its subscription page
    await actOnTenant(page, tenant.tenantId);
    await page.getByRole('link', { name: 'Subscription' }).click();
    const card = page.getByTestId(`invoice-${invoiceId}`);
    await card.getByText('Open, awaiting payment').waitFor();
    const form = card.getByRole('form', { name: `Record a payment of invoice ${issued.json.number}` });
    await form.getByLabel('Payment reference').fill('BANK-2026-0117');
    expect(await form.getByLabel('Amount (EUR)').inputValue()).toBe((issued.json.total / 100).toFixed(2));
    expect(await journey.seriousViolations()).toEqual([]);
    await journey.screenshot('operator-invoice-payment');
    await form.getByRole('button', { name: `Record the payment of invoice ${issued.json.number}` }).click();

    // Assess: the card and the API say paid, and the form is gone
    await card.getByText('Paid', { exact: true }).waitFor();
    expect(await card.getByRole('form').count()).toBe(0);
    const paid = await platform.call(region, 'GET', `/v1/tenants/${tenant.tenantId}/invoices/${invoiceId}`, { token });
    expect(paid.json.payment.status).toBe('paid');
    expect(await journey.seriousViolations()).toEqual([]);
    await journey.screenshot('operator-invoice-paid');
    expect(journey.errors).toEqual([]);
    await journey.close();
  });
});
