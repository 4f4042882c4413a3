import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { MiddlewareObj } from '@middy/core';
import { METRICS_SERVICE } from './metric-names';

/**
 * The X-Ray side of the function instance: one Powertools Tracer (with the X-Ray SDK under it), created once. Loaded
 * only where active tracing is on (see tracing.ts); the Lambda bundles carry it as a file of its own beside `index.js`,
 * so functions and runs that never trace neither parse nor start it.
 */
export const platformTracer = new Tracer({ serviceName: METRICS_SERVICE, captureHTTPsRequests: false });

/** The `## handler` subsegment of every invocation (cold start and service annotations, errors), without the response. */
export function handlerSubsegment(): MiddlewareObj {
  return captureLambdaHandler(platformTracer, { captureResponse: false });
}
