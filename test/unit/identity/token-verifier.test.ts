import { decodeProtectedHeader, SignJWT, UnsecuredJWT } from 'jose';
import { toProblem } from '../../../functions/core/problem';
import { TokenRejectedError, TokenVerifier } from '../../../functions/identity/token-verifier';
import { accessToken, clock, FakeIssuerRegistry, FakeJwksHost, idToken, NOW_SECONDS, platformPool, signingKey, tenantPool, type Pool } from './fixtures';

describe('TokenVerifier', () => {
  let acme: Pool;
  let globex: Pool;
  let platform: Pool;

  beforeAll(async () => {
    [acme, globex, platform] = await Promise.all([tenantPool('acme'), tenantPool('globex'), platformPool()]);
  });

  function verifier(pools: readonly Pool[] = [acme, globex, platform], maxIssuers?: number) {
    const jwks = new FakeJwksHost(pools);
    const issuers = new FakeIssuerRegistry(pools);
    return { verifier: new TokenVerifier({ issuers, keySetFor: jwks.keySetFor, clock, maxIssuers }), jwks, issuers };
  }

  async function rejection(promise: Promise<unknown>): Promise<TokenRejectedError> {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(TokenRejectedError);
    return error as TokenRejectedError;
  }

  it('accepts an ID token of a registered tenant pool', async () => {
    // Prepare
    const { verifier: subject } = verifier();
    const token = await idToken(acme, { groups: ['tenant-admin'] });

    // Act
    const verified = await subject.verify(token);

    // Assess
    expect(verified.registration).toEqual(acme.registration);
    expect(verified.claims).toMatchObject({ sub: 'user-1', token_use: 'id', aud: acme.clientId, 'cognito:groups': ['tenant-admin'] });
  });

  it('accepts an access token of a registered tenant pool', async () => {
    // Prepare
    const { verifier: subject } = verifier();

    // Act
    const verified = await subject.verify(await accessToken(acme));

    // Assess
    expect(verified.claims).toMatchObject({ token_use: 'access', client_id: acme.clientId });
  });

  it('accepts a token within the clock tolerance of its expiry', async () => {
    // Prepare
    const { verifier: subject } = verifier();
    const token = await idToken(acme, { claims: { exp: NOW_SECONDS - 3 } });

    // Act
    const verified = await subject.verify(token);

    // Assess
    expect(verified.registration.issuer).toBe(acme.issuer);
  });

  it.each([
    ['an expired token', { exp: NOW_SECONDS - 60 }, 'ERR_JWT_EXPIRED'],
    ['a token that is not yet valid', { nbf: NOW_SECONDS + 60 }, 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['a token without expiry', { exp: undefined }, 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['a token without subject', { sub: undefined }, 'ERR_JWT_CLAIM_VALIDATION_FAILED'],
  ])('rejects %s', async (_name, claims, joseCode) => {
    // Prepare
    const { verifier: subject } = verifier();
    const token = await idToken(acme, { claims });

    // Act
    const error = await rejection(subject.verify(token));

    // Assess
    expect(error).toMatchObject({ reason: 'invalid', joseCode });
  });

  it('accepts a token issued within the clock tolerance ahead of the verifier clock', async () => {
    // Prepare
    const { verifier: subject } = verifier();
    const token = await idToken(acme, { claims: { iat: NOW_SECONDS + 5 } });

    // Act
    const verified = await subject.verify(token);

    // Assess
    expect(verified.registration.issuer).toBe(acme.issuer);
  });

  it.each([
    ['just beyond the clock tolerance', 6],
    ['an hour ahead', 3_600],
  ])('rejects a token issued in the future (%s)', async (_name, aheadSeconds) => {
    // Prepare
    const { verifier: subject } = verifier();
    const token = await idToken(acme, { claims: { iat: NOW_SECONDS + aheadSeconds } });

    // Act
    const error = await rejection(subject.verify(token));

    // Assess
    expect(error).toMatchObject({ reason: 'issued-in-future' });
    expect(toProblem(error).status).toBe(401);
  });

  it('rejects a token signed by another key', async () => {
    // Prepare
    const { verifier: subject } = verifier();
    const forger = await signingKey(acme.key.kid);
    const token = await idToken(acme, { key: forger });

    // Act
    const error = await rejection(subject.verify(token));

    // Assess
    expect(error).toMatchObject({ reason: 'invalid', joseCode: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });

  it('rejects a token signed by a key its issuer does not publish', async () => {
    // Prepare
    const { verifier: subject } = verifier();
    const token = await idToken(acme, { key: await signingKey('unknown-kid') });

    // Act
    const error = await rejection(subject.verify(token));

    // Assess
    expect(error).toMatchObject({ reason: 'invalid', joseCode: 'ERR_JWKS_NO_MATCHING_KEY' });
  });

  it('rejects a token signed by another registered issuer key under its own issuer', async () => {
    // Prepare: globex's key signs a token that claims acme's issuer
    const { verifier: subject } = verifier();
    const token = await idToken(acme, { key: globex.key });

    // Act
    const error = await rejection(subject.verify(token));

    // Assess
    expect(error.reason).toBe('invalid');
  });

  it('rejects a token whose payload was tampered with', async () => {
    // Prepare
    const { verifier: subject } = verifier();
    const [header, payload, signature] = (await idToken(acme, { groups: ['viewer'] })).split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const tampered = Buffer.from(JSON.stringify({ ...claims, 'cognito:groups': ['tenant-admin'] })).toString('base64url');

    // Act
    const error = await rejection(subject.verify(`${header}.${tampered}.${signature}`));

    // Assess
    expect(error).toMatchObject({ reason: 'invalid', joseCode: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });

  it('rejects an unsigned token (alg none)', async () => {
    // Prepare
    const { verifier: subject } = verifier();
    const token = new UnsecuredJWT({ sub: 'user-1', token_use: 'id', aud: acme.clientId })
      .setIssuer(acme.issuer)
      .setIssuedAt(NOW_SECONDS)
      .setExpirationTime(NOW_SECONDS + 3600)
      .encode();

    // Act
    const error = await rejection(subject.verify(token));

    // Assess
    expect(decodeProtectedHeader(token).alg).toBe('none');
    expect(error).toMatchObject({ reason: 'invalid', joseCode: 'ERR_JOSE_ALG_NOT_ALLOWED' });
  });

  it('rejects an HS256 token keyed with the public key', async () => {
    // Prepare
    const { verifier: subject } = verifier();
    const token = await new SignJWT({ sub: 'user-1', token_use: 'id', aud: acme.clientId })
      .setProtectedHeader({ alg: 'HS256', kid: acme.key.kid })
      .setIssuer(acme.issuer)
      .setIssuedAt(NOW_SECONDS)
      .setExpirationTime(NOW_SECONDS + 3600)
      .sign(new TextEncoder().encode(acme.key.publicPem));

    // Act
    const error = await rejection(subject.verify(token));

    // Assess
    expect(error).toMatchObject({ reason: 'invalid', joseCode: 'ERR_JOSE_ALG_NOT_ALLOWED' });
  });

  it('rejects an ID token for an app client of another pool', async () => {
    // Prepare
    const { verifier: subject } = verifier();
    const token = await idToken(acme, { claims: { aud: globex.clientId } });

    // Act
    const error = await rejection(subject.verify(token));

    // Assess
    expect(error.reason).toBe('audience');
  });

  it('rejects an ID token whose audience list names an unknown client', async () => {
    // Prepare
    const { verifier: subject } = verifier();
    const token = await idToken(acme, { claims: { aud: [acme.clientId, 'someone-else'] } });

    // Act
    const error = await rejection(subject.verify(token));

    // Assess
    expect(error.reason).toBe('audience');
  });

  it('rejects an access token with a wrong client_id', async () => {
    // Prepare
    const { verifier: subject } = verifier();
    const token = await accessToken(acme, { claims: { client_id: 'someone-else' } });

    // Act
    const error = await rejection(subject.verify(token));

    // Assess
    expect(error.reason).toBe('client-id');
  });

  it('rejects an access token without client_id', async () => {
    // Prepare
    const { verifier: subject } = verifier();
    const token = await accessToken(acme, { claims: { client_id: undefined, aud: acme.clientId } });

    // Act
    const error = await rejection(subject.verify(token));

    // Assess
    expect(error.reason).toBe('client-id');
  });

  it.each([['refresh'], ['']])('rejects a token whose token_use is %j', async (tokenUse) => {
    // Prepare
    const { verifier: subject } = verifier();
    const token = await idToken(acme, { claims: { token_use: tokenUse } });

    // Act
    const error = await rejection(subject.verify(token));

    // Assess
    expect(error.reason).toBe('token-use');
  });

  it('rejects a token without token_use', async () => {
    // Prepare
    const { verifier: subject } = verifier();
    const token = await idToken(acme, { claims: { token_use: undefined } });

    // Act
    const error = await rejection(subject.verify(token));

    // Assess
    expect(error).toMatchObject({ reason: 'invalid', joseCode: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
  });

  it('rejects a token whose groups claim is not a list of strings', async () => {
    // Prepare
    const { verifier: subject } = verifier();
    const token = await idToken(acme, { claims: { 'cognito:groups': 'tenant-admin' } });

    // Act
    const error = await rejection(subject.verify(token));

    // Assess
    expect(error.reason).toBe('claims');
  });

  it('rejects a token of an unknown issuer without fetching any JWKS', async () => {
    // Prepare
    const { verifier: subject, jwks } = verifier([acme]);
    const token = await idToken(globex);

    // Act
    const error = await rejection(subject.verify(token));

    // Assess
    expect(error.reason).toBe('unknown-issuer');
    expect(jwks.fetched).toEqual([]);
  });

  it('rejects a token whose issuer differs from its registration only by a trailing slash', async () => {
    // Prepare: a registry that (wrongly) answered for a near-miss issuer must not make the token valid
    const jwks = new FakeJwksHost([acme]);
    const subject = new TokenVerifier({ issuers: { lookup: async () => acme.registration }, keySetFor: jwks.keySetFor, clock });
    const token = await idToken(acme, { claims: { iss: `${acme.issuer}/` } });

    // Act
    const error = await rejection(subject.verify(token));

    // Assess
    expect(error).toMatchObject({ reason: 'invalid', joseCode: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
  });

  it.each([
    ['a string that is not a JWT', 'not-a-jwt'],
    ['a JWT without issuer', `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.c2ln`],
    ['a JWT whose issuer is not a string', `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('{"iss":42}').toString('base64url')}.c2ln`],
    [
      'a JWT with a huge issuer',
      `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: 'x'.repeat(600) })).toString('base64url')}.c2ln`,
    ],
  ])('rejects %s as malformed without a registry lookup', async (_name, token) => {
    // Prepare
    const { verifier: subject, issuers } = verifier();

    // Act
    const error = await rejection(subject.verify(token));

    // Assess
    expect(error.reason).toBe('malformed');
    expect(issuers.lookups).toEqual([]);
  });

  it('creates the key set of an issuer once across many tokens and one per issuer', async () => {
    // Prepare
    const { verifier: subject, jwks } = verifier();
    const tokens = await Promise.all([
      ...Array.from({ length: 5 }, () => idToken(acme)),
      ...Array.from({ length: 5 }, () => accessToken(globex)),
      idToken(platform, { groups: ['platform-admin'] }),
    ]);

    // Act
    for (const token of tokens) await subject.verify(token);

    // Assess
    expect(jwks.fetched.sort()).toEqual([acme.jwksUri, globex.jwksUri, platform.jwksUri].sort());
  });

  it('forgets the least recently used issuer key set when the cache is full', async () => {
    // Prepare
    const { verifier: subject, jwks } = verifier([acme, globex, platform], 2);

    // Act
    await subject.verify(await idToken(acme));
    await subject.verify(await idToken(globex));
    await subject.verify(await idToken(acme));
    await subject.verify(await idToken(platform));
    await subject.verify(await idToken(acme));
    await subject.verify(await idToken(globex));

    // Assess
    expect(jwks.fetched).toEqual([acme.jwksUri, globex.jwksUri, platform.jwksUri, globex.jwksUri]);
  });

  it('builds a new key set when an issuer registration moves its JWKS', async () => {
    // Prepare
    const moved: Pool = { ...acme, jwksUri: `${acme.issuer}/keys-v2`, registration: { ...acme.registration, jwksUri: `${acme.issuer}/keys-v2` } };
    const jwks = new FakeJwksHost([acme, moved]);
    let current = acme.registration;
    const subject = new TokenVerifier({ issuers: { lookup: async () => current }, keySetFor: jwks.keySetFor, clock });

    // Act
    await subject.verify(await idToken(acme));
    current = moved.registration;
    await subject.verify(await idToken(acme));

    // Assess
    expect(jwks.fetched).toEqual([acme.jwksUri, moved.jwksUri]);
  });

  it('fails (not 401) when the JWKS cannot be read', async () => {
    // Prepare
    const failure = new Error('connect ECONNREFUSED');
    const subject = new TokenVerifier({
      issuers: new FakeIssuerRegistry([acme]),
      keySetFor: () => async () => {
        throw failure;
      },
      clock,
    });

    // Act
    const outcome = subject.verify(await idToken(acme));

    // Assess
    await expect(outcome).rejects.toBe(failure);
  });
});
