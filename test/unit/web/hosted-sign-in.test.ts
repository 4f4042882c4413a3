import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { completeHostedSignIn, startHostedSignIn, storedSession, type PendingSession } from '../../../web/src/auth';

/**
 * The hosted UI's authorization code flow with PKCE, as the console runs it in AWS. A browser test cannot reach a
 * Cognito hosted UI locally (cognito-local has none), so the browser's storage, location and fetch are stood in for
 * here and the console's own code runs unchanged. Type-checked with the console (web/tsconfig.json): browser APIs only.
 */

const HOSTED_UI = 'https://acme-ui.auth.eu-central-1.amazoncognito.com';
const ORIGIN = 'https://console.example';
const PENDING: PendingSession = { kind: 'tenant', apiUrl: 'https://api.example', login: { clientId: 'client-1', hostedUiUrl: HOSTED_UI }, tenantId: 'acme' };

class MemoryStorage {
  private readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

const globals = globalThis as unknown as {
  sessionStorage: MemoryStorage;
  location: { origin: string; assign: jest.Mock<(url: string) => void> };
  fetch: jest.Mock<typeof fetch>;
};

function base64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

async function s256(text: string): Promise<string> {
  return base64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))));
}

/** An unsigned ID token with the claims the console reads (the API, not the console, verifies signatures). */
function idToken(claims: Record<string, unknown>): string {
  const part = (value: unknown) => base64Url(new TextEncoder().encode(JSON.stringify(value)));
  return `${part({ alg: 'RS256' })}.${part(claims)}.signature`;
}

/** Starts a sign-in and returns the authorize URL the console sent the browser to. */
async function authorizeUrl(identityProvider?: string): Promise<URL> {
  await startHostedSignIn(PENDING, identityProvider);
  return new URL(globals.location.assign.mock.calls.at(-1)?.[0] as string);
}

beforeEach(() => {
  globals.sessionStorage = new MemoryStorage();
  globals.location = { origin: ORIGIN, assign: jest.fn() };
  globals.fetch = jest.fn();
});

describe('hosted-UI sign-in with PKCE', () => {
  it('sends the browser to the authorize endpoint with an S256 challenge of a fresh verifier and a fresh state', async () => {
    // Act
    const first = await authorizeUrl();
    const second = await authorizeUrl();

    // Assess
    expect(`${first.origin}${first.pathname}`).toBe(`${HOSTED_UI}/oauth2/authorize`);
    expect(Object.fromEntries(first.searchParams)).toEqual(
      expect.objectContaining({ response_type: 'code', client_id: 'client-1', redirect_uri: `${ORIGIN}/auth/callback`, code_challenge_method: 'S256' }),
    );
    const { verifier, state } = JSON.parse(globals.sessionStorage.getItem('console.pending-login') as string);
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(second.searchParams.get('code_challenge')).toBe(await s256(verifier));
    expect(second.searchParams.get('state')).toBe(state);
    expect(first.searchParams.get('state')).not.toBe(state);
    expect(first.searchParams.get('code_challenge')).not.toBe(second.searchParams.get('code_challenge'));
    expect(first.searchParams.has('identity_provider')).toBe(false);
  });

  it("names the SSO provider a button was for, so the hosted UI goes straight to the company's sign-in", async () => {
    // Act
    const url = await authorizeUrl('Okta');

    // Assess
    expect(url.searchParams.get('identity_provider')).toBe('Okta');
  });

  it('trades the code with the verifier for tokens when the state matches, and keeps the session', async () => {
    // Prepare
    const url = await authorizeUrl();
    const { verifier } = JSON.parse(globals.sessionStorage.getItem('console.pending-login') as string);
    const token = idToken({ exp: 2_000_000_000, email: 'admin@acme.example', 'cognito:groups': ['tenant-admin'] });
    globals.fetch.mockResolvedValue(new Response(JSON.stringify({ id_token: token, refresh_token: 'refresh-1' }), { status: 200 }));

    // Act
    const session = await completeHostedSignIn(`?code=code-1&state=${url.searchParams.get('state')}`);

    // Assess
    const [endpoint, request] = globals.fetch.mock.calls[0] as [string, RequestInit];
    expect(endpoint).toBe(`${HOSTED_UI}/oauth2/token`);
    expect(Object.fromEntries(new URLSearchParams(request.body as URLSearchParams))).toEqual({
      grant_type: 'authorization_code',
      client_id: 'client-1',
      code: 'code-1',
      redirect_uri: `${ORIGIN}/auth/callback`,
      code_verifier: verifier,
    });
    expect(session).toEqual(expect.objectContaining({ tenantId: 'acme', email: 'admin@acme.example', roles: ['tenant-admin'], refreshToken: 'refresh-1' }));
    expect(storedSession()).toEqual(session);
  });

  it('refuses an answer whose state is not the one this tab sent, without calling the token endpoint', async () => {
    // Prepare
    await authorizeUrl();

    // Act
    const outcome = completeHostedSignIn('?code=code-1&state=forged');

    // Assess
    await expect(outcome).rejects.toMatchObject({ problem: { code: 'state-mismatch', status: 400 } });
    expect(globals.fetch).not.toHaveBeenCalled();
    expect(storedSession()).toBeUndefined();
    // The verifier is used once: the same answer cannot be replayed.
    await expect(completeHostedSignIn('?code=code-1&state=forged')).rejects.toMatchObject({ problem: { code: 'sign-in-not-started' } });
  });

  it("shows the hosted UI's own error instead of trading a code", async () => {
    // Prepare
    const url = await authorizeUrl();

    // Act
    const outcome = completeHostedSignIn(`?error=access_denied&error_description=User+cancelled&state=${url.searchParams.get('state')}`);

    // Assess
    await expect(outcome).rejects.toMatchObject({ problem: { code: 'access_denied', detail: 'User cancelled' } });
    expect(globals.fetch).not.toHaveBeenCalled();
  });
});
