import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayAuthorizerResult, APIGatewayProxyEvent, APIGatewayProxyResult, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { CLIENT_LIMIT_DETAILS, CLIENT_LIMITS, type ClientLimits } from '../functions/billing/client-limits.catalogue';
import { parseRuntimeConfig, type RuntimeConfig } from '../functions/api/runtime-config';
import { corsPolicyFromEnvironment, gatewayProblemCorsHeaders, preflightAnswer, type CorsPolicy } from '../functions/core/cors';
import { RateLimitedError } from '../functions/core/errors';
import { GATEWAY_PROBLEMS, gatewayProblem, type GatewayProblemName, type GatewayProblemSpec } from '../functions/core/gateway-problems';
import { PROBLEM_CONTENT_TYPE, toProblem, type Problem } from '../functions/core/problem';
import { DEFAULT_CACHE_CONTROL } from '../functions/core/response-conventions';
import { createIsolation } from '../functions/isolation/tenant-db';
import { lambdaContext, LOCAL_ACCOUNT_ID } from './lambda-context';
import { CachedPlanSource } from '../functions/quotas/plan.source';
import { UsageMeter } from '../functions/usage/usage.meter';
import { PLATFORM_RATE_LIMIT, REDIRECT_RATE_LIMIT } from '../functions/billing/plan.catalogue';
import { platformUsageKey, redirectUsageKey, usageIdentifierKey } from '../functions/identity/usage-identifier';
import type { Authorizer } from '../functions/identity/authorizer.adapter';
import { serveUsagePlanApi } from './usage-plan-api';
import { isPublic, type HandlerGroup, type RouteDefinition } from '../functions/routes';
import { methodArnOf, policyAllows } from './authorizer-policy';
import { AuthorizerResultCache, type AuthorizerCacheStats } from './authorizer-cache';
import { ClientThrottle, type ClientLimitName } from './client-throttle';
import { serveConsole, type ConsoleSite } from './console-server';
import { recordThrottles } from '../functions/observability/throttle-telemetry';
import { logScalingEvent } from '../functions/core/scaling-events';
import { createLogger, type Logger } from '../functions/core/logger';
import { InvocationScope } from './invocation-scope';
import { LOCAL_STAGE } from './platform.config';
import { startLocalJobWorkers, startLocalRunWorkers } from './run-workers';
import type { RunConsumerHandler, SqsHandler } from './run-queue';
import { rateLimitHeaders, type RateLimitState } from './rate-limit-headers';
import { RouteMatcher } from './routing';
import { UsagePlanThrottle } from './usage-plans';
import { localDynamoDbClient } from './bootstrap';
import { expireAndConsume, LOCAL_TTL_INTERVAL_MS, type TtlRemovalConsumer } from './ttl-expiry';

/**
 * The local API Gateway: one HTTP server per residency region, serving every route of the route table with the
 * real authorizer and the real group handlers, through the same REST proxy events API Gateway builds.
 */

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** Where the gateway gets its functions from; by default the entry files in functions/api/. */
export interface FunctionSource {
  createHandler(group: HandlerGroup, config: RuntimeConfig): Promise<ProxyHandler>;
  createAuthorizer(config: RuntimeConfig): Promise<Authorizer>;
  /** The runs queue's consumer (functions/api/run-consumer.ts). @default runs stay QUEUED */
  createRunConsumer?(config: RuntimeConfig): Promise<RunConsumerHandler>;
  /** The region's period close (functions/api/period-close.ts), run on a timer. @default periods close only when asked */
  createPeriodClose?(config: RuntimeConfig): Promise<PeriodCloseHandler>;
  /** The jobs queue's consumer (functions/api/job-consumer.ts). @default export and import jobs stay QUEUED */
  createJobConsumer?(config: RuntimeConfig): Promise<SqsHandler>;
  /** The region's retention sweep (functions/api/retention-sweep.ts), run on a timer. @default items are swept only when asked */
  createRetentionSweep?(config: RuntimeConfig): Promise<ScheduledHandler>;
  /**
   * The consumer of the region's TTL removals (functions/api/memory-expiry.ts), fed by the local TTL emulation
   * (ttl-expiry.ts). @default expired items are removed, and nothing consumes their removals
   */
  createTtlConsumer?(config: RuntimeConfig): Promise<TtlRemovalConsumer>;
  /**
   * What Lambda's shutdown signal makes each container do (functions/api/dependencies.ts, writeOnShutdown): the
   * functions made so far write what their usage meters still hold. Called when the gateway closes. @default nothing
   */
  shutdown?(): Promise<void>;
}

/** A function of a region that a schedule invokes (the period close, the retention sweep). */
export type ScheduledHandler = (event: { readonly id?: string }) => Promise<unknown>;

/** The period close of a region, as the schedule invokes it. */
export type PeriodCloseHandler = ScheduledHandler;

