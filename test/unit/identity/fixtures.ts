import type { MemberAccess, MemberAccessLookup } from '../../../functions/identity/member-access';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { createLocalJWKSet, exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { ApiKeyLookup, StoredApiKey } from '../../../functions/identity/api-key.authenticator';
import { newApiKey } from '../../../functions/identity/api-key.secret';
import type { IssuerRegistration } from '../../../functions/identity/issuer-registry.repository';
import type { TenantRole } from '../../../functions/core/roles';
import type { SlugDirectory } from '../../../functions/core/tenant-signals';
import type { IssuerLookup, KeySetFactory } from '../../../functions/identity/token-verifier';
import { restEvent, type RestEventOptions } from '../../support/rest-event';

/** The instant every test runs at. */
export const NOW = new Date('2026-06-01T12:00:00Z');
export const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);
export const clock = () => NOW;

/** An RSA signing key as a Cognito pool has one. */
export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly publicPem: string;
}

export async function signingKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, publicJwk, publicPem: await exportSPKI(publicKey) };
}

/** A user pool: its issuer, JWKS URI, app client, signing key and registration. */
export interface Pool {
  readonly issuer: string;
  readonly jwksUri: string;
  readonly clientId: string;
  readonly key: SigningKey;
  readonly registration: IssuerRegistration;
}

export async function tenantPool(tenantId: string, base = 'https://cognito-idp.eu-central-1.amazonaws.com'): Promise<Pool> {
  const poolId = `eu-central-1_${tenantId.replace(/-/g, '')}`;
  const issuer = `${base}/${poolId}`;
  const jwksUri = `${issuer}/.well-known/jwks.json`;
  const clientId = `client-${tenantId}`;
  const key = await signingKey(`key-${tenantId}`);
  return { issuer, jwksUri, clientId, key, registration: { kind: 'tenant', issuer, tenantId, clientIds: [clientId], jwksUri } };
}

export async function platformPool(base = 'https://cognito-idp.eu-central-1.amazonaws.com'): Promise<Pool> {
  const issuer = `${base}/eu-central-1_platform`;
  const jwksUri = `${issuer}/.well-known/jwks.json`;
  const clientId = 'client-platform';
  const key = await signingKey('key-platform');
  return { issuer, jwksUri, clientId, key, registration: { kind: 'platform', issuer, clientIds: [clientId], jwksUri } };
}

export interface TokenOptions {
  /** Claims added to (or replacing) the pool's defaults; `undefined` removes a claim. */
  readonly claims?: Record<string, unknown>;
  /** Sign with this key instead of the pool's. */
  readonly key?: SigningKey;
  readonly groups?: readonly string[];
}

function withoutUndefined(claims: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
}

async function sign(pool: Pool, base: Record<string, unknown>, options: TokenOptions): Promise<string> {
  const key = options.key ?? pool.key;
  const claims = withoutUndefined({
    iss: pool.issuer,
    sub: 'user-1',
    iat: NOW_SECONDS - 60,
    auth_time: NOW_SECONDS - 60,
    exp: NOW_SECONDS + 3600,
    ...(options.groups ? { 'cognito:groups': options.groups } : {}),
    ...base,
    ...options.claims,
  });
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.kid }).sign(key.privateKey);
}

/** A Cognito ID token of the pool, as Cognito shapes it. */
export function idToken(pool: Pool, options: TokenOptions = {}): Promise<string> {
  return sign(pool, { token_use: 'id', aud: pool.clientId, email: 'ada@example.test', 'cognito:username': 'ada' }, options);
}

/** A Cognito access token of the pool, as Cognito shapes it. */
export function accessToken(pool: Pool, options: TokenOptions = {}): Promise<string> {
  return sign(pool, { token_use: 'access', client_id: pool.clientId, scope: 'aws.cognito.signin.user.admin', username: 'ada' }, options);
}

/** The issuer registry, in memory. */
export class FakeIssuerRegistry implements IssuerLookup {
  readonly lookups: string[] = [];
  private readonly registrations = new Map<string, IssuerRegistration>();

