import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * Debian's chromium driven by playwright-core, one browser per test file (playwright gives it a fresh temporary profile),
 * a fresh context (cookies, storage) per journey. Console errors and failed page scripts are collected so a test can assert there were none. Screenshots go
 * to test-artifacts/console/ (gitignored).
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS_DIR = join(__dirname, '..', '..', 'test-artifacts', 'console');

export interface ConsoleBrowser {
  /** A new tab in a fresh context, at a phone-width or desktop viewport. */
  open(options?: { phone?: boolean }): Promise<Journey>;
  close(): Promise<void>;
}

export interface Journey {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Console errors and uncaught page errors so far. */
  readonly errors: string[];
  screenshot(name: string): Promise<string>;
  /** axe-core on the current page: the serious and critical violations, as `id: help (n nodes)`. */
  seriousViolations(): Promise<string[]>;
  close(): Promise<void>;
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export async function launchBrowser(): Promise<ConsoleBrowser> {
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return {
    open: async ({ phone = false } = {}) => {
      const context = await browser.newContext({ viewport: phone ? { width: 390, height: 844 } : { width: 1280, height: 900 } });
      const page = await context.newPage();
      // Generous: on a loaded machine an onboarding or a run can take many seconds; a journey that truly hangs still
      // fails within the test's own timeout.
      page.setDefaultTimeout(30_000);
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      return {
        page,
        context,
        errors,
        screenshot: async (name) => {
          const path = join(ARTIFACTS_DIR, `${name}.png`);
          await page.screenshot({ path, fullPage: true });
          return path;
        },
        seriousViolations: async () => {
          // Evaluated through the DevTools protocol, which the console's content security policy does not govern.
          await page.evaluate(AXE_SOURCE);
          const violations = await page.evaluate(async () => {
            const axe = (globalThis as any).axe;
            const result = await axe.run((globalThis as any).document, { resultTypes: ['violations'] });
            return result.violations.map((v: any) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
          });
          return violations.filter((v: any) => v.impact === 'serious' || v.impact === 'critical').map((v: any) => `${v.id}: ${v.help} (${v.nodes} nodes)`);
        },
        close: () => context.close(),
      };
    },
    close: async () => {
      await browser.close();
    },
  };
}
