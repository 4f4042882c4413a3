import { AuthenticationError } from '../core/errors';
import { MAX_API_KEY_LENGTH } from './api-key.secret';
import { headerValues, type HeaderSource } from '../core/request-headers';

/** A bearer JWT from `Authorization: Bearer <token>`. */
export interface BearerCredential {
  readonly kind: 'bearer';
  readonly token: string;
}

/** A machine client's API key from `Authorization: ApiKey <key>`; its form is checked by the authenticator. */
export interface ApiKeyCredential {
  readonly kind: 'api-key';
  readonly key: string;
}

/**
 * The credentials a request can present. Each kind has a reader here and an authenticator in the authorizer
 * service, whose authenticator table is typed over this union so a new kind cannot be left unhandled.
 */
export type Credential = BearerCredential | ApiKeyCredential;

/**
 * The scheme of an API key in the Authorization header. Every credential travels in that one header because it is
 * the identity source API Gateway keys its authorizer result cache by, and API Gateway answers 401 without calling
 * the authorizer when an identity source is missing: a key in a header of its own would never get through.
 */
export const API_KEY_SCHEME = 'ApiKey';

const API_KEY_AUTHORIZATION = /^ApiKey +(\S+)$/i;

/** Compact JWS: three base64url parts; the signature may be empty so unsigned tokens reach (and fail) verification. */
const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i;

/** Longer than any Cognito token and below API Gateway's header size limit. */
const MAX_TOKEN_LENGTH = 8_192;

/**
 * Reads the request's credential from its Authorization header; throws AuthenticationError when there is none, it is
 * malformed, or there are several (which of two principals would be meant is not for us to guess).
 */
export function readCredential(event: HeaderSource): Credential {
  const authorization = headerValues(event, 'authorization');
  if (authorization.length === 0) throw new AuthenticationError('no Authorization header');
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
