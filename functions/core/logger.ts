import { Logger } from '@aws-lambda-powertools/logger';
import { readableError } from './source-mapped-stack.loader';

/**
 * One structured JSON logger per function; request handling appends tenantId and requestId to every line. An error
 * in a line gets a stack that names the TypeScript sources (functions/core/source-mapped-stack.ts, loaded at the first
 * error): the functions run without Node's source maps, which would cost every cold start the read of the bundle's map.
 */
export function createLogger(serviceName: string, logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' = 'INFO'): Logger {
  return new Logger({ serviceName, logLevel, jsonReplacerFn: readableErrors });
}

/** Powertools' serializer calls this for every value of a line before its own rules, which format errors. */
function readableErrors(_key: string, value: unknown): unknown {
  return value instanceof Error ? readableError(value) : value;
}
export type { Logger };
