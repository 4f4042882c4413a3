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

/** The issuer registrar behind the issuer registration custom resources. */
export const ISSUER_REGISTRATION_ENTRY = path.join(REPO_ROOT, 'functions', 'api', 'issuer-registration.ts');

/** The consumer of the table's stream that gives back the quota of memories TTL removed. */
export const MEMORY_EXPIRY_ENTRY = path.join(REPO_ROOT, 'functions', 'api', 'memory-expiry.ts');

/** The consumer of the table's stream that seals pending audit entries into their tenant's hash chain. */
export const AUDIT_SEALER_ENTRY = path.join(REPO_ROOT, 'functions', 'api', 'audit-sealer.ts');

/** The consumer of the runs queue: executes workflow runs. */
export const RUN_CONSUMER_ENTRY = path.join(REPO_ROOT, 'functions', 'api', 'run-consumer.ts');
export const PERIOD_CLOSE_ENTRY = path.join(REPO_ROOT, 'functions', 'api', 'period-close.ts');

/** The region's retention sweep, run on a schedule. */
export const RETENTION_SWEEP_ENTRY = path.join(REPO_ROOT, 'functions', 'api', 'retention-sweep.ts');

/** The recovery drill's check of a restored copy, a step of the drill's state machine. */
export const RECOVERY_DRILL_ENTRY = path.join(REPO_ROOT, 'functions', 'api', 'recovery-drill.ts');

/** The subscriber of the API access log's 429 lines: usage-plan throttles into tenants' health. */
export const THROTTLE_RECORDER_ENTRY = path.join(REPO_ROOT, 'functions', 'api', 'throttle-recorder.ts');

/** The consumer of the jobs queue: runs tenants' export and import jobs. */
export const JOB_CONSUMER_ENTRY = path.join(REPO_ROOT, 'functions', 'api', 'job-consumer.ts');

/** The pre-token-generation trigger of tenant pools. */
export const PRE_TOKEN_GENERATION_ENTRY = path.join(REPO_ROOT, 'functions', 'api', 'pre-token-generation.ts');

/** The handler of the provisioning pipeline's answers (tenant ACTIVE, FAILED, offboarded). */
export const PROVISIONING_EVENTS_ENTRY = path.join(REPO_ROOT, 'functions', 'api', 'provisioning-events.ts');

/** The tenant manifests, `tenants/<slug>.json`, and files they name (SAML metadata). */
export const TENANTS_DIR = path.join(REPO_ROOT, 'tenants');
