import { consoleProblem, ProblemError, type Schemas } from './api';

/**
 * Sign-in, token refresh and sign-out. In AWS a user signs in on the pool's hosted UI with the authorization code
 * flow and PKCE; locally (a pool with a cognito-local endpoint and no hosted UI) on the console's own login page,
 * with USER_PASSWORD_AUTH against cognito-local. Tokens live in sessionStorage: they end with the browser tab.
 */

export type Branding = Schemas['Tenant']['branding'];
export type DiscoveredTenant = Schemas['DiscoverTenantsResponse']['tenants'][number];

/** Where a user signs in: a tenant's pool or the platform-admin pool. */
export interface LoginTarget {
  readonly clientId: string;
  readonly cognitoEndpoint?: string;
  readonly hostedUiUrl?: string;
  /** The company identity providers of a tenant's pool: one sign-in button each. */
  readonly identityProviders?: readonly string[];
}

export interface Session {
  readonly kind: 'tenant' | 'platform';
  /** The API that serves this session's tenant (or, for platform admins, the home region's). */
  readonly apiUrl: string;
  readonly login: LoginTarget;
  readonly tenantId?: string;
  readonly slug?: string;
  readonly branding?: Branding;
  readonly idToken: string;
  readonly refreshToken?: string;
  /** Epoch ms when the ID token expires. */
  readonly expiresAt: number;
  readonly email: string;
  readonly roles: readonly string[];
}

/** What the session will be once the user has signed in: everything but the tokens. */
export type PendingSession = Omit<Session, 'idToken' | 'refreshToken' | 'expiresAt' | 'email' | 'roles'>;

const SESSION_KEY = 'console.session';
const PENDING_KEY = 'console.pending-login';
/** Refresh this long before the ID token expires, so no request leaves with a token about to lapse. */
const REFRESH_MARGIN_MS = 60_000;

export function storedSession(): Session | undefined {
  const raw = sessionStorage.getItem(SESSION_KEY);
  return raw ? (JSON.parse(raw) as Session) : undefined;
}

function store(session: Session): Session {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return session;
}

interface Claims {
  readonly exp: number;
  readonly email?: string;
  readonly 'cognito:groups'?: readonly string[];
  readonly 'cognito:username'?: string;
}

function claimsOf(jwt: string): Claims {
  const payload = jwt.split('.')[1] ?? '';
  const json = atob(
    payload
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(payload.length / 4) * 4, '='),
  );
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Claims;
}

interface TokenSet {
  readonly idToken: string;
  readonly refreshToken?: string;
}

function sessionOf(pending: PendingSession, tokens: TokenSet): Session {
  const claims = claimsOf(tokens.idToken);
  return store({
    ...pending,
    idToken: tokens.idToken,
    ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}),
    expiresAt: claims.exp * 1000,
    email: claims.email ?? claims['cognito:username'] ?? '',
    roles: claims['cognito:groups'] ?? [],
  });
}

function signInProblem(status: number, detail: string, code: string): ProblemError {
  return consoleProblem(status, 'Sign-in failed', detail, code);
}

/** What the console says for the pool's answers that are not a wrong email or password. */
const POOL_ANSWERS: Readonly<Record<string, string>> = {
  PasswordResetRequiredException: 'Your password must be set again (your organisation moved its sign-in): use the code mailed to you.',
  CodeMismatchException: 'That code is not the one mailed to you.',
  ExpiredCodeException: 'That code has expired: ask for a new one.',
  LimitExceededException: 'Too many attempts: try again later.',
};

