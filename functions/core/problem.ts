import {
  AmountMismatchError,
  AuthenticationError,
  BudgetExhaustedError,
  ConflictError,
  CurrencyMismatchError,
  DomainError,
  ForbiddenError,
  GoneError,
  IdentityProviderError,
  IllegalTransitionError,
  MailNotSentError,
  MalformedRequestError,
  ModelNotAllowedError,
  NotFoundError,
  PreconditionFailedError,
  QuotaExceededError,
  RateLimitedError,
  RouteNotFoundError,
  TenantSuspendedError,
  TenantUnavailableError,
  UnsupportedMediaTypeError,
  ValidationError,
  WebhookSignatureError,
  WrongRegionError,
} from './errors';

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

const STATUS_BY_ERROR: ReadonlyArray<[abstract new (...args: never[]) => DomainError, number]> = [
  [MalformedRequestError, 400],
  [ValidationError, 400],
  [UnsupportedMediaTypeError, 415],
  [AuthenticationError, 401],
  [ForbiddenError, 403],
  [TenantSuspendedError, 403],
  [TenantUnavailableError, 403],
  [NotFoundError, 404],
  [RouteNotFoundError, 404],
  [ConflictError, 409],
  [IllegalTransitionError, 409],
  [GoneError, 410],
  [PreconditionFailedError, 412],
  [ModelNotAllowedError, 422],
  [CurrencyMismatchError, 422],
  [AmountMismatchError, 422],
  [WebhookSignatureError, 400],
  [BudgetExhaustedError, 402],
  [WrongRegionError, 421],
  [IdentityProviderError, 503],
  [MailNotSentError, 503],
  [QuotaExceededError, 429],
  [RateLimitedError, 429],
];

/** The HTTP status of a domain error. Body validation failures are 422, path and query ones 400. */
export function statusOf(error: DomainError): number {
  if (error instanceof ValidationError && error.location === 'body') return 422;
  for (const [type, status] of STATUS_BY_ERROR) if (error instanceof type) return status;
  return 400;
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
