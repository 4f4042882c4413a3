import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import * as z from './zod';
import { decodeAuthContext, type AuthContext } from './auth-context';
import { isAllowed } from './roles';
import { findRouteIn, TENANT_PATH_PARAMETER, type RouteDefinition } from './route';
import { AuthenticationError, ForbiddenError, RouteNotFoundError, ValidationError, type ValidationIssue } from './errors';
import { corsPolicyFromEnvironment, type CorsPolicy } from './cors';
import { parseJsonBody } from './json-body';
import type { Logger } from './logger';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem';
import { groupObservability, type RequestTelemetryPorts } from './request-telemetry.middleware';
import { responseConventions } from './response-conventions';
import { agreedTenant, readTenantSignals, TenantSignalsError, type TenantSignalOptions } from './tenant-signals';

/** A request after authentication and validation: what an operation receives. */
export interface OperationRequest<Path = unknown, Query = unknown, Body = unknown> {
  readonly route: RouteDefinition;
  readonly path: Path;
  readonly query: Query;
  readonly body: Body;
  /** The verified caller; undefined only on public routes. */
  readonly auth?: AuthContext;
  /** Header values by lower-case name. */
  readonly headers: Readonly<Record<string, string>>;
  readonly requestId: string;
  /** The body as sent, for routes that take no JSON body (a webhook verifies its signature over these bytes). */
  readonly rawBody?: string;
}

/** What an operation returns: a body, and optionally a status and headers. */
export interface OperationResult {
  readonly status?: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

// biome-ignore lint/suspicious/noExplicitAny: an operation table holds operations of every request type; each is typed where it is written
export type Operation = (request: OperationRequest<any, any, any>) => Promise<OperationResult>;

/** The request types of a route, inferred from its zod schemas. */
export type RequestOf<R extends RouteDefinition> = OperationRequest<
  R['request'] extends { path: z.core.$ZodType } ? z.infer<R['request']['path']> : Record<string, never>,
  R['request'] extends { query: z.core.$ZodType } ? z.infer<R['request']['query']> : Record<string, never>,
  R['request'] extends { body: z.core.$ZodType } ? z.infer<R['request']['body']> : undefined
>;

/**
 * Runs before the operation with the request's tenant (for routes that name one): lets the caller refuse
 * suspended tenants or tenants homed in another region, in one place for every route.
 */
export type TenantGate = (tenantId: string, route: RouteDefinition, auth: AuthContext | undefined, request?: { readonly requestId: string }) => Promise<void>;

export interface GroupHandlerOptions {
  readonly logger: Logger;
  /** Operations of the group by operationId; every route of the group must have one. */
  readonly operations: Readonly<Record<string, Operation>>;
  readonly routes: readonly RouteDefinition[];
  readonly tenantGate?: TenantGate;
  /**
   * Where requests name a tenant besides the path and X-Tenant-Id: the Host subdomain under a base domain.
   * @default no subdomain signal
   */
  readonly tenantSignals?: TenantSignalOptions;
  /**
   * Which browser origins may call the API.
   * @default the policy of `CORS_ALLOWED_ORIGINS` in the environment (none when unset)
   */
  readonly cors?: CorsPolicy;
  /** Tier lookup and cost attribution of the request metrics. @default tier `unknown`, no cost attribution */
  readonly telemetry?: RequestTelemetryPorts;
}

type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

type Internal = Record<string, unknown>;

/** Parsed requests by event: middy hands the handler only the event, so the parser leaves its result here. */
const parsedRequests = new WeakMap<APIGatewayProxyEvent, OperationRequest>();

function lowerCaseHeaders(headers: APIGatewayProxyEvent['headers'] | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) if (value !== undefined) out[name.toLowerCase()] = value;
  return out;
}

function validate(schema: z.core.$ZodType | undefined, input: unknown, location: 'path' | 'query' | 'body'): unknown {
  if (!schema) return location === 'body' ? undefined : {};
  const result = z.safeParse(schema, input);
  if (result.success) return result.data;
  const issues = result.error.issues.flatMap((issue) => validationIssuesOf(issue, location));
  const summary = issues
    .slice(0, 3)
    .map((i) => `${i.pointer}: ${i.message}`)
    .join('; ');
  const more = issues.length > 3 ? `; and ${issues.length - 3} more` : '';
  throw new ValidationError(`invalid ${location}: ${summary}${more}`, issues, location);
}

