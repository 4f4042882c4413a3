import type { withReadableStack } from './source-mapped-stack';

/**
 * Module specifier of the stack mapper (./source-mapped-stack.ts). The Lambda bundles leave it out and carry it as a
 * file of its own beside `index.js` (lib/function-bundling.ts), so this require finds it there: it is loaded at the
 * first error a function logs, never at a cold start.
 */
export const SOURCE_MAPPED_STACK_MODULE = './source-mapped-stack';

interface StackMapperModule {
  withReadableStack: typeof withReadableStack;
}

/**
 * `error` as a log line should show it: where Node maps stacks itself (source maps on), the error as it is;
 * otherwise with its stack, and its cause's, mapped to the sources (the mapper loaded at the first call). A mapper
 * that cannot load or map leaves the error as it is: the line is written either way.
 */
export function readableError(error: Error): Error {
  if (process.sourceMapsEnabled) return error;
  try {
    // A literal require of SOURCE_MAPPED_STACK_MODULE: the Lambda bundles leave it as it is, and Lambda resolves it beside index.js.
    const mapper = require('./source-mapped-stack') as StackMapperModule;
    return mapper.withReadableStack(error);
  } catch {
    return error;
  }
}
