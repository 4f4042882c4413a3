import { AuthenticationError } from '../core/errors';
import { MAX_API_KEY_LENGTH } from './api-key.secret';
import { headerValues, type HeaderSource } from './request-headers';

/** A bearer JWT from `Authorization: Bearer <token>`. */
export interface BearerCredential {
  readonly kind: 'bearer';
  readonly token: string;
}

/**
 * A machine client's API key from `Authorization: ApiKey <key>` or `X-Api-Key: <key>`; its form is checked by the
 * authenticator.
 */
export interface ApiKeyCredential {
  readonly kind: 'api-key';
  readonly key: string;
}

/**
 * The credentials a request can present. Each kind has a reader here and an authenticator in the authorizer
 * service, whose authenticator table is typed over this union so a new kind cannot be left unhandled.
 */
export type Credential = BearerCredential | ApiKeyCredential;

/** The header machine clients send their API key in. */
export const API_KEY_HEADER = 'X-Api-Key';

/**
 * The scheme of an API key in the Authorization header. With every credential in one header, that header alone can
 * be the identity source API Gateway keys its authorizer result cache by.
 */
export const API_KEY_SCHEME = 'ApiKey';

const API_KEY_AUTHORIZATION = /^ApiKey +(\S+)$/i;

/** Compact JWS: three base64url parts; the signature may be empty so unsigned tokens reach (and fail) verification. */
const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i;

/** Longer than any Cognito token and below API Gateway's header size limit. */
const MAX_TOKEN_LENGTH = 8_192;

/**
 * Reads the request's credential; throws AuthenticationError when there is none, it is malformed, or the request
 * carries both a bearer token and an API key (which of two principals would be meant is not for us to guess).
 */
export function readCredential(event: HeaderSource): Credential {
  const authorization = headerValues(event, 'authorization');
  const apiKeys = headerValues(event, API_KEY_HEADER);
  if (apiKeys.length > 0) {
    if (authorization.length > 0) throw new AuthenticationError('send either an Authorization header or an X-Api-Key header, not both');
    if (apiKeys.length > 1) throw new AuthenticationError('more than one X-Api-Key header');
    const key = apiKeys[0].trim();
    if (key.length === 0 || key.length > MAX_API_KEY_LENGTH) throw new AuthenticationError('the X-Api-Key header is not an API key');
    return { kind: 'api-key', key };
  }
  if (authorization.length === 0) throw new AuthenticationError('no Authorization header or X-Api-Key header');
  if (authorization.length > 1) throw new AuthenticationError('more than one Authorization header');
  const apiKey = API_KEY_AUTHORIZATION.exec(authorization[0].trim());
  if (apiKey) {
    if (apiKey[1].length > MAX_API_KEY_LENGTH) throw new AuthenticationError('the Authorization header does not hold an API key');
    return { kind: 'api-key', key: apiKey[1] };
  }
  const match = BEARER.exec(authorization[0].trim());
  if (!match || match[1].length > MAX_TOKEN_LENGTH) {
    throw new AuthenticationError('the Authorization header is not "Bearer <JWT>" or "ApiKey <key>"');
  }
  return { kind: 'bearer', token: match[1] };
}