/** One issue per unknown key, so `errorCount` counts them and each names its field (zod lists them all in one). */
function validationIssuesOf(issue: z.core.$ZodIssue, location: 'path' | 'query' | 'body'): ValidationIssue[] {
  const pointer = (path: readonly PropertyKey[]) => [location, ...path.map(String)].join('.');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ pointer: pointer([...issue.path, key]), message: 'unknown field' }));
  }
  return [{ pointer: pointer(issue.path), message: issue.message }];
}

function parseBody(event: APIGatewayProxyEvent, route: RouteDefinition): unknown {
  if (!route.request.body) return undefined;
  return parseJsonBody({ headers: lowerCaseHeaders(event.headers), body: event.body, isBase64Encoded: event.isBase64Encoded });
}

/**
 * The authorizer's principal, which depends on the credential alone (API Gateway caches it per credential), once the
 * route's role rule lets it call the route; undefined on public routes. A tenant principal without any role is let
 * through to the tenant gate (see gateRolelessPrincipal).
 */
function principalOf(event: APIGatewayProxyEvent, route: RouteDefinition): AuthContext | undefined {
  const principal = decodeAuthContext(event.requestContext?.authorizer as Record<string, unknown> | null);
  if (route.access === 'public') return principal;
  if (!principal) throw new AuthenticationError('this route needs a credential');
  if (!isAllowed(route.access, principal.roles) && !isRoleless(principal)) throw forbiddenFor(route);
  return principal;
}

function forbiddenFor(route: RouteDefinition): ForbiddenError {
  return new ForbiddenError(`${route.operationId} is not allowed for your role`);
}

/** A tenant principal that holds no role: the authorizer lets one through only when its tenant moved to another region. */
function isRoleless(principal: AuthContext): boolean {
  return principal.principalType !== 'platform-admin' && principal.tenantId !== undefined && principal.roles.length === 0;
}

/**
 * A principal the route's roles do not allow (a roleless tenant principal, the only one left here) never reaches the
 * operation: the tenant gate answers first (421 naming the region its tenant moved to; it writes nothing for tenant
 * principals), before the query and body are read, then 403.
 */
async function gateRolelessPrincipal(
  route: RouteDefinition,
  auth: AuthContext | undefined,
  pathTenant: unknown,
  tenantGate: TenantGate | undefined,
  requestId: string,
): Promise<void> {
  if (!auth || isAllowed(route.access, auth.roles)) return;
  if (typeof pathTenant === 'string' && tenantGate) await tenantGate(pathTenant, route, auth, { requestId });
  throw forbiddenFor(route);
}

/**
 * The caller with the tenant it acts on: the request's tenant signals (path, X-Tenant-Id, subdomain) must agree
 * with the principal, and name the tenant a platform admin acts on.
 */
async function callerOf(event: APIGatewayProxyEvent, principal: AuthContext, options: GroupHandlerOptions): Promise<AuthContext> {
  const signals = await readTenantSignals(event, options.tenantSignals);
  try {
    return agreedTenant(principal, signals);
  } catch (error) {
    if (error instanceof TenantSignalsError) {
      const { principalType, principalId, tenantId } = principal;
      options.logger.warn('request denied', { reason: error.message, principalType, principalId, tenantId, signals: error.signals });
    }
    throw error;
  }
}

