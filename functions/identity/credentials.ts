import { AuthenticationError } from '../core/errors';
import { headerValues, type HeaderSource } from './request-headers';

/** A bearer JWT from `Authorization: Bearer <token>`. */
export interface BearerCredential {
  readonly kind: 'bearer';
  readonly token: string;
}

/**
 * The credentials a request can present. Each kind has a reader here and an authenticator in the authorizer
 * service, whose authenticator table is typed over this union so a new kind cannot be left unhandled.
 */
export type Credential = BearerCredential;

/** Compact JWS: three base64url parts; the signature may be empty so unsigned tokens reach (and fail) verification. */
const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i;

/** Longer than any Cognito token and below API Gateway's header size limit. */
const MAX_TOKEN_LENGTH = 8_192;

/** Reads the request's credential; throws AuthenticationError when there is none or it is malformed. */
export function readCredential(event: HeaderSource): Credential {
  const authorization = headerValues(event, 'authorization');
  if (authorization.length === 0) throw new AuthenticationError('no Authorization header');
  if (authorization.length > 1) throw new AuthenticationError('more than one Authorization header');
  const match = BEARER.exec(authorization[0].trim());
  if (!match || match[1].length > MAX_TOKEN_LENGTH) {
    throw new AuthenticationError('the Authorization header is not "Bearer <JWT>"');
  }
  return { kind: 'bearer', token: match[1] };
}
