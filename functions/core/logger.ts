import { Logger } from '@aws-lambda-powertools/logger';

/** One structured JSON logger per function; request handling appends tenantId and requestId to every line. */
export function createLogger(serviceName: string, logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' = 'INFO'): Logger {
  return new Logger({ serviceName, logLevel });
}
export type { Logger };
