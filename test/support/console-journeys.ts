import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Page } from 'playwright-core';
import * as keys from '../../functions/data/table-keys';
import { localDynamoDbClient } from '../../local/bootstrap';
import { LOCAL_TABLE_NAME } from '../../local/platform.config';
import { emulatorEndpoints } from './emulators';
import { readMailbox } from '../../functions/users/mailer.mailbox';
import type { ProvisionedTenant, TenantSpec } from '../../local/provisioner';
import { DEMO_TENANTS } from '../../local/seed';
import { uniqueTenantId, type TestPlatform } from './platform';

/** Steps the console journeys share: demo tenants as `npm start` seeds them (with ids unique to the run), sign-in. */

/** The seed's demo tenant (`acme` or `globex`), with its branding and region, under an id no other test file uses. */
export function demoTenant(platform: TestPlatform, slug: 'acme' | 'globex'): Promise<ProvisionedTenant> {
  const demo = DEMO_TENANTS.find((tenant) => tenant.slug === slug) as TenantSpec;
  const tenantId = uniqueTenantId(slug);
  return platform.createTenant({ ...demo, tenantId, slug: tenantId, emailDomains: [`${tenantId}.example`], adminEmail: `admin@${tenantId}.example` });
}

/** Signs in through discovery: the email finds the tenant, then its login page takes the password. */
export async function signIn(page: Page, consoleUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${consoleUrl}/#/login`);
  await page.getByLabel('Work email').fill(email);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** The platform operator's sign-in, from the same login page. */
export async function signInAsOperator(page: Page, consoleUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${consoleUrl}/#/login`);
  await page.getByRole('button', { name: 'Platform operator sign-in' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** The code of the newest invitation mailed to `email`, read from the local mailbox. */
export async function invitationCode(platform: TestPlatform, email: string): Promise<string> {
  const mails = (await readMailbox(platform.mailboxDir)).filter((mail) => mail.to === email && mail.data?.kind === 'invitation');
  const code = mails.at(-1)?.data?.code;
  if (typeof code !== 'string') throw new Error(`no invitation mailed to ${email}`);
  return code;
}

/** The header band's colour: each tenant's primary colour. */
export function brandColour(page: Page): Promise<string> {
  return page.evaluate(() => (globalThis as any).getComputedStyle((globalThis as any).document.querySelector('header.top')).borderTopColor);
}

/**
 * Moves the tenant's subscription back a month, so that its current period has ended and the next period close
 * invoices it (as if the month had passed).
 */
export async function endCurrentPeriod(tenant: ProvisionedTenant, subscription: Record<string, any>): Promise<string> {
  const now = new Date();
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString();
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
  const db = DynamoDBDocumentClient.from(localDynamoDbClient(emulatorEndpoints().dynamoDbEndpoint, tenant.region));
  try {
    const item = { ...keys.subscription(tenant.tenantId), ...subscription, currentPeriod: { start, end }, version: subscription.version + 1 };
    await db.send(new PutCommand({ TableName: LOCAL_TABLE_NAME, Item: item }));
  } finally {
    db.destroy();
  }
  return start.slice(0, 7);
}
