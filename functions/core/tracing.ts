import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { MiddlewareObj } from '@middy/core';

/**
 * Module specifier of the X-Ray tracer (./xray-tracing.ts). The Lambda bundles leave it out and carry it as a file of
 * its own beside `index.js` (lib/constructs/platform-function.ts), so this require finds it there.
 */
export const XRAY_TRACING_MODULE = './xray-tracing';

interface XrayTracing {
  readonly platformTracer: Tracer;
  handlerSubsegment(): MiddlewareObj;
}

/**
 * Whether this instance traces, by Powertools' own rule: inside the Lambda execution environment (not SAM local, not
 * the Amplify mock) unless POWERTOOLS_TRACE_ENABLED is `false`. Every platform function runs with active tracing.
 */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const executionEnv = env.AWS_EXECUTION_ENV ?? '';
  if ((env.POWERTOOLS_TRACE_ENABLED ?? '').toLowerCase() === 'false') return false;
  return executionEnv !== '' && executionEnv !== 'AWS_Lambda_amplify-mock' && !env.AWS_SAM_LOCAL;
}

let loaded: XrayTracing | null | undefined;

/**
 * The instance's X-Ray tracer where tracing is on, loaded on first use (the first invocation's handler build); none
 * elsewhere (the local platform, tests, benches), where the X-Ray SDK is never loaded.
 */
export function activeTracing(): XrayTracing | undefined {
  // A literal require of XRAY_TRACING_MODULE: the Lambda bundles leave it as it is, and Lambda resolves it beside index.js.
  loaded ??= tracingEnabled() ? (require('./xray-tracing') as XrayTracing) : null;
  return loaded ?? undefined;
}
