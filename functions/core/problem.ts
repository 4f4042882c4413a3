import type * as domainErrors from './errors';
import { DomainError, ValidationError } from './errors';

/** RFC 9457 problem details document, with the platform's stable `code`. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly instance?: string;
  readonly [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const PROBLEM_TYPE_BASE = 'https://errors.agent-platform.dev/';
/** The longest `instance` a problem carries: a longer request path (a REST API takes URLs of 10,240 characters) is left out. */
export const MAX_INSTANCE_LENGTH = 2048;

/** The `code` of every concrete domain error class (core/errors.ts). */
type DomainErrorCode = {
  [K in keyof typeof domainErrors]: (typeof domainErrors)[K] extends new (...args: never[]) => infer E ? (E extends DomainError ? E['code'] : never) : never;
}[keyof typeof domainErrors];

/**
 * The HTTP status of each domain error, by its code (a subclass keeps its parent's): every code must have one, or
 * this does not compile. Keyed by code rather than class, so a bundle keeps only the error classes its own code
 * throws, not all of them.
 */
const STATUS_BY_CODE: Readonly<Record<DomainErrorCode, number>> = {
  'malformed-request': 400,
  'validation-failed': 400,
  'unsupported-media-type': 415,
  unauthenticated: 401,
  forbidden: 403,
  'tenant-suspended': 403,
  'tenant-unavailable': 403,
  'not-found': 404,
  'route-not-found': 404,
  conflict: 409,
  'illegal-transition': 409,
  gone: 410,
  'precondition-failed': 412,
  'model-not-allowed': 422,
  'currency-mismatch': 422,
  'amount-mismatch': 422,
  'webhook-signature-invalid': 400,
  'budget-exhausted': 402,
  'wrong-region': 421,
  'identity-provider-failed': 503,
  'tenant-moving': 503,
  'mail-not-sent': 503,
  'quota-exceeded': 429,
  'rate-limited': 429,
};

/** The HTTP status of a domain error. Body validation failures are 422, path and query ones 400. */
export function statusOf(error: DomainError): number {
  if (error instanceof ValidationError && error.location === 'body') return 422;
  return Object.hasOwn(STATUS_BY_CODE, error.code) ? STATUS_BY_CODE[error.code as DomainErrorCode] : 400;
}

/** Builds a problem document from its parts. */
export function problem(status: number, code: string, title: string, detail: string, extensions: Record<string, unknown> = {}): Problem {
  return { type: PROBLEM_TYPE_BASE + code, title, status, detail, code, ...extensions };
}

/**
 * Maps anything thrown to a problem document. Domain errors keep their detail; anything else is a real fault
 * and becomes a 500 whose detail reveals nothing of the cause.
 */
export function toProblem(error: unknown, instance?: string): Problem {
  const at = instance && instance.length <= MAX_INSTANCE_LENGTH ? { instance } : {};
  if (error instanceof DomainError) {
    return { ...problem(statusOf(error), error.code, error.title, error.message, error.extensions), ...at };
  }
  return { ...problem(500, 'internal-error', 'Internal error', 'The request failed on our side; it has been logged.'), ...at };
}
