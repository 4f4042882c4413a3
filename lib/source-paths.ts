import * as path from 'node:path';
import type { HandlerGroup } from '../functions/routes';

/** The repository root: lib/ is one level below it. */
export const REPO_ROOT = path.resolve(__dirname, '..');

/** The lock file esbuild bundles against. */
export const LOCK_FILE = path.join(REPO_ROOT, 'package-lock.json');

/** The Lambda entry file of a route group: `functions/api/<group>.ts`, exporting `handler`. */
export function handlerEntry(group: HandlerGroup): string {
  return path.join(REPO_ROOT, 'functions', 'api', `${group}.ts`);
}

/** The entry file of the API's REQUEST authorizer, exporting `handler`. */
export const AUTHORIZER_ENTRY = path.join(REPO_ROOT, 'functions', 'api', 'authorizer.ts');