function rawBodyOf(event: APIGatewayProxyEvent): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** Resolves the route, checks access, validates path, query and body, then runs the tenant gate. */
function requestParser(options: GroupHandlerOptions): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context, Internal> {
  return {
    name: 'request-parser',
    before: async (request) => {
      const { event } = request;
      const route = findRouteIn(options.routes, event.httpMethod, event.resource);
      if (!route) {
        throw new RouteNotFoundError(`no route ${event.httpMethod} ${event.resource}`);
      }
      const principal = principalOf(event, route);
      const requestId = event.requestContext?.requestId ?? 'unknown';
      const path = validate(route.request.path, event.pathParameters ?? {}, 'path') as Record<string, unknown>;
      const auth = principal && route.access !== 'public' ? await callerOf(event, principal, options) : principal;
      const pathTenant = path[TENANT_PATH_PARAMETER];
      // Tenant principals act on their own tenant only: the signals agreed, and the authorizer's policy covers no other tenant's paths.
      if (typeof pathTenant === 'string' && auth && auth.principalType !== 'platform-admin' && auth.tenantId !== pathTenant) {
        throw new ForbiddenError('the credential belongs to another tenant');
      }
      await gateRolelessPrincipal(route, auth, pathTenant, options.tenantGate, requestId);
      // Everything is validated before the tenant gate, which may write (platform-admin access is audited): a
      // rejected request changes nothing.
      const parsed: OperationRequest = {
        route,
        path,
        query: validate(route.request.query, event.queryStringParameters ?? {}, 'query'),
        body: validate(route.request.body, parseBody(event, route), 'body'),
        ...(auth ? { auth } : {}),
        headers: lowerCaseHeaders(event.headers),
        requestId,
        ...(route.request.body ? {} : { rawBody: rawBodyOf(event) }),
      };
      if (typeof pathTenant === 'string' && options.tenantGate) await options.tenantGate(pathTenant, route, auth, { requestId });
      parsedRequests.set(event, parsed);
      const tenantId = typeof pathTenant === 'string' ? pathTenant : auth?.tenantId;
      options.logger.appendKeys({ tenantId, operationId: route.operationId, principalType: auth?.principalType });
    },
  };
}

/** Maps every error to problem+json; only real faults become 5xx, and they never leak their cause. */
function problemErrors(logger: Logger): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context, Internal> {
  return {
    name: 'problem-errors',
    onError: async (request) => {
      const problem = toProblem(request.error, request.event.path);
      // A refusal that says when to come back (a tenant moving) is no fault of ours.
      if (problem.status >= 500 && problem.retryAfterSeconds === undefined) logger.error('request failed', { error: request.error as Error });
      else logger.info('request rejected', { status: problem.status, code: problem.code });
      const retryAfter = problem.retryAfterSeconds;
      request.response = {
        statusCode: problem.status,
        // A problem that says when to come back (contention, a tenant moving) says it in the header clients honour.
        headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...(typeof retryAfter === 'number' ? { 'retry-after': String(retryAfter) } : {}) },
        body: JSON.stringify(problem),
      };
    },
  };
}

/**
 * Builds the Lambda handler of one route group: route lookup → auth context → access → tenant gate → zod
 * validation → operation, with every error mapped to problem+json and one structured log line per request.
 */
export function createGroupHandler(options: GroupHandlerOptions): ProxyHandler {
  for (const route of options.routes) {
    if (!options.operations[route.operationId]) throw new Error(`no operation for route ${route.operationId}`);
  }
  const { logger } = options;
  const core = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const parsed = parsedRequests.get(event);
    if (!parsed) throw new Error('request parser did not run');
    const result = await options.operations[parsed.route.operationId](parsed);
    const mediaType = parsed.route.responseMediaType;
    return {
      statusCode: result.status ?? parsed.route.successStatus ?? 200,
      headers: { 'content-type': mediaType ? `${mediaType}; charset=utf-8` : 'application/json', ...result.headers },
      body: result.body === undefined ? '' : mediaType ? String(result.body) : JSON.stringify(result.body),
    };
  };
  const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context, Internal>({ timeoutEarlyInMillis: 0 })
    .use({
      name: 'request-log',
      before: (request) => {
        logger.resetKeys();
        logger.appendKeys({ requestId: request.event.requestContext?.requestId, awsRequestId: request.context?.awsRequestId });
      },
      after: (request) => logger.info('request served', { status: request.response?.statusCode }),
    })
    .use(
      groupObservability(
        logger,
        (event) => options.routes.find((r) => r.method === event.httpMethod && r.path === event.resource)?.operationId,
        options.telemetry,
      ),
    )
    .use(responseConventions(options.cors ?? corsPolicyFromEnvironment()))
    .use(problemErrors(logger))
    .use(requestParser(options))
    .handler(core);
  return (event, context) => handler(event, context);
}
