import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import * as z from '../core/zod';
import { AuthenticationError } from '../core/errors';
import { BoundedMap } from './bounded-map';
import type { IssuerRegistration } from './issuer-registry.repository';
import { TENANT_ID_CLAIM } from './tenant-attribute';

/** Why a token was refused; logged, never shown to the caller. */
export type TokenRejection =
  | 'malformed'
  | 'unknown-issuer'
  | 'invalid'
  | 'issued-in-future'
  | 'claims'
  | 'token-use'
  | 'audience'
  | 'client-id'
  | 'tenant-claim';

/** A refused token: a 401 that says why, for the logs. */
export class TokenRejectedError extends AuthenticationError {
  override readonly name: string = 'TokenRejectedError';
  constructor(
    readonly reason: TokenRejection,
    detail: string,
    /** The registration of the token's issuer, when it was found. */
    readonly registration?: IssuerRegistration,
    /** jose's error code, when jose refused the token. */
    readonly joseCode?: string,
  ) {
    super(detail);
  }
}

/** Finds the registration of an issuer (the issuer registry). */
export interface IssuerLookup {
  lookup(issuer: string): Promise<IssuerRegistration | undefined>;
}

/** Makes the key resolver of one JWKS URI; the default fetches it over HTTP(S) and caches its keys. */
export type KeySetFactory = (jwksUri: URL) => JWTVerifyGetKey;

/** jose's remote JWKS: fetched on first use, refetched at most every 30 s when a token names an unknown key id. */
export const remoteKeySet: KeySetFactory = (jwksUri) => createRemoteJWKSet(jwksUri, { timeoutDuration: 3_000 });

export interface TokenVerifierOptions {
  readonly issuers: IssuerLookup;
  /** @default remoteKeySet */
  readonly keySetFor?: KeySetFactory;
  /** @default the system clock */
  readonly clock?: () => Date;
  /** How many issuers' key sets one container keeps. @default 1000 (Cognito's default pool quota per region) */
  readonly maxIssuers?: number;
}

/** Cognito's claims that this platform reads, after the signature is verified. */
const cognitoClaimsSchema = z.object({
  sub: z.string().check(z.minLength(1)),
  token_use: z.string(),
  aud: z.optional(z.union([z.string(), z.array(z.string())])),
  client_id: z.optional(z.string()),
  'cognito:groups': z.optional(z.array(z.string())),
  [TENANT_ID_CLAIM]: z.optional(z.string()),
});
export type CognitoClaims = z.infer<typeof cognitoClaimsSchema> & { readonly token_use: 'id' | 'access' };

/** A token whose signature, issuer, lifetime and audience were verified. */
export interface VerifiedToken {
  readonly registration: IssuerRegistration;
  readonly claims: CognitoClaims;
}

/** Seconds of clock skew accepted on `exp`, `nbf` and `iat`. */
export const CLOCK_TOLERANCE_SECONDS = 5;

/** Issuers are URLs of a few dozen characters; anything far longer is not a registered issuer (or a key). */
const MAX_ISSUER_LENGTH = 512;

/** jose errors that mean the token is bad; any other failure (JWKS unreachable, bad JWKS) is ours and fails as a 5xx. */
const TOKEN_ERRORS = [
  errors.JWTExpired,
  errors.JWTClaimValidationFailed,
  errors.JWTInvalid,
  errors.JWSInvalid,
  errors.JWSSignatureVerificationFailed,
  errors.JOSEAlgNotAllowed,
  errors.JOSENotSupported,
  errors.JWKSNoMatchingKey,
  errors.JWKSMultipleMatchingKeys,
];

/**
 * Verifies Cognito JWTs of any registered issuer. The issuer is read from the unverified token only to find its
 * registration; the token is then verified against that issuer's own JWKS (RS256 only, exact issuer, lifetime),
 * and its audience (ID tokens) or client id (access tokens) must be one of the registration's app clients.
 * Key sets are cached per issuer, so one issuer's keys never verify another issuer's tokens.
 */
