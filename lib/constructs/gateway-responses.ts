import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { gatewayProblemCorsHeaders } from '../../functions/core/cors';
import { GATEWAY_PROBLEMS, type GatewayProblemName } from '../../functions/core/gateway-problems';
import { problem, PROBLEM_CONTENT_TYPE } from '../../functions/core/problem';
import { DEFAULT_CACHE_CONTROL } from '../../functions/core/response-conventions';

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

/** API Gateway's response types, each answered with a problem of the shared gateway problem table. */
export const GATEWAY_RESPONSE_PROBLEMS: ReadonlyArray<readonly [apigw.ResponseType, GatewayProblemName]> = [
  [apigw.ResponseType.UNAUTHORIZED, 'unauthenticated'],
  [apigw.ResponseType.ACCESS_DENIED, 'forbidden'],
  [apigw.ResponseType.INVALID_API_KEY, 'forbidden'],
  [apigw.ResponseType.EXPIRED_TOKEN, 'forbidden'],
  [apigw.ResponseType.INVALID_SIGNATURE, 'forbidden'],
  [apigw.ResponseType.WAF_FILTERED, 'forbidden'],
  // A REST API answers a path or method it does not know with MISSING_AUTHENTICATION_TOKEN (403): say what it is.
  [apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN, 'routeNotFound'],
  [apigw.ResponseType.RESOURCE_NOT_FOUND, 'routeNotFound'],
  [apigw.ResponseType.THROTTLED, 'throttled'],
  [apigw.ResponseType.QUOTA_EXCEEDED, 'dailyQuotaExceeded'],
  [apigw.ResponseType.BAD_REQUEST_BODY, 'malformed'],
  [apigw.ResponseType.BAD_REQUEST_PARAMETERS, 'malformed'],
  [apigw.ResponseType.REQUEST_TOO_LARGE, 'requestTooLarge'],
  [apigw.ResponseType.UNSUPPORTED_MEDIA_TYPE, 'unsupportedMediaType'],
  [apigw.ResponseType.DEFAULT_4XX, 'badRequest'],
  [apigw.ResponseType.INTEGRATION_FAILURE, 'upstreamFailure'],
  [apigw.ResponseType.INTEGRATION_TIMEOUT, 'upstreamTimeout'],
  [apigw.ResponseType.AUTHORIZER_FAILURE, 'internal'],
  [apigw.ResponseType.AUTHORIZER_CONFIGURATION_ERROR, 'internal'],
  [apigw.ResponseType.API_CONFIGURATION_ERROR, 'internal'],
  [apigw.ResponseType.DEFAULT_5XX, 'internal'],
];

/** API Gateway's own answers as problem documents, from the shared table. */
export const GATEWAY_PROBLEMS_BY_RESPONSE_TYPE: readonly GatewayProblem[] = GATEWAY_RESPONSE_PROBLEMS.map(([type, name]) => ({
  type,
  ...GATEWAY_PROBLEMS[name],
}));

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

/** The mapping expression of the request's Origin header. */
export const REQUEST_ORIGIN = 'method.request.header.Origin';

/**
 * Adds every gateway problem to the API; `cors`: the API has CORS origins, so each problem also carries the
 * gateway's CORS headers (functions/core/cors.ts), with the request's origin copied.
 */
export function addGatewayProblems(
  api: apigw.RestApi,
  options: { readonly cors?: boolean } = {},
  entries: readonly GatewayProblem[] = GATEWAY_PROBLEMS_BY_RESPONSE_TYPE,
): void {
  const corsHeaders = options.cors ? gatewayProblemCorsHeaders(REQUEST_ORIGIN) : {};
  for (const entry of entries) {
    const headers: Record<string, string> = { 'Content-Type': PROBLEM_CONTENT_TYPE, 'Cache-Control': DEFAULT_CACHE_CONTROL, ...entry.headers, ...corsHeaders };
    api.addGatewayResponse(`Problem${entry.type.responseType}`, {
      type: entry.type,
      statusCode: String(entry.status),
      // Header values are mapping expressions: static values go in single quotes, the request's origin does not.
      responseHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, value === REQUEST_ORIGIN ? value : `'${value}'`])),
      templates: { 'application/json': gatewayProblemTemplate(entry) },
    });
  }
}
