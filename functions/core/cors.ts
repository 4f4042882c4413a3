import * as z from './zod';

/**
 * Cross-origin access for browser apps (the console on its own origin). One policy, read by the function handlers
 * (headers on every answer), the local gateway (preflights) and the CDK API (preflight methods on every resource),
 * so a browser sees the same rules locally and in AWS. Credentials are allowed, so origins are always listed:
 * never `*`.
 */
export interface CorsPolicy {
  /** Exact origins (`https://console.example.com`), never `*`. */
  readonly allowOrigins: readonly string[];
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[];
  /** Response headers a browser app may read. */
  readonly exposeHeaders: readonly string[];
  /** How long a browser may cache a preflight answer. */
  readonly maxAgeSeconds: number;
}

/** An exact origin: scheme, host and optional port, lower case, nothing else. */
export const ORIGIN = /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/;

/** `CORS_ALLOWED_ORIGINS`: comma-separated exact origins; empty or absent = no cross-origin access. */
export const corsEnvShape = {
  CORS_ALLOWED_ORIGINS: z.pipe(
    z.pipe(
      z._default(z.string(), ''),
      z.transform((text: string) =>
        text
          .split(',')
          .map((origin) => origin.trim().toLowerCase())
          .filter((origin) => origin !== ''),
      ),
    ),
    z.array(z.string().check(z.regex(ORIGIN, 'CORS_ALLOWED_ORIGINS lists exact origins such as https://console.example.com, never *'))),
  ),
};

export const CORS_ALLOW_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-Match', 'If-None-Match', 'X-Tenant-Id'];
export const CORS_EXPOSE_HEADERS = ['ETag', 'Location', 'Retry-After', 'RateLimit', 'RateLimit-Policy', 'Idempotent-Replayed', 'WWW-Authenticate'];
/** Every method the route table uses (a test holds them equal): a browser sends a preflight for all but GET and POST. */
export const CORS_ALLOW_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * The CORS headers of the problems the gateway answers itself (the authorizer's 401, 403, an unknown route, 413, 429,
 * 5xx) on an API with CORS origins: the request's `Origin` echoed, and no credentials. API Gateway's gateway
 * responses can only copy a request header (their templates are not VTL, so they cannot check the origin against the
 * list), and such an answer holds nothing but the outcome of the caller's own request. Without these headers a
 * browser hides the status and the problem (an expired token's 401, a throttled 429) behind a CORS error. The local
 * gateway answers the same; lib/constructs/gateway-responses.ts maps them.
 */
export function gatewayProblemCorsHeaders(origin: string): Record<string, string> {
  return { 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': CORS_EXPOSE_HEADERS.join(', '), Vary: 'Origin' };
}

/** The policy for these origins. */
export function corsPolicy(allowOrigins: readonly string[]): CorsPolicy {
  for (const origin of allowOrigins) {
    if (!ORIGIN.test(origin)) throw new RangeError(`CORS origin ${JSON.stringify(origin)} is not an exact http(s) origin`);
  }
  return {
    allowOrigins,
    allowMethods: CORS_ALLOW_METHODS,
    allowHeaders: CORS_ALLOW_HEADERS,
    exposeHeaders: CORS_EXPOSE_HEADERS,
    maxAgeSeconds: 600,
  };
}

/** The policy of this function instance, from its environment (parsed once at cold start). */
export function corsPolicyFromEnvironment(env: NodeJS.ProcessEnv = process.env): CorsPolicy {
  return corsPolicy(z.object(corsEnvShape).parse(env).CORS_ALLOWED_ORIGINS);
}

/** True when the origin is one of the policy's. */
export function originAllowed(policy: CorsPolicy, origin: string | undefined): origin is string {
  return origin !== undefined && policy.allowOrigins.includes(origin.toLowerCase());
}

/** Headers of an actual (non-preflight) answer to this origin: none for an origin the policy does not list. */
export function corsResponseHeaders(policy: CorsPolicy, origin: string | undefined): Record<string, string> {
  if (!originAllowed(policy, origin)) return policy.allowOrigins.length > 0 ? { vary: 'Origin' } : {};
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
    'access-control-expose-headers': policy.exposeHeaders.join(', '),
    vary: 'Origin',
  };
}

/**
 * The answer to a preflight (`OPTIONS` with `Access-Control-Request-Method`): 204 with the allowed methods and
 * headers for a listed origin; 403 with no CORS headers otherwise, so the browser blocks the real request.
 */
export function preflightAnswer(
  policy: CorsPolicy,
  origin: string | undefined,
  routeMethods: readonly string[],
): { readonly status: 204 | 403; readonly headers: Record<string, string> } {
  if (!originAllowed(policy, origin)) return { status: 403, headers: { vary: 'Origin' } };
  const methods = policy.allowMethods.filter((method) => routeMethods.includes(method));
  return {
    status: 204,
    headers: {
      'access-control-allow-origin': origin,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': methods.join(', '),
      'access-control-allow-headers': policy.allowHeaders.join(', '),
      'access-control-max-age': String(policy.maxAgeSeconds),
      vary: 'Origin',
    },
  };
}