export class TokenVerifier {
  private readonly issuers: IssuerLookup;
  private readonly keySetFor: KeySetFactory;
  private readonly clock: () => Date;
  private readonly keySets: BoundedMap<string, { readonly jwksUri: string; readonly getKey: JWTVerifyGetKey }>;

  constructor(options: TokenVerifierOptions) {
    this.issuers = options.issuers;
    this.keySetFor = options.keySetFor ?? remoteKeySet;
    this.clock = options.clock ?? (() => new Date());
    this.keySets = new BoundedMap(options.maxIssuers ?? 1_000);
  }

  /** Verifies a compact JWT; throws TokenRejectedError when it is not acceptable. */
  async verify(token: string): Promise<VerifiedToken> {
    const registration = await this.registrationOf(unverifiedIssuer(token));
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.keySet(registration), {
        issuer: registration.issuer,
        algorithms: ['RS256'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: this.clock(),
        requiredClaims: ['exp', 'sub', 'token_use'],
      }));
    } catch (error) {
      if (TOKEN_ERRORS.some((type) => error instanceof type)) {
        const { code, message } = error as errors.JOSEError;
        throw new TokenRejectedError('invalid', `token refused: ${message}`, registration, code);
      }
      throw error;
    }
    this.checkIssuedAt(payload, registration);
    const parsed = cognitoClaimsSchema.safeParse(payload);
    if (!parsed.success) throw new TokenRejectedError('claims', 'token claims have unexpected types', registration);
    const claims = parsed.data;
    const clientIds: readonly string[] = registration.clientIds;
    switch (claims.token_use) {
      case 'id': {
        const audiences = typeof claims.aud === 'string' ? [claims.aud] : (claims.aud ?? []);
        if (audiences.length === 0 || !audiences.every((audience) => clientIds.includes(audience))) {
          throw new TokenRejectedError('audience', 'ID token audience is not an app client of its issuer', registration);
        }
        return { registration, claims: { ...claims, token_use: 'id' } };
      }
      case 'access':
        if (claims.client_id === undefined || !clientIds.includes(claims.client_id)) {
          throw new TokenRejectedError('client-id', 'access token client_id is not an app client of its issuer', registration);
        }
        return { registration, claims: { ...claims, token_use: 'access' } };
      default:
        throw new TokenRejectedError('token-use', 'only ID and access tokens are accepted', registration);
    }
  }

  /**
   * jose checks `iat` only against a maximum token age, which Cognito's configurable lifetimes make no good bound
   * for; a token issued later than now (beyond the skew) was minted by a clock or a key that cannot be trusted.
   */
  private checkIssuedAt(payload: unknown, registration: IssuerRegistration): void {
    const { iat } = payload as { iat?: unknown };
    const latest = Math.floor(this.clock().getTime() / 1000) + CLOCK_TOLERANCE_SECONDS;
    if (typeof iat === 'number' && iat > latest) {
      throw new TokenRejectedError('issued-in-future', 'token refused: it was issued in the future', registration);
    }
  }

  private async registrationOf(issuer: string): Promise<IssuerRegistration> {
    const registration = await this.issuers.lookup(issuer);
    if (!registration) throw new TokenRejectedError('unknown-issuer', 'the token issuer is not registered');
    return registration;
  }

  private keySet(registration: IssuerRegistration): JWTVerifyGetKey {
    const cached = this.keySets.get(registration.issuer);
    if (cached && cached.jwksUri === registration.jwksUri) return cached.getKey;
    const getKey = this.keySetFor(new URL(registration.jwksUri));
    this.keySets.set(registration.issuer, { jwksUri: registration.jwksUri, getKey });
    return getKey;
  }
}

/** The `iss` of a token read without verification: only used to pick the registration to verify against. */
function unverifiedIssuer(token: string): string {
  let iss: unknown;
  try {
    ({ iss } = decodeJwt(token));
  } catch {
    throw new TokenRejectedError('malformed', 'the token is not a JWT');
  }
  if (typeof iss !== 'string' || iss.length === 0 || iss.length > MAX_ISSUER_LENGTH) {
    throw new TokenRejectedError('malformed', 'the token has no usable issuer');
  }
  return iss;
}
