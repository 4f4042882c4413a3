import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { decodeAuthContext } from './auth-context';
import { memoryMbOf } from './lambda-context';
import { tenantIdSchema } from './tenant-id';
import type { Logger } from './logger';
import { METRIC_DIMENSIONS, METRIC_NAMES, METRIC_PROPERTIES } from './metric-names';
import { platformMetrics, recordMetric } from './telemetry';
import { activeTracing } from './tracing';
import { logScalingEvent } from './scaling-events';

/** What the request telemetry of a route group needs besides the logger. */
export interface RequestTelemetryPorts {
  /**
   * The tier (plan id) of a tenant, for the `tier` dimension; cached by the caller.
   * @default every tenant's tier is `unknown`
   */
  readonly tierOf?: (tenantId: string) => Promise<string>;
  /**
   * Meters each request for its tenant (usage, cost, hourly health); only tenants whose tier is known.
   * @default not metered
   */
  readonly meter?: {
    /** Starts writing the tenant's figures if this request makes them due, beside its own work: the write, to await. */
    startDue(tenantId: string): Promise<void> | undefined;
    addRequest(tenantId: string, request: { durationMs: number; memoryMb: number; status: number; quotaRefused?: boolean }): Promise<void>;
    /** Drops what was gathered for a tenant whose request is not attributed; resolves once writes it began are done. */
    discard(tenantId: string): Promise<void>;
  };
}

/** Tier of requests that act on no tenant (public routes, platform-wide admin routes). */
export const NO_TIER = 'none';
const UNKNOWN_TIER = 'unknown';

/**
 * The tenant a request is served for: the verified credential's tenant, else a well-formed tenant in the path. A
 * tenant principal's credential always names its own tenant; a path naming another is refused later (403), and
 * the request stays attributed to the caller's tenant.
 */
export function servedTenantOf(event: APIGatewayProxyEvent): string | undefined {
  let authTenant: string | undefined;
  try {
    authTenant = decodeAuthContext(event.requestContext?.authorizer as Record<string, unknown> | null)?.tenantId;
  } catch {
    authTenant = undefined;
  }
  if (authTenant) return authTenant;
  const pathTenant = event.pathParameters?.tenantId;
  return tenantIdSchema.safeParse(pathTenant).success ? pathTenant : undefined;
}

interface RequestState {
  readonly started: number;
  readonly tenantId: string | undefined;
  readonly operation: string;
  /** The meter's write of the tenant's figures this request made due, started as it began (awaited before it answers). */
  readonly meterWrite?: Promise<void>;
}

const states = new WeakMap<APIGatewayProxyEvent, RequestState>();

/**
 * Metrics, trace annotations and the tenant log key of one request, for every route group (wired once, in the
 * group handler): `Requests`, `ClientErrors`, `ServerErrors`, `Latency` and `QuotaRefusals` with the dimension sets
 * of metric-names.ts, the tenant id and request id as EMF properties, and everything else recorded during the
 * invocation (capacity units, model tokens, audit failures) published in the same line.
 */
export function requestTelemetry(
  logger: Logger,
  operationOf: (event: APIGatewayProxyEvent) => string | undefined,
  ports: RequestTelemetryPorts = {},
): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context> {
  const finish = async (event: APIGatewayProxyEvent, context: Context, status: number, error?: unknown) => {
    const state = states.get(event);
    if (!state) return;
    const durationMs = performance.now() - state.started;
    const tier = state.tenantId ? await (ports.tierOf?.(state.tenantId).catch(() => UNKNOWN_TIER) ?? UNKNOWN_TIER) : NO_TIER;
    const quotaRefused = (error as { code?: unknown } | undefined)?.code === 'quota-exceeded';
    if (quotaRefused && state.tenantId)
      logScalingEvent(logger, { kind: 'quota-refused', tenantId: state.tenantId, tier, detail: { operation: state.operation } });
    // Before publishing: a write of the tenant's figures consumes capacity that belongs in this request's line. A
    // tenant whose plan cannot be read here (unknown, or homed in another region) gets nothing written for it, nor
    // does one answered 421: it moved to another region, whose purge of this one a late flush would undo. A write
    // this request began holds earlier requests' figures, and creates no item once the tenant's record is purged.
    if (state.tenantId && ports.meter) {
      if (tier === UNKNOWN_TIER || status === 421) await ports.meter.discard(state.tenantId).catch(() => undefined);
      else {
        await ports.meter.addRequest(state.tenantId, { durationMs, memoryMb: memoryMbOf(context), status, quotaRefused }).catch(() => undefined);
      }
      await state.meterWrite;
    }
    try {
      platformMetrics.addDimensions({});
      platformMetrics.addDimensions({ [METRIC_DIMENSIONS.tier]: tier });
      platformMetrics.addDimensions({ [METRIC_DIMENSIONS.operation]: state.operation });
      if (state.tenantId) platformMetrics.addMetadata(METRIC_PROPERTIES.tenantId, state.tenantId);
      platformMetrics.addMetadata(METRIC_PROPERTIES.requestId, event.requestContext?.requestId ?? 'unknown');
      platformMetrics.addMetadata(METRIC_PROPERTIES.status, String(status));
      platformMetrics.addMetadata(METRIC_PROPERTIES.statusClass, `${Math.floor(status / 100)}xx`);
      recordMetric(METRIC_NAMES.requests);
      recordMetric(METRIC_NAMES.clientErrors, status >= 400 && status < 500 ? 1 : 0);
      recordMetric(METRIC_NAMES.serverErrors, status >= 500 ? 1 : 0);
      recordMetric(METRIC_NAMES.latency, Math.round(durationMs * 1000) / 1000);
      if (quotaRefused) recordMetric(METRIC_NAMES.quotaRefusals);
      platformMetrics.publishStoredMetrics();
    } catch (failure) {
      // Telemetry must never change an answer.
      logger.warn('request metrics not published', { error: failure as Error });
    }
  };
  return {
    before: (request) => {
      // Whatever an earlier invocation left unpublished (it timed out) must not land in this request's line.
      platformMetrics.clearMetrics();
      platformMetrics.clearDimensions();
      platformMetrics.clearMetadata();
      const tenantId = servedTenantOf(request.event);
      const operation = operationOf(request.event) ?? 'unknown';
      const started = performance.now();
      // A write of the tenant's figures this request makes due goes out now, beside the request's own work.
      const meterWrite = tenantId ? ports.meter?.startDue(tenantId) : undefined;
      states.set(request.event, { started, tenantId, operation, ...(meterWrite ? { meterWrite } : {}) });
      // Every log line of the request names its tenant, including those written before validation.
      if (tenantId) logger.appendKeys({ tenantId });
      const tracer = activeTracing()?.platformTracer;
      if (tenantId) tracer?.putAnnotation('tenantId', tenantId);
      tracer?.putAnnotation('operation', operation);
    },
    after: async (request) => finish(request.event, request.context, request.response?.statusCode ?? 200),
    onError: async (request) => finish(request.event, request.context, request.response?.statusCode ?? 500, request.error),
  };
}

/**
 * The observability middlewares of a route group, in order: the X-Ray subsegment of the invocation (Powertools
 * Tracer, where tracing is on: see tracing.ts), then the request telemetry above.
 */
export function groupObservability(
  logger: Logger,
  operationOf: (event: APIGatewayProxyEvent) => string | undefined,
  ports: RequestTelemetryPorts = {},
): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>[] {
  const subsegment = activeTracing()?.handlerSubsegment() as MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context> | undefined;
  return [...(subsegment ? [subsegment] : []), requestTelemetry(logger, operationOf, ports)];
}