export interface LocalGatewayOptions {
  /** Residency regions, one server each: the first on `port`, the next on `port + 1`, ... */
  readonly regions: readonly string[];
  /** Port of the first region's server; 0 gives every region a free port. */
  readonly port: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  readonly dynamoDbEndpoint: string;
  readonly tableName: string;
  /** @default 1 MiB */
  readonly bodyLimitBytes?: number;
  /**
   * Integration timeout, as API Gateway's 29 s.
   * @default 29 s
   */
  readonly timeoutMs?: number;
  /** @default 'WARN' */
  readonly logLevel?: RuntimeConfig['LOG_LEVEL'];
  /**
   * Receives one line per request.
   * @default console.log
   */
  readonly log?: (line: string) => void;
  /** @default the functions in functions/api/ */
  readonly functions?: FunctionSource;
  /**
   * More environment of the functions (secrets, feature settings); the gateway's own (region, table, endpoints,
   * stage, local data credentials) always wins.
   * @default none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * How often DynamoDB's TTL is emulated (ttl-expiry.ts): expired items deleted, their removals consumed; 0 turns it off.
   * @default LOCAL_TTL_INTERVAL_MS
   */
  readonly ttlIntervalMs?: number;
  /**
   * Limits per client address, as the region's WAF web ACL enforces them in AWS.
   * @default CLIENT_LIMITS of the client-limits catalogue
   */
  readonly clientLimits?: ClientLimits;
  /**
   * Where each region's runs queue keeps its messages across restarts.
   * @default in memory
   */
  readonly queuesDir?: string;
  /**
   * Whether the run consumer sweeps for runs no message will reach, as its EventBridge schedule makes it in AWS.
   * Test platforms that share one table turn it off: every platform would sweep every tenant of the table.
   * @default true
   */
  readonly sweepRuns?: boolean;
  /**
   * What only one region's functions get besides their queues (its export bucket).
   * @default nothing
   */
  readonly regionEnvironment?: (region: string) => Readonly<Record<string, string>>;
  /**
   * The web console, served by a server of its own (the port after the regions' when `port` is fixed), as CloudFront
   * serves it in AWS: on an origin other than every region's API, so that every API call of the console is a
   * cross-origin call, as it is in AWS. Its origin joins the CORS origins and becomes the link in invitation mail.
   * @default no console
   */
  readonly console?: ConsoleSite;
}

export interface LocalGateway {
  /** Base URL (no path) of each region's API, e.g. `{ 'eu-central-1': 'http://127.0.0.1:3000' }`. */
  readonly endpoints: Readonly<Record<string, string>>;
  /** Base URL of the web console, when one is served (`options.console`). */
  readonly consoleUrl?: string;
  /** Hits and misses of the authorizer result caches of every region, since start. */
  authorizerCache(): AuthorizerCacheStats;
  /** Invocations of the route groups' functions in every region, their summed duration and the gateway's own time, since start. */
  functionDurations(): FunctionDurationStats;
  close(): Promise<void>;
}

/**
 * What Lambda reports as an invocation's Duration, summed: from the handler's call to its result, the gateway's own
 * work (routing, authorizer, usage plan, event and response mapping) and the HTTP hop left out. The authorizer's
 * invocations are not counted.
 */
export interface FunctionDurationStats {
  readonly invocations: number;
  readonly totalMs: number;
  /**
   * The gateway's own time around those invocations, summed: from reading the request's body to the function's call,
   * and from its result to the answer written (the authorizer's time on a cache miss counts here, as it does in API
   * Gateway's latency).
   */
  readonly gatewayMs: number;
}

const API_ID = 'local';

/**
 * Loads the entries of `functions/api/` in this process and calls their factories: the function source of one
 * gateway. It remembers the configs it made functions with (consumers' too), so that their meters are written at its
 * shutdown.
 */
export function apiFunctions(): FunctionSource {
  const configs = new Set<RuntimeConfig>();
  /** Remembers a config a function is made with, for the shutdown write of its meter. */
  const using = (config: RuntimeConfig): RuntimeConfig => {
    configs.add(config);
    return config;
  };
  return {
    async createHandler(group, config) {
      const module = (await import(`../functions/api/${group}`)) as { createHandler?: (config: RuntimeConfig) => ProxyHandler };
      if (typeof module.createHandler !== 'function') throw new Error(`functions/api/${group} does not export createHandler`);
      return module.createHandler(using(config));
    },
    createAuthorizer: async (config) => (await import('../functions/api/authorizer')).createAuthorizer(using(config)),
    createRunConsumer: async (config) => (await import('../functions/api/run-consumer')).createHandler(using(config)),
    createPeriodClose: async (config) => (await import('../functions/api/period-close')).createHandler(using(config)),
    createJobConsumer: async (config) => (await import('../functions/api/job-consumer')).createHandler(using(config)),
    createRetentionSweep: async (config) => (await import('../functions/api/retention-sweep')).createHandler(using(config)),
    createTtlConsumer: async (config) => (await import('../functions/api/memory-expiry')).createHandler(using(config)),
    async shutdown() {
      // One module registry here: every function made with a config shares its meter.
      const { meterOf } = await import('../functions/api/dependencies');
      await Promise.all([...configs].map((config) => meterOf(config).flush()));
    },
  };
}

/** The longest URL a regional REST API takes, in characters (API Gateway's quotas for REST APIs). */
export const MAX_URL_LENGTH = 10_240;

/**
 * Request line and headers Node.js reads before it gives up with a bare 431 (its default is 16 KiB): room for a URL at
 * API Gateway's limit and the headers of a request, so that the gateway itself answers a longer URL.
 */
const MAX_HEADER_BYTES = 64 * 1024;

class HttpProblem extends Error {
  constructor(
    readonly problem: Problem,
    readonly headers: Record<string, string> = {},
    /** Who answers in AWS: a gateway response (its template adds the request id) or the firewall (a fixed body). */
    readonly answeredBy: 'gateway' | 'firewall' = 'gateway',
  ) {
    super(problem.detail);
  }
}