  constructor(pools: readonly Pool[] = []) {
    for (const pool of pools) this.registrations.set(pool.issuer, pool.registration);
  }

  async lookup(issuer: string): Promise<IssuerRegistration | undefined> {
    this.lookups.push(issuer);
    return this.registrations.get(issuer);
  }
}

/** The tenant directory's slug lookup, in memory. */
export class FakeDirectory {
  readonly lookups: string[] = [];

  constructor(private readonly tenantsBySlug: Readonly<Record<string, string>> = {}) {}

  readonly slugs: SlugDirectory = async (slug) => {
    this.lookups.push(slug);
    return this.tenantsBySlug[slug];
  };
}

/** JWKS endpoints in memory: the key set factory records every JWKS URI it is asked to serve. */
export class FakeJwksHost {
  readonly fetched: string[] = [];

  constructor(private readonly pools: readonly Pool[]) {}

  readonly keySetFor: KeySetFactory = (jwksUri) => {
    this.fetched.push(jwksUri.href);
    const keys = this.pools.filter((pool) => pool.jwksUri === jwksUri.href).map((pool) => pool.key.publicJwk);
    return createLocalJWKSet({ keys });
  };
}

/** A REST API REQUEST authorizer event, with every field API Gateway sends. */
export function authorizerEvent(options: RestEventOptions): APIGatewayRequestAuthorizerEvent {
  const { body: _body, isBase64Encoded: _base64, requestContext, ...request } = restEvent(options);
  return {
    type: 'REQUEST',
    methodArn: `arn:aws:execute-api:eu-central-1:123456789012:abcdef1234/prod/${request.httpMethod}${request.path}`,
    ...request,
    requestContext: { ...requestContext, authorizer: undefined },
  };
}

/** Authorization header value for a token. */
export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** An API key in the Authorization header. */
export const apiKeyHeader = (key: string) => ({ Authorization: `ApiKey ${key}` });

/** API key records in memory, read by tenant and key id as the repository reads them. */
export class FakeApiKeys implements ApiKeyLookup {
  readonly lookups: string[] = [];
  private readonly records = new Map<string, StoredApiKey>();

  /** Makes a key of the tenant with the role; returns the key itself. */
  issue(tenantId: string, role: TenantRole, changes: Partial<StoredApiKey> = {}): string {
    const made = newApiKey(tenantId);
    this.records.set(`${tenantId}/${made.keyId}`, { tenantId, keyId: made.keyId, role, secretHash: made.secretHash, ...changes });
    return made.key;
  }

  async find(tenantId: string, keyId: string): Promise<StoredApiKey | undefined> {
    this.lookups.push(`${tenantId}/${keyId}`);
    return this.records.get(`${tenantId}/${keyId}`);
  }
}

/** Member records in memory: who is a member of which tenant, with which role, by pool sub and by member id. */
export class FakeMembers implements MemberAccessLookup {
  readonly lookups: string[] = [];
  private readonly bySubs = new Map<string, MemberAccess>();
  private readonly byIds = new Map<string, MemberAccess>();

  /** Makes `sub` a member of the tenant with the role (member id `m-<sub>`). */
  set(tenantId: string, sub: string, role: TenantRole): this {
    const access = { memberId: `m-${sub}`, role };
    this.bySubs.set(`${tenantId}/${sub}`, access);
    this.byIds.set(`${tenantId}/${access.memberId}`, access);
    return this;
  }

  remove(tenantId: string, sub: string): void {
    const access = this.bySubs.get(`${tenantId}/${sub}`);
    this.bySubs.delete(`${tenantId}/${sub}`);
    if (access) this.byIds.delete(`${tenantId}/${access.memberId}`);
  }

  async bySub(tenantId: string, sub: string): Promise<MemberAccess | undefined> {
    this.lookups.push(`${tenantId}/sub/${sub}`);
    return this.bySubs.get(`${tenantId}/${sub}`);
  }

  async byId(tenantId: string, memberId: string): Promise<MemberAccess | undefined> {
    this.lookups.push(`${tenantId}/id/${memberId}`);
    return this.byIds.get(`${tenantId}/${memberId}`);
  }
}
