import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { corsResponseHeaders, type CorsPolicy } from './cors';

/**
 * HTTP conventions every answer of the API follows, applied in one place after the operation (or the problem
 * mapper) made the response: no body and no content type on 204/304; `Cache-Control: no-store` unless the operation
 * chose otherwise (tenant data and secrets must never sit in a shared cache); `WWW-Authenticate` on 401; an ETag on
 * every successful read and `304 Not Modified` when `If-None-Match` names it; CORS headers for listed origins.
 */

/** The challenges of a 401: a bearer token (tenant or platform pool JWT) or an API key, both in `Authorization`. */
export const WWW_AUTHENTICATE = 'Bearer realm="agent-platform", ApiKey realm="agent-platform"';

/** Cache-Control of every answer that does not set its own. */
export const DEFAULT_CACHE_CONTROL = 'no-store';

/** A weak ETag over a representation, for reads whose resource has no version of its own (lists, reports). */
export function representationEtag(body: string): string {
  return `W/"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/** RFC 9110 weak comparison of `If-None-Match` against the current ETag (`*` matches any). */
export function ifNoneMatchHits(ifNoneMatch: string | undefined, etag: string | undefined): boolean {
  if (ifNoneMatch === undefined || etag === undefined) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  const wanted = ifNoneMatch.split(',').map((tag) => tag.trim());
  return wanted.includes('*') || wanted.some((tag) => opaque(tag) === opaque(etag));
}

function headerOf(event: APIGatewayProxyEvent, name: string): string | undefined {
  for (const [key, value] of Object.entries(event.headers ?? {})) if (key.toLowerCase() === name && value !== undefined) return value;
  return undefined;
}

function lowerCased(headers: APIGatewayProxyResult['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = String(value);
  return out;
}

/** The response after the conventions; pure, so the local gateway and tests can reason about it. */
export function applyResponseConventions(event: APIGatewayProxyEvent, response: APIGatewayProxyResult, cors: CorsPolicy): APIGatewayProxyResult {
  const headers = lowerCased(response.headers);
  let { statusCode, body } = response;
  headers['cache-control'] ??= DEFAULT_CACHE_CONTROL;
  if (statusCode === 401) headers['www-authenticate'] ??= WWW_AUTHENTICATE;
  const isRead = event.httpMethod === 'GET' || event.httpMethod === 'HEAD';
  if (isRead && statusCode === 200) {
    headers.etag ??= representationEtag(body);
    if (ifNoneMatchHits(headerOf(event, 'if-none-match'), headers.etag)) statusCode = 304;
  }
  if (statusCode === 204 || statusCode === 304) {
    delete headers['content-type'];
    body = '';
  }
  Object.assign(headers, corsResponseHeaders(cors, headerOf(event, 'origin')));
  return { ...response, statusCode, headers, body };
}

/** The conventions as a middy middleware: after the operation, and after the problem mapper on errors. */
export function responseConventions<Internal extends Record<string, unknown>>(
  cors: CorsPolicy,
): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context, Internal> {
  const apply = async (request: Request<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context, Internal>) => {
    if (request.response) request.response = applyResponseConventions(request.event, request.response, cors);
  };
  return { after: apply, onError: apply };
}
