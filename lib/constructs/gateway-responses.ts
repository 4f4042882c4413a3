import * as apigw from 'aws-cdk-lib/aws-apigateway';
import {
  AuthenticationError,
  type DomainError,
  ForbiddenError,
  MalformedRequestError,
  QuotaExceededError,
  RateLimitedError,
  RouteNotFoundError,
} from '../../functions/core/errors';
import { problem, PROBLEM_CONTENT_TYPE, toProblem } from '../../functions/core/problem';

/** What API Gateway answers for one of its own response types, as a problem document. */
export interface GatewayProblem {
  readonly type: apigw.ResponseType;
  readonly status: number;
  readonly code: string;
  readonly title: string;
  /**
   * Fixed detail text.
   * @default - API Gateway's own message for the error ($context.error.message)
   */
  readonly detail?: string;
  /** Extra response headers (name → value). */
  readonly headers?: Readonly<Record<string, string>>;
}

function fromError(error: DomainError): Pick<GatewayProblem, 'code' | 'title'> {
  return { code: error.code, title: error.title };
}

const unauthenticated = fromError(new AuthenticationError(''));
const forbidden = fromError(new ForbiddenError(''));
const routeNotFound = fromError(new RouteNotFoundError(''));
const malformed = fromError(new MalformedRequestError(''));
const internal = toProblem(new Error('gateway'));

/**
 * API Gateway's own answers, mapped onto the platform's problem codes where one exists. Codes that only the
 * gateway produces (`request-too-large`, `unsupported-media-type`, `upstream-failure`, `upstream-timeout`,
 * `bad-request`) are defined here.
 */
export const GATEWAY_PROBLEMS: readonly GatewayProblem[] = [
  { type: apigw.ResponseType.UNAUTHORIZED, status: 401, ...unauthenticated, headers: { 'WWW-Authenticate': 'Bearer' } },
  { type: apigw.ResponseType.ACCESS_DENIED, status: 403, ...forbidden },
  { type: apigw.ResponseType.INVALID_API_KEY, status: 403, ...forbidden },
  { type: apigw.ResponseType.EXPIRED_TOKEN, status: 403, ...forbidden },
  { type: apigw.ResponseType.INVALID_SIGNATURE, status: 403, ...forbidden },
  { type: apigw.ResponseType.WAF_FILTERED, status: 403, ...forbidden },
  // A REST API answers a path or method it does not know with MISSING_AUTHENTICATION_TOKEN (403): say what it is.
  {
    type: apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN,
    status: 404,
    ...routeNotFound,
    detail: 'No route matches this method and path.',
  },
  { type: apigw.ResponseType.RESOURCE_NOT_FOUND, status: 404, ...routeNotFound },
  { type: apigw.ResponseType.THROTTLED, status: 429, ...fromError(new RateLimitedError('')) },
  { type: apigw.ResponseType.QUOTA_EXCEEDED, status: 429, ...fromError(new QuotaExceededError('')) },
  { type: apigw.ResponseType.BAD_REQUEST_BODY, status: 400, ...malformed },
  { type: apigw.ResponseType.BAD_REQUEST_PARAMETERS, status: 400, ...malformed },
  { type: apigw.ResponseType.REQUEST_TOO_LARGE, status: 413, code: 'request-too-large', title: 'Request too large' },
  { type: apigw.ResponseType.UNSUPPORTED_MEDIA_TYPE, status: 415, code: 'unsupported-media-type', title: 'Unsupported media type' },
  { type: apigw.ResponseType.DEFAULT_4XX, status: 400, code: 'bad-request', title: 'Bad request' },
  { type: apigw.ResponseType.INTEGRATION_FAILURE, status: 502, code: 'upstream-failure', title: 'Upstream failure', detail: internal.detail },
  { type: apigw.ResponseType.INTEGRATION_TIMEOUT, status: 504, code: 'upstream-timeout', title: 'Upstream timeout', detail: 'The request took too long; it may have been carried out. Retry with the same Idempotency-Key.' },
  { type: apigw.ResponseType.AUTHORIZER_FAILURE, status: 500, code: internal.code, title: internal.title, detail: internal.detail },
  { type: apigw.ResponseType.AUTHORIZER_CONFIGURATION_ERROR, status: 500, code: internal.code, title: internal.title, detail: internal.detail },
  { type: apigw.ResponseType.API_CONFIGURATION_ERROR, status: 500, code: internal.code, title: internal.title, detail: internal.detail },
  { type: apigw.ResponseType.DEFAULT_5XX, status: 500, code: internal.code, title: internal.title, detail: internal.detail },
];

const DETAIL_PLACEHOLDER = '@@detail@@';

/**
 * The mapping template of a gateway problem: the same document `functions/core/problem.ts` builds, with
 * API Gateway's message (already JSON-quoted by `messageString`) as detail unless a fixed one is given, and the
 * request id to quote to support.
 */
export function gatewayProblemTemplate(entry: GatewayProblem): string {
  const doc = problem(entry.status, entry.code, entry.title, entry.detail ?? DETAIL_PLACEHOLDER, { requestId: '$context.requestId' });
  return JSON.stringify(doc).replace(JSON.stringify(DETAIL_PLACEHOLDER), '$context.error.messageString');
}

/** Adds every gateway problem to the API. */
export function addGatewayProblems(api: apigw.RestApi, entries: readonly GatewayProblem[] = GATEWAY_PROBLEMS): void {
  for (const entry of entries) {
    const headers: Record<string, string> = { 'Content-Type': PROBLEM_CONTENT_TYPE, 'Cache-Control': 'no-store', ...entry.headers };
    api.addGatewayResponse(`Problem${entry.type.responseType}`, {
      type: entry.type,
      statusCode: String(entry.status),
      // Header values are mapping expressions: static values go in single quotes.
      responseHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, `'${value}'`])),
      templates: { 'application/json': gatewayProblemTemplate(entry) },
    });
  }
}
