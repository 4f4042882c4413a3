import { AuthenticationError, ForbiddenError, MalformedRequestError, RateLimitedError, RouteNotFoundError, UnsupportedMediaTypeError } from './errors';
import { problem, toProblem, type Problem } from './problem';
import { WWW_AUTHENTICATE } from './response-conventions';

/**
 * The problems a gateway answers by itself, before or instead of a function: one table read by the local gateway
 * (local/gateway.ts) and by the CDK API's gateway responses (lib/constructs/gateway-responses.ts), so a client sees
 * the same `code`, status and headers locally and in AWS.
 */
export interface GatewayProblemSpec {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  /**
   * Fixed detail text.
   * @default - the gateway's own message for the case
   */
  readonly detail?: string;
  /** Headers of the answer besides Content-Type and Cache-Control (name → static value). */
  readonly headers?: Readonly<Record<string, string>>;
}

function fromError(error: { readonly code: string; readonly title: string }, status: number): Pick<GatewayProblemSpec, 'status' | 'code' | 'title'> {
  return { status, code: error.code, title: error.title };
}

const internal = toProblem(new Error('gateway'));

export const GATEWAY_PROBLEMS = {
  /** No valid credential (the authorizer said Unauthorized). */
  unauthenticated: { ...fromError(new AuthenticationError(''), 401), headers: { 'WWW-Authenticate': WWW_AUTHENTICATE } },
  /** The authorizer's policy denies the request, or a firewall filtered it. */
  forbidden: fromError(new ForbiddenError(''), 403),
  /** No route for this method and path (a REST API cannot tell an unknown method from an unknown path). */
  routeNotFound: { ...fromError(new RouteNotFoundError(''), 404), detail: 'No route matches this method and path.' },
  /** The usage plan's request rate is exceeded. */
  throttled: { ...fromError(new RateLimitedError(''), 429), detail: "The plan's request rate is exceeded.", headers: { 'Retry-After': '1' } },
  /** The usage plan's daily request quota is used up. */
  dailyQuotaExceeded: { ...fromError(new RateLimitedError(''), 429), detail: "The plan's daily request quota is used up.", headers: { 'Retry-After': '3600' } },
  /** The request could not be read at the gateway. */
  malformed: fromError(new MalformedRequestError(''), 400),
  /** The body is larger than the gateway takes. */
  requestTooLarge: { status: 413, code: 'request-too-large', title: 'Request too large' },
  unsupportedMediaType: fromError(new UnsupportedMediaTypeError(''), 415),
  /** Any other 4xx of the gateway. */
  badRequest: { status: 400, code: 'bad-request', title: 'Bad request' },
  /** The function failed or answered something that is not a proxy response. */
  upstreamFailure: { status: 502, code: 'upstream-failure', title: 'Upstream failure', detail: internal.detail },
  /** The function did not answer in time (API Gateway's 29 s). */
  upstreamTimeout: {
    status: 504,
    code: 'upstream-timeout',
    title: 'Upstream timeout',
    detail: 'The request took too long; it may have been carried out. Retry with the same Idempotency-Key.',
  },
  /** Anything else that went wrong at the gateway. */
  internal: { status: 500, code: internal.code, title: internal.title, detail: internal.detail },
} as const satisfies Record<string, GatewayProblemSpec>;

export type GatewayProblemName = keyof typeof GATEWAY_PROBLEMS;

/** The problem document of a gateway problem, with the fixed detail or the one given. */
export function gatewayProblem(name: GatewayProblemName, detail?: string): Problem {
  const spec: GatewayProblemSpec = GATEWAY_PROBLEMS[name];
  return problem(spec.status, spec.code, spec.title, detail ?? spec.detail ?? spec.title);
}
