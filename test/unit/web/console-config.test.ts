import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { loadConfig, platformAdminSignIn } from '../../../web/src/config';

/**
 * The console's settings in AWS: the region writes config.json without the platform-admin pool, the control plane
 * writes platform-admin.json beside it. CloudFront answers a missing file with index.html (the console routes every
 * path), so only a JSON answer counts.
 */

const REGION_CONFIG = { apiUrl: 'https://api.example', regions: { 'eu-central-1': 'https://api.example' }, platformAdmin: { clientId: '' } };
const ADMIN_SETTINGS = { clientId: 'admin-client', hostedUiUrl: 'https://ap-admin-prod.auth.eu-central-1.amazoncognito.com' };

const globals = globalThis as unknown as { fetch: jest.Mock<(url: string) => Promise<Response>> };

function serve(files: Readonly<Record<string, unknown>>): void {
  globals.fetch = jest.fn(async (url: string) =>
    url in files
      ? new Response(JSON.stringify(files[url]), { headers: { 'content-type': 'application/json' } })
      : new Response('<!doctype html><title>Console</title>', { headers: { 'content-type': 'text/html' } }),
  );
}

beforeEach(() => {
  globals.fetch = jest.fn<(url: string) => Promise<Response>>();
});

describe("the console's settings", () => {
  it("takes the platform-admin pool from platform-admin.json when config.json names none, and offers the admins' sign-in", async () => {
    // Prepare
    serve({ '/config.json': REGION_CONFIG, '/platform-admin.json': ADMIN_SETTINGS });

    // Act
    const config = await loadConfig();

    // Assess
    expect(config).toEqual({ ...REGION_CONFIG, platformAdmin: ADMIN_SETTINGS });
    expect(platformAdminSignIn(config)).toBe(true);
  });

  it('offers no admin sign-in while the control plane has not written the file (index.html answers instead)', async () => {
    // Prepare
    serve({ '/config.json': REGION_CONFIG });

    // Act
    const config = await loadConfig();

    // Assess
    expect(config).toEqual(REGION_CONFIG);
    expect(platformAdminSignIn(config)).toBe(false);
  });

  it('keeps the pool config.json names (the local platform) without asking for the other file', async () => {
    // Prepare
    const local = { ...REGION_CONFIG, platformAdmin: { clientId: 'local-client', cognitoEndpoint: 'http://127.0.0.1:9229' } };
    serve({ '/config.json': local });

    // Act
    const config = await loadConfig();

    // Assess
    expect(config).toEqual(local);
    expect(globals.fetch).toHaveBeenCalledTimes(1);
    expect(platformAdminSignIn(config)).toBe(true);
  });
});