/** A problem of the gateway problem table, with its headers, as API Gateway's gateway responses answer it. */
function gatewayFailure(name: GatewayProblemName, detail?: string, headers: Record<string, string> = {}): HttpProblem {
  const spec: GatewayProblemSpec = GATEWAY_PROBLEMS[name];
  const tableHeaders = Object.fromEntries(Object.entries(spec.headers ?? {}).map(([key, value]) => [key.toLowerCase(), value]));
  return new HttpProblem(gatewayProblem(name, detail), { ...tableHeaders, ...headers });
}

/** Headers as API Gateway passes them: original casing, last value in `headers`, every value in `multiValueHeaders`. */
function headersOf(req: IncomingMessage) {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    const value = req.rawHeaders[i + 1];
    const existing = Object.keys(multiValueHeaders).find((known) => known.toLowerCase() === name.toLowerCase()) ?? name;
    headers[existing] = value;
    (multiValueHeaders[existing] ??= []).push(value);
  }
  return { headers, multiValueHeaders };
}

function queryOf(search: string) {
  const params = new URLSearchParams(search.replace(/^\?/, ''));
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of params) {
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  const empty = Object.keys(single).length === 0;
  return { queryStringParameters: empty ? null : single, multiValueQueryStringParameters: empty ? null : multi };
}

/**
 * Reads the body as text, up to the limit. An oversized body is still read to its end (and dropped) before the 413
 * goes out: closing the connection on unread data makes TCP reset it, and the client would never see the answer.
 */
function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > limit) {
        fail(gatewayFailure('requestTooLarge', `the request body exceeds ${limit} bytes`));
      } else done(size === 0 ? null : Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', fail);
  });
}

interface RequestTarget {
  /** The path as sent, still percent-encoded, as API Gateway REST APIs pass it on. */
  readonly pathname: string;
  /** `?…` or empty. */
  readonly search: string;
}

/** Splits the request target without normalising it (a URL parser would resolve `..` and re-encode). */
function requestTarget(target: string | undefined): RequestTarget {
  const raw = target?.startsWith('/') ? target : '/';
  const query = raw.indexOf('?');
  return query < 0 ? { pathname: raw, search: '' } : { pathname: raw.slice(0, query), search: raw.slice(query) };
}