/** One call of the Cognito user-pool API (the JSON protocol cognito-local speaks). */
async function cognito(endpoint: string, target: string, body: unknown): Promise<{ AuthenticationResult?: { IdToken?: string; RefreshToken?: string } }> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${target}` },
    body: JSON.stringify(body),
  });
  const json = (await response.json().catch(() => ({}))) as { __type?: string; message?: string };
  if (!response.ok) {
    const type = (json.__type ?? 'sign-in-failed').split('#').pop() as string;
    const detail =
      POOL_ANSWERS[type] ??
      (/Password|NotAuthorized|UserNotFound/.test(type) ? 'Incorrect email or password.' : (json.message ?? 'the user pool refused the sign-in'));
    throw signInProblem(response.status, detail, type);
  }
  return json as never;
}

/** Local sign-in: the console's login page sends the password to the pool (cognito-local). */
export async function signInWithPassword(pending: PendingSession, email: string, password: string): Promise<Session> {
  const endpoint = pending.login.cognitoEndpoint;
  if (!endpoint) throw new Error('this pool signs in on its hosted UI');
  const { AuthenticationResult } = await cognito(endpoint, 'InitiateAuth', {
    AuthFlow: 'USER_PASSWORD_AUTH',
    ClientId: pending.login.clientId,
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  if (!AuthenticationResult?.IdToken) throw signInProblem(401, 'the pool asked for a further challenge the console does not support', 'challenge-required');
  return sessionOf(pending, {
    idToken: AuthenticationResult.IdToken,
    ...(AuthenticationResult.RefreshToken ? { refreshToken: AuthenticationResult.RefreshToken } : {}),
  });
}

/** The pool answered that the user must set a new password first (the forgotten-password flow). */
export function needsPasswordReset(error: unknown): boolean {
  return error instanceof ProblemError && error.problem.code === ('PasswordResetRequiredException' as never);
}

/** Starts the forgotten-password flow on the pool (cognito-local): it mails the user a code. */
export async function requestPasswordReset(pending: PendingSession, email: string): Promise<void> {
  const endpoint = pending.login.cognitoEndpoint;
  if (!endpoint) throw new Error('this pool resets passwords on its hosted UI');
  await cognito(endpoint, 'ForgotPassword', { ClientId: pending.login.clientId, Username: email });
}

/** Ends the forgotten-password flow: the mailed code and the user's new password. */
export async function confirmPasswordReset(pending: PendingSession, email: string, code: string, password: string): Promise<void> {
  const endpoint = pending.login.cognitoEndpoint;
  if (!endpoint) throw new Error('this pool resets passwords on its hosted UI');
  await cognito(endpoint, 'ConfirmForgotPassword', { ClientId: pending.login.clientId, Username: email, ConfirmationCode: code, Password: password });
}

function base64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

function randomText(bytes = 32): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

export function callbackUrl(): string {
  return `${location.origin}/auth/callback`;
}

/** AWS sign-in: to the hosted UI with a PKCE challenge; the verifier waits in sessionStorage for the callback. */
export async function startHostedSignIn(pending: PendingSession, identityProvider?: string): Promise<void> {
  const hostedUiUrl = pending.login.hostedUiUrl;
  if (!hostedUiUrl) throw new Error('this pool has no hosted UI');
  const verifier = randomText(48);
  const state = randomText(16);
  const challenge = base64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ pending, verifier, state }));
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: pending.login.clientId,
    redirect_uri: callbackUrl(),
    scope: 'openid email profile',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...(identityProvider ? { identity_provider: identityProvider } : {}),
  });
  location.assign(`${hostedUiUrl.replace(/\/$/, '')}/oauth2/authorize?${query}`);
}

async function tokenEndpoint(hostedUiUrl: string, form: Record<string, string>): Promise<{ id_token?: string; refresh_token?: string }> {
  const response = await fetch(`${hostedUiUrl.replace(/\/$/, '')}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  const json = (await response.json().catch(() => ({}))) as { id_token?: string; refresh_token?: string; error?: string };
  if (!response.ok) throw signInProblem(response.status, `the token endpoint answered ${json.error ?? response.status}`, json.error ?? 'token-exchange-failed');
  return json;
}

/** The hosted UI's redirect back: checks the state and trades the code (with the PKCE verifier) for tokens. */
export async function completeHostedSignIn(search: string): Promise<Session> {
  const params = new URLSearchParams(search);
  const saved = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  if (!saved) throw signInProblem(400, 'no sign-in was started in this tab', 'sign-in-not-started');
  const { pending, verifier, state } = JSON.parse(saved) as { pending: PendingSession; verifier: string; state: string };
  if (params.get('error')) throw signInProblem(400, params.get('error_description') ?? (params.get('error') as string), params.get('error') as string);
  const code = params.get('code');
  if (!code || params.get('state') !== state) throw signInProblem(400, 'the sign-in answer does not belong to this tab', 'state-mismatch');
  const tokens = await tokenEndpoint(pending.login.hostedUiUrl as string, {
    grant_type: 'authorization_code',
    client_id: pending.login.clientId,
    code,
    redirect_uri: callbackUrl(),
    code_verifier: verifier,
  });
  if (!tokens.id_token) throw signInProblem(401, 'the token endpoint returned no ID token', 'token-exchange-failed');
  return sessionOf(pending, { idToken: tokens.id_token, ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}) });
}

let refreshing: Promise<Session> | undefined;

async function refresh(session: Session): Promise<Session> {
  if (!session.refreshToken) throw signInProblem(401, 'the session has expired: sign in again', 'session-expired');
  const { login } = session;
  if (login.hostedUiUrl) {
    const tokens = await tokenEndpoint(login.hostedUiUrl, { grant_type: 'refresh_token', client_id: login.clientId, refresh_token: session.refreshToken });
    if (!tokens.id_token) throw signInProblem(401, 'the session has expired: sign in again', 'session-expired');
    return sessionOf(session, { idToken: tokens.id_token, refreshToken: session.refreshToken });
  }
  const { AuthenticationResult } = await cognito(login.cognitoEndpoint as string, 'InitiateAuth', {
    AuthFlow: 'REFRESH_TOKEN_AUTH',
    ClientId: login.clientId,
    AuthParameters: { REFRESH_TOKEN: session.refreshToken },
  });
  if (!AuthenticationResult?.IdToken) throw signInProblem(401, 'the session has expired: sign in again', 'session-expired');
  return sessionOf(session, { idToken: AuthenticationResult.IdToken, refreshToken: session.refreshToken });
}

/** The current ID token, refreshed first when it is about to expire (one refresh at a time). */
export async function currentToken(): Promise<string | undefined> {
  const session = storedSession();
  if (!session) return undefined;
  if (session.expiresAt - REFRESH_MARGIN_MS > Date.now()) return session.idToken;
  refreshing ??= refresh(session).finally(() => {
    refreshing = undefined;
  });
  return (await refreshing).idToken;
}

/** Forgets the tokens; in AWS also ends the hosted UI's session. */
export function signOut(): void {
  const session = storedSession();
  sessionStorage.removeItem(SESSION_KEY);
  if (session?.login.hostedUiUrl) {
    const query = new URLSearchParams({ client_id: session.login.clientId, logout_uri: `${location.origin}/` });
    location.assign(`${session.login.hostedUiUrl.replace(/\/$/, '')}/logout?${query}`);
  } else {
    location.hash = '#/login';
  }
}
