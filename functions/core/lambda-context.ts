import type { Context } from 'aws-lambda';

/** The function's memory in MB, as Lambda's context reports it; 0 where no context is given. */
export function memoryMbOf(context: Pick<Context, 'memoryLimitInMB'> | undefined): number {
  return Number(context?.memoryLimitInMB ?? 0) || 0;
}