function sourceIpOf(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(gatewayFailure('upstreamTimeout')), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The functions' environment that is the same in every region. */
function sharedFunctionEnvironment(environment: Readonly<Record<string, string>>): Record<string, string> {
  // No STS locally: data credentials are the one local credential, scoped by the runtime guard.
  return { ...environment, DATA_CREDENTIALS: 'local' };
}

/** One region's server: its config, its lazily created functions (a cold start each), its request handling. */
class RegionGateway {
  private config: RuntimeConfig | undefined;
  private authorizer: Promise<Authorizer> | undefined;
  /** API Gateway's authorizer result cache, keyed by the Authorization header, for ACCESS_CACHE_SECONDS. */
  private authorizerResults: AuthorizerResultCache | undefined;
  private durations: FunctionDurationStats = { invocations: 0, totalMs: 0, gatewayMs: 0 };
  private usagePlans: UsagePlanThrottle | undefined;
  private planOf: ((tenantId: string) => Promise<string>) | undefined;
  /** Counts usage-plan throttles into the tenants' hourly health items, as the access-log consumer does in AWS. */
  private meter: UsageMeter | undefined;
  /** Logs the scaling events the gateway sees (usage-plan throttles), as the throttle recorder does in AWS. */
  private readonly scalingLog: Logger;
  private readonly handlers = new Map<HandlerGroup, Promise<ProxyHandler>>();
  /** One per region, as each region's stage has a web ACL of its own. */
  private readonly clients: ClientThrottle;
  /** The functions' CORS policy: preflights are answered here, as API Gateway's OPTIONS methods do in AWS. */
  private cors: CorsPolicy;

  constructor(
    readonly region: string,
    private readonly options: Required<Omit<LocalGatewayOptions, 'host' | 'queuesDir' | 'console' | 'sweepRuns' | 'regionEnvironment' | 'ttlIntervalMs'>>,
    private readonly matcher: RouteMatcher,
    private readonly invocations: InvocationScope,
    /** What only this region's functions get (its runs queue). */
    private readonly regionEnvironment: Readonly<Record<string, string>> = {},
  ) {
    this.clients = new ClientThrottle({ limits: options.clientLimits });
    this.scalingLog = createLogger('gateway', options.logLevel);
    this.cors = corsPolicyFromEnvironment(options.environment);
  }

  /** The region's function configuration, once configured. */
  runtimeConfig(): RuntimeConfig {
    return this.requireConfig();
  }

  /** `managementEndpoints`: every region's management port (a migration makes the tenant's key in its target's). */
  configure(endpoints: Record<string, string>, managementEndpoints: Record<string, string>): void {
    this.cors = corsPolicyFromEnvironment(this.options.environment);
    this.config = parseRuntimeConfig({
      USAGE_KEY_BINDING: 'api-gateway',
      APIGATEWAY_ENDPOINT: managementEndpoints[this.region],
      APIGATEWAY_ENDPOINTS: JSON.stringify(managementEndpoints),
      ...sharedFunctionEnvironment(this.options.environment),
      ...this.regionEnvironment,
      AWS_REGION: this.region,
      TABLE_NAME: this.options.tableName,
      DYNAMODB_ENDPOINT: this.options.dynamoDbEndpoint,
      STAGE: LOCAL_STAGE,
      REGION_ENDPOINTS: JSON.stringify(endpoints),
      LOG_LEVEL: this.options.logLevel,
    });
    this.authorizerResults = new AuthorizerResultCache({ ttlMs: this.config.ACCESS_CACHE_SECONDS * 1000 });
  }

  /** Hits and misses of the region's authorizer result cache. */
  authorizerCacheStats(): AuthorizerCacheStats {
    return this.authorizerResults?.stats ?? { hits: 0, misses: 0 };
  }

  /** Invocations of the region's route group functions and their summed duration. */
  functionDurationStats(): FunctionDurationStats {
    return { ...this.durations };
  }

  async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const requestId = randomUUID();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = requestTarget(req.url);
    let status = 500;
    try {
      status = await this.dispatch(req, res, { method, url, requestId });
    } catch (error) {
      const failure = error instanceof HttpProblem ? error : undefined;
      if (!failure) console.error(`[gateway ${this.region}] ${method} ${url.pathname} failed:`, error);
      const body = failure?.problem ?? gatewayProblem('internal');
      status = body.status;
      const origin = failure?.answeredBy !== 'firewall' && this.cors.allowOrigins.length > 0 ? req.headers.origin : undefined;
      const headers = {
        'content-type': PROBLEM_CONTENT_TYPE,
        'cache-control': DEFAULT_CACHE_CONTROL,
        ...failure?.headers,
        // As API Gateway's gateway responses (lib/constructs/gateway-responses.ts); the firewall's answers have none.
        ...(origin ? gatewayProblemCorsHeaders(origin) : {}),
      };
      // The documents of lib/constructs/gateway-responses.ts and lib/constructs/api-firewall.ts, member for member.
      this.send(res, status, headers, JSON.stringify(failure?.answeredBy === 'firewall' ? body : { ...body, requestId }), requestId);
    } finally {
      this.options.log(
        `${new Date(started).toISOString()} ${this.region} ${method} ${url.pathname}${url.search} ${status} ${Date.now() - started}ms ${requestId}`,
      );
    }
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, request: { method: string; url: RequestTarget; requestId: string }): Promise<number> {
    const { method, url, requestId } = request;
    const arrived = performance.now();
    // API Gateway takes no longer URL (a quota of REST APIs); it is answered here with DEFAULT_4XX's problem, the one
    // API Gateway gives for its other 4xx (its exact answer to this case is not documented).
    if ((req.url ?? '').length > MAX_URL_LENGTH) throw gatewayFailure('badRequest', `The URL is longer than ${MAX_URL_LENGTH} characters.`);
    // The payload limit applies before routing, as at API Gateway's edge.
    const body = await readBody(req, this.options.bodyLimitBytes);
    const client = sourceIpOf(req);
    this.admitClient('anyRequest', client);
    const match = this.matcher.match(method, url.pathname);
    if (match.kind === 'method-not-allowed' && method === 'OPTIONS' && this.cors.allowOrigins.length > 0) {
      return this.answerPreflight(req, res, match.allowed, requestId);
    }
    if (match.kind === 'not-found') throw gatewayFailure('routeNotFound', `no route for ${method} ${url.pathname}`);
    if (match.kind === 'method-not-allowed') {
      // A REST API answers a method a resource does not have as it answers an unknown path: the same code here.
      throw gatewayFailure('routeNotFound', `${url.pathname} does not accept ${method}; it accepts ${match.allowed.join(', ')}`, {
        allow: match.allowed.join(', '),
      });
    }
    const { route, pathParameters } = match;
    const event = this.proxyEvent(req, { method, url, requestId, route, pathParameters, body });
    // The quota the request counted against, told in RateLimit headers: public routes' per-client limit, or the
    // daily quota of the tenant's usage plan.
    let quota: RateLimitState | undefined;
    if (isPublic(route)) {
      quota = this.admitClient('publicRoutes', client);
    } else {
      const { context, usageKey } = await this.authorizeClient(event, client);
      event.requestContext.authorizer = context;
      if (usageKey) quota = await this.enforceUsagePlan(usageKey, context.tenantId, requestId);
    }
    const handler = await this.handler(route.group);
    const context = lambdaContext(`${API_ID}-${route.group}`, this.region, randomUUID(), Date.now() + this.options.timeoutMs);
    const invoked = performance.now();
    const result = await withTimeout(
      this.invocations.run(context.awsRequestId, () => handler(event, context)),
      this.options.timeoutMs,
    ).finally(() => {
      const { invocations, totalMs, gatewayMs } = this.durations;
      this.durations = { invocations: invocations + 1, totalMs: totalMs + (performance.now() - invoked), gatewayMs: gatewayMs + (invoked - arrived) };
    });
    const answered = performance.now();
    if (!result || typeof result.statusCode !== 'number') {
      throw gatewayFailure('upstreamFailure');
    }
    const headers: Record<string, string | string[]> = quota ? rateLimitHeaders(quota) : {};
    for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) headers[name.toLowerCase()] = values.map(String);
    for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
    const payload = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? '');
    this.send(res, result.statusCode, headers, method === 'HEAD' ? '' : payload, requestId);
    this.durations = { ...this.durations, gatewayMs: this.durations.gatewayMs + (performance.now() - answered) };
    return result.statusCode;
  }

  private proxyEvent(
    req: IncomingMessage,
    parts: {
      method: string;
      url: RequestTarget;
      requestId: string;
      route: RouteDefinition;
      pathParameters: Record<string, string>;
      body: string | null;
    },
  ): APIGatewayProxyEvent {
    const { headers, multiValueHeaders } = headersOf(req);
    const sourceIp = sourceIpOf(req);
    const now = new Date();
    return {
      resource: parts.route.path,
      path: parts.url.pathname,
      httpMethod: parts.method,
      headers,
      multiValueHeaders,
      ...queryOf(parts.url.search),
      pathParameters: Object.keys(parts.pathParameters).length > 0 ? parts.pathParameters : null,
      stageVariables: null,
      body: parts.body,
      isBase64Encoded: false,
      requestContext: {
        accountId: LOCAL_ACCOUNT_ID,
        apiId: API_ID,
        authorizer: null,
        domainName: headers.host ?? headers.Host ?? '127.0.0.1',
        extendedRequestId: parts.requestId,
        httpMethod: parts.method,
        identity: {
          accessKey: null,
          accountId: null,
          apiKey: null,
          apiKeyId: null,
          caller: null,
          clientCert: null,
          cognitoAuthenticationProvider: null,
          cognitoAuthenticationType: null,
          cognitoIdentityId: null,
          cognitoIdentityPoolId: null,
          principalOrgId: null,
          sourceIp,
          user: null,
          userAgent: req.headers['user-agent'] ?? null,
          userArn: null,
        },
        path: `/${LOCAL_STAGE}${parts.url.pathname}`,
        protocol: `HTTP/${req.httpVersion}`,
        requestId: parts.requestId,
        requestTime: now.toUTCString(),
        requestTimeEpoch: now.getTime(),
        resourceId: parts.route.operationId,
        resourcePath: parts.route.path,
        stage: LOCAL_STAGE,
      },
    };
  }

  /** A CORS preflight: 204 with what the listed origin may send, 403 without CORS headers for any other origin. */
  private answerPreflight(req: IncomingMessage, res: ServerResponse, routeMethods: readonly string[], requestId: string): number {
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    const answer = preflightAnswer(this.cors, origin, routeMethods);
    this.send(res, answer.status, { ...answer.headers, 'cache-control': DEFAULT_CACHE_CONTROL }, '', requestId);
    return answer.status;
  }

  /** Counts the request against one of the client's limits; 429 with Retry-After when none is left. */
  private admitClient(limit: ClientLimitName, client: string): RateLimitState {
    const verdict = this.clients.take(limit, client);
    if (!verdict.admitted) throw clientLimitProblem(verdict.limit, verdict.retryAfterSeconds);
    return verdict.state;
  }

  /**
   * Runs the authorizer for a client that has refused requests left: each 401 or 403 uses one up, and a client with
   * none left gets 429 before the authorizer runs, so a flood of bad credentials costs no directory or key reads and
   * cannot crowd out tenants. Accepted requests count against nothing here: their tenant's usage plan meters them.
   */
  private async authorizeClient(event: APIGatewayProxyEvent, client: string): ReturnType<RegionGateway['authorize']> {
    const verdict = this.clients.check('rejected', client);
    if (!verdict.admitted) throw clientLimitProblem(verdict.limit, verdict.retryAfterSeconds);
    try {
      return await this.authorize(event);
    } catch (error) {
      if (error instanceof HttpProblem && (error.problem.status === 401 || error.problem.status === 403)) this.clients.take('rejected', client);
      throw error;
    }
  }

  /**
   * Throttles by the usage plan the authorizer's usageIdentifierKey is in, as API Gateway does: 429 past the plan's
   * rate, burst or daily quota, with Retry-After and the RateLimit headers of the limit that refused it; 403 for a
   * key in no usage plan.
   */
  private async enforceUsagePlan(usageKey: string, tenantId: string | undefined, requestId: string): Promise<RateLimitState | undefined> {
    const verdict = await this.usagePlanThrottle().admit(usageKey, tenantId);
    if (verdict.admitted) return verdict.quota;
    // A tenant's key exists where its tenant has a record (keyExists); API Gateway refuses a key that does not exist.
    if (verdict.reason === 'no-key') throw gatewayFailure('forbidden', 'the API key of the request does not exist in this stage');
    if (verdict.reason === 'no-usage-plan') throw gatewayFailure('forbidden', 'the API key of the request is in no usage plan of this stage');
    const tier = tenantId ? await (this.planOf?.(tenantId).catch(() => 'unknown') ?? 'unknown') : 'platform';
    await this.invocations.run(requestId, async () => {
      recordThrottles({ tenantId: tenantId ?? 'platform', tier, requestId });
      if (tenantId) logScalingEvent(this.scalingLog, { kind: 'throttled', tenantId, tier, detail: { requestId, limit: verdict.reason } });
    });
    if (tenantId && tier !== 'unknown' && tier !== 'none') await this.meter?.addThrottle(tenantId);
    throw gatewayFailure(verdict.reason === 'quota' ? 'dailyQuotaExceeded' : 'throttled', undefined, {
      'retry-after': String(verdict.retryAfterSeconds),
      ...(verdict.state ? rateLimitHeaders(verdict.state) : {}),
    });
  }

  /** The region's usage plans and the keys in them (first use reads the tenant's plan as its stack would bind it). */
  usagePlanThrottle(): UsagePlanThrottle {
    if (!this.usagePlans) {
      const config = this.requireConfig();
      const isolation = createIsolation(config);
      const plans = new CachedPlanSource({ db: (id) => isolation.forTenant(id), tableName: config.TABLE_NAME });
      this.usagePlans = new UsagePlanThrottle({
        planOf: (id) => plans.planOf(id, { fresh: true }),
        platform: { key: platformUsageKey(LOCAL_STAGE), rateLimit: PLATFORM_RATE_LIMIT },
        redirect: { key: redirectUsageKey(LOCAL_STAGE), rateLimit: REDIRECT_RATE_LIMIT },
      });
      this.planOf = (id) => this.usagePlans!.bindingOf(usageIdentifierKey(LOCAL_STAGE, id), id).then((plan) => plan?.id ?? 'none');
      // Throttled requests reach no function: the gateway meters them into the tenant's health, as the functions meter theirs.
      this.meter = new UsageMeter({
        db: (id) => isolation.forTenant(id),
        tableName: config.TABLE_NAME,
        flushEvery: config.METER_FLUSH_REQUESTS,
        flushAfterMs: config.METER_FLUSH_SECONDS * 1000,
      });
    }
    return this.usagePlans;
  }

  /**
   * Authorizes a request as API Gateway does with a cached REQUEST authorizer: 401 without the identity source
   * (the Authorization header), else the authorizer's result for that header value (cached for the TTL, the same
   * for every method and path), whose policy must allow the request's method ARN (403 otherwise). Its context
   * becomes `requestContext.authorizer`, as API Gateway passes it on.
   */
  private async authorize(event: APIGatewayProxyEvent): Promise<{ context: Record<string, string>; usageKey?: string }> {
    const identity = AuthorizerResultCache.identityOf(event);
    if (identity === undefined) throw gatewayFailure('unauthenticated', 'a bearer token or API key in the Authorization header is required');
    const methodArn = methodArnOf({
      region: this.region,
      accountId: LOCAL_ACCOUNT_ID,
      apiId: API_ID,
      stage: LOCAL_STAGE,
      method: event.httpMethod,
      path: event.path,
    });
    const results = this.authorizerResults ?? new AuthorizerResultCache({ ttlMs: 0 });
    const result = await results.resultFor(identity, () => this.invokeAuthorizer(event, methodArn));
    if (!policyAllows(result.policyDocument, methodArn)) {
      throw gatewayFailure('forbidden', 'the credential does not allow this request');
    }
    const context: Record<string, string> = {};
    for (const [name, value] of Object.entries(result.context ?? {})) {
      if (value !== undefined && value !== null) context[name] = String(value);
    }
    return {
      context: { ...context, principalId: result.principalId },
      ...(result.usageIdentifierKey ? { usageKey: result.usageIdentifierKey } : {}),
    };
  }

  /** One invocation of the REQUEST authorizer with the event API Gateway builds for the request. */
  private async invokeAuthorizer(event: APIGatewayProxyEvent, methodArn: string): Promise<APIGatewayAuthorizerResult> {
    const authorizerEvent: APIGatewayRequestAuthorizerEvent = {
      type: 'REQUEST',
      methodArn,
      resource: event.resource,
      path: event.path,
      httpMethod: event.httpMethod,
      headers: event.headers as Record<string, string>,
      multiValueHeaders: event.multiValueHeaders as Record<string, string[]>,
      pathParameters: event.pathParameters as Record<string, string> | null,
      queryStringParameters: event.queryStringParameters as Record<string, string> | null,
      multiValueQueryStringParameters: event.multiValueQueryStringParameters as Record<string, string[]> | null,
      stageVariables: null,
      requestContext: { ...event.requestContext, authorizer: undefined },
    };
    let result: APIGatewayAuthorizerResult;
    try {
      this.authorizer ??= this.options.functions.createAuthorizer(this.requireConfig());
      const authorizer = await this.authorizer;
      const requestId = randomUUID();
      const context = lambdaContext(`${API_ID}-authorizer`, this.region, requestId, Date.now() + this.options.timeoutMs);
      result = await this.invocations.run(requestId, () => authorizer(authorizerEvent, context));
    } catch (error) {
      // The contract of Lambda authorizers: throwing exactly 'Unauthorized' means 401; anything else is a fault.
      if (error instanceof Error && error.message === 'Unauthorized') {
        throw gatewayFailure('unauthenticated', 'a valid bearer token or API key is required');
      }
      throw error;
    }
    if (!result || typeof result.principalId !== 'string' || !result.policyDocument) {
      throw new Error('the authorizer returned a malformed result');
    }
    return result;
  }

  private handler(group: HandlerGroup): Promise<ProxyHandler> {
    let handler = this.handlers.get(group);
    if (!handler) {
      handler = this.options.functions.createHandler(group, this.requireConfig());
      // A failed cold start is retried by the next request, as Lambda does.
      handler.catch(() => this.handlers.delete(group));
      this.handlers.set(group, handler);
    }
    return handler;
  }

  private requireConfig(): RuntimeConfig {
    if (!this.config) throw new Error(`gateway for ${this.region} is not configured yet`);
    return this.config;
  }

  private send(res: ServerResponse, status: number, headers: Record<string, string | string[]>, body: string | Buffer, requestId: string) {
    if (res.headersSent) {
      res.end();
      return;
    }
    res.writeHead(status, { ...headers, 'x-amzn-requestid': requestId });
    res.end(body);
  }
}

