import type { ProvisionedTenant } from '../../../local/provisioner';
import { launchBrowser, type ConsoleBrowser } from '../../support/browser';
import { brandColour, demoTenant, signIn } from '../../support/console-journeys';
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