function clientLimitProblem(limit: ClientLimitName, retryAfterSeconds: number): HttpProblem {
  return new HttpProblem(toProblem(new RateLimitedError(CLIENT_LIMIT_DETAILS[limit])), { 'retry-after': String(retryAfterSeconds) }, 'firewall');
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.removeListener('error', fail);
      done((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((done) => {
    server.close(() => done());
    server.closeAllConnections();
  });
}

function sumOfStats(stats: readonly AuthorizerCacheStats[]): AuthorizerCacheStats {
  return { hits: stats.reduce((sum, s) => sum + s.hits, 0), misses: stats.reduce((sum, s) => sum + s.misses, 0) };
}

function sumOfDurations(stats: readonly FunctionDurationStats[]): FunctionDurationStats {
  const sum = (field: keyof FunctionDurationStats) => stats.reduce((total, s) => total + s[field], 0);
  return { invocations: sum('invocations'), totalMs: sum('totalMs'), gatewayMs: sum('gatewayMs') };
}

/** Each region's runs and jobs queues with their consumers, and what a region's functions are told of them. */
async function startQueues(options: LocalGatewayOptions) {
  const runs = await startLocalRunWorkers(options.regions, { queuesDir: options.queuesDir, sweep: options.sweepRuns ?? true });
  const jobs = await startLocalJobWorkers(options.regions, { queuesDir: options.queuesDir }).catch(async (error: unknown) => {
    await runs.stop();
    throw error;
  });
  return {
    environment: (region: string) => ({ ...options.regionEnvironment?.(region), ...runs.environment(region), ...jobs.environment(region) }),
    consume(regions: readonly RegionGateway[], functions: FunctionSource, log: (line: string) => void) {
      const { createRunConsumer, createJobConsumer } = functions;
      for (const gateway of regions) {
        if (createRunConsumer) runs.consume(gateway.region, () => createRunConsumer(gateway.runtimeConfig()), log);
        if (createJobConsumer) jobs.consume(gateway.region, () => createJobConsumer(gateway.runtimeConfig()), log);
      }
    },
    stop: () => Promise.all([runs.stop(), jobs.stop()]).then(() => undefined),
  };
}

/** The options with their defaults filled in. */
function settingsOf(options: LocalGatewayOptions) {
  return {
    regions: options.regions,
    port: options.port,
    dynamoDbEndpoint: options.dynamoDbEndpoint,
    tableName: options.tableName,
    bodyLimitBytes: options.bodyLimitBytes ?? 1024 * 1024,
    timeoutMs: options.timeoutMs ?? 29_000,
    logLevel: options.logLevel ?? 'WARN',
    log: options.log ?? ((line: string) => console.log(line)),
    functions: options.functions ?? apiFunctions(),
    environment: options.environment ?? {},
    clientLimits: options.clientLimits ?? CLIENT_LIMITS,
  };
}

/** Starts one server per region and resolves once all listen; the functions start on their first request. */
export async function startLocalGateway(options: LocalGatewayOptions): Promise<LocalGateway> {
  if (options.regions.length === 0) throw new Error('the local gateway needs at least one region');
  const host = options.host ?? '127.0.0.1';
  const settings = settingsOf(options);
  // Lambda also hands functions their environment in process.env. The part that is the same in every region is
  // set here too, for code that reads it there; what differs per region reaches the functions only through config.
  Object.assign(process.env, sharedFunctionEnvironment(settings.environment));
  const matcher = new RouteMatcher();
  const invocations = await InvocationScope.start();
  const servers: Server[] = [];
  const endpoints: Record<string, string> = {};
  const managementEndpoints: Record<string, string> = {};
  const regions: RegionGateway[] = [];
  const queues = await startQueues(options);
  let consoleUrl: string | undefined;
  try {
    for (const [index, region] of options.regions.entries()) {
      const gateway = new RegionGateway(region, settings, matcher, invocations, queues.environment(region));
      const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => void gateway.serve(req, res));
      servers.push(server);
      const port = await listen(server, options.port === 0 ? 0 : options.port + index, host);
      endpoints[region] = `http://${host}:${port}`;
      // The region's API Gateway management API (usage plan keys), on a loopback port of its own.
      const management = createServer((req, res) => void serveUsagePlanApi(req, res, { stage: LOCAL_STAGE, throttle: () => gateway.usagePlanThrottle() }));
      servers.push(management);
      managementEndpoints[region] = `http://127.0.0.1:${await listen(management, 0, '127.0.0.1')}`;
      regions.push(gateway);
    }
    if (options.console) consoleUrl = await serveConsoleSite(options.console, { ...options, host }, endpoints, settings, servers);
  } catch (error) {
    await Promise.all(servers.map(closeServer));
    await queues.stop();
    throw error;
  }
  // Every region answers 421 with the other regions' URLs, so configs are complete only once all ports are known.
  for (const gateway of regions) gateway.configure(endpoints, managementEndpoints);
  const background = startBackgroundWork(regions, settings, queues, options.ttlIntervalMs ?? LOCAL_TTL_INTERVAL_MS);
  return {
    endpoints,
    ...(consoleUrl ? { consoleUrl } : {}),
    authorizerCache: () => sumOfStats(regions.map((gateway) => gateway.authorizerCacheStats())),
    functionDurations: () => sumOfDurations(regions.map((gateway) => gateway.functionDurationStats())),
    close: async () => {
      await background.stop();
      await Promise.all(servers.map(closeServer));
      await queues.stop();
      await settings.functions.shutdown?.();
    },
  };
}

/**
 * Starts the console's own server, on the port after the regions' (a free one when `port` is 0), and returns its
 * URL: the functions allow its origin (CORS) and link to it (CONSOLE_URL).
 */
async function serveConsoleSite(
  site: ConsoleSite,
  options: Pick<LocalGatewayOptions, 'port' | 'regions'> & { readonly host: string },
  endpoints: Readonly<Record<string, string>>,
  settings: ReturnType<typeof settingsOf>,
  servers: Server[],
): Promise<string> {
  const server = createServer((req, res) => consoleRequest(site, endpoints, req, res));
  servers.push(server);
  const url = `http://${options.host}:${await listen(server, options.port === 0 ? 0 : options.port + options.regions.length, options.host)}`;
  const origins = [...new Set([...(settings.environment.CORS_ALLOWED_ORIGINS ?? '').split(',').filter(Boolean), url])];
  settings.environment = { CONSOLE_URL: url, ...settings.environment, CORS_ALLOWED_ORIGINS: origins.join(',') };
  Object.assign(process.env, sharedFunctionEnvironment(settings.environment));
  return url;
}

/** One request of the console's own server: its files for GET and HEAD, 405 for anything else. */
function consoleRequest(site: ConsoleSite, endpoints: Readonly<Record<string, string>>, req: IncomingMessage, res: ServerResponse): void {
  const method = (req.method ?? 'GET').toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    res.end('method not allowed');
    return;
  }
  serveConsole(site, endpoints, method, requestTarget(req.url).pathname, res);
}

/**
 * Locally, how often the period close runs: as the schedule in AWS (hourly), so a month that ends while the
 * platform runs is invoiced within the hour; `npm run tenant -- close-period` runs it at once.
 */
export const LOCAL_PERIOD_CLOSE_INTERVAL_MS = 3_600_000;

/** Locally, how often the retention sweep runs: as the schedule in AWS (hourly); `npm run retention-sweep` runs it at once. */
export const LOCAL_RETENTION_SWEEP_INTERVAL_MS = 3_600_000;

/**
 * The work of each region that no request starts: the runs and jobs queues' consumers, the period close's and the
 * retention sweep's timers, the TTL emulation.
 */
function startBackgroundWork(
  regions: readonly RegionGateway[],
  settings: BackgroundSettings,
  queues: Awaited<ReturnType<typeof startQueues>>,
  ttlIntervalMs: number,
): { stop(): Promise<void> } {
  const { functions, log } = settings;
  queues.consume(regions, functions, log);
  const timers = [
    startScheduleTimer('period close', functions.createPeriodClose, LOCAL_PERIOD_CLOSE_INTERVAL_MS, regions, log),
    startScheduleTimer('retention sweep', functions.createRetentionSweep, LOCAL_RETENTION_SWEEP_INTERVAL_MS, regions, log),
  ];
  const ttl = startTtlExpiry(regions, settings, ttlIntervalMs);
  return {
    stop: async () => {
      for (const timer of timers) timer.stop();
      await ttl.stop();
    },
  };
}

/** What the background work reads of the gateway's settings. */
interface BackgroundSettings {
  readonly dynamoDbEndpoint: string;
  readonly tableName: string;
  readonly functions: FunctionSource;
  readonly log: (line: string) => void;
}

/**
 * DynamoDB's TTL, which DynamoDB Local lacks, for every region (ttl-expiry.ts): one pass at a time, each region's
 * removals handed to its consumer; a failed pass is logged and the next one runs as usual.
 */
function startTtlExpiry(regions: readonly RegionGateway[], settings: BackgroundSettings, intervalMs: number): { stop(): Promise<void> } {
  const create = settings.functions.createTtlConsumer;
  if (intervalMs <= 0) return { stop: async () => undefined };
  const clients = new Map(regions.map((gateway) => [gateway.region, localDynamoDbClient(settings.dynamoDbEndpoint, gateway.region)]));
  const consumers = new Map<string, Promise<TtlRemovalConsumer>>();
  const consumerOf = (gateway: RegionGateway) => async () => {
    if (!create) return async () => undefined;
    if (!consumers.has(gateway.region)) consumers.set(gateway.region, create(gateway.runtimeConfig()));
    return (await consumers.get(gateway.region)) as TtlRemovalConsumer;
  };
  // One pass at a time: a tick while a pass runs is skipped, not queued.
  let pass: Promise<void> | undefined;
  const tick = async () => {
    for (const gateway of regions) {
      const client = clients.get(gateway.region);
      if (!client) continue;
      await expireAndConsume(client, settings.tableName, gateway.region, consumerOf(gateway)).catch((error: unknown) => {
        consumers.delete(gateway.region);
        settings.log(`TTL expiry of ${gateway.region} failed: ${String(error)}`);
      });
    }
  };
  const timer = setInterval(() => {
    pass ??= tick().finally(() => {
      pass = undefined;
    });
  }, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await pass;
      for (const client of clients.values()) client.destroy();
    },
  };
}

/** Runs a scheduled function of each region on a timer, one run at a time per region; a failed run is logged and tried next time. */
function startScheduleTimer(
  name: string,
  create: ((config: RuntimeConfig) => Promise<ScheduledHandler>) | undefined,
  intervalMs: number,
  regions: readonly RegionGateway[],
  log: (line: string) => void,
): { stop(): void } {
  if (!create) return { stop: () => undefined };
  const handlers = new Map<string, Promise<ScheduledHandler>>();
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    for (const gateway of regions) {
      try {
        if (!handlers.has(gateway.region)) handlers.set(gateway.region, create(gateway.runtimeConfig()));
        await (await (handlers.get(gateway.region) as Promise<ScheduledHandler>))({ id: `local-${Date.now()}` });
      } catch (error) {
        handlers.delete(gateway.region);
        log(`${name} of ${gateway.region} failed: ${String(error)}`);
      }
    }
    running = false;
  };
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
