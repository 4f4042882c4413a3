/**
 * Domain errors. They carry a stable machine-readable `code` and a human `detail`, and know nothing of HTTP:
 * the problem mapper (core/problem.ts) is the one place that turns them into status codes.
 *
 * Every error class of the functions names itself in a string (`override readonly name: string = '<ClassName>'`), as every
 * class below does: the Lambda bundles are minified, which renames classes, so a name read from the class
 * (`new.target.name`) would be a mangled `K` in every log line and stack in AWS, while the local platform showed the
 * real one. test/infra/error-names.test.ts checks both.
 */
export abstract class DomainError extends Error {
  /** The error's class name, written out in each concrete class so that minifying keeps it. */
  abstract override readonly name: string;
  /** Stable error code, part of the API contract (`type` ends with it). */
  abstract readonly code: string;
  /** Short, constant title of the error kind. */
  abstract readonly title: string;
  /** Extra members of the problem document (limit, region, ...). */
  readonly extensions: Record<string, unknown>;

  constructor(detail: string, extensions: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(detail, options);
    this.extensions = extensions;
  }
}

/** The request could not be read at all (malformed JSON, wrong content type). */
export class MalformedRequestError extends DomainError {
  override readonly name: string = 'MalformedRequestError';
  readonly code = 'malformed-request';
  readonly title = 'Malformed request';
}

/** The body comes in a media type the route does not take (JSON only). */
export class UnsupportedMediaTypeError extends DomainError {
  override readonly name: string = 'UnsupportedMediaTypeError';
  readonly code = 'unsupported-media-type';
  readonly title = 'Unsupported media type';
}

/** One issue found by schema validation. */
export interface ValidationIssue {
  /** Where: `body`, `query` or `path`, then the field path, e.g. `body.name`. */
  readonly pointer: string;
  readonly message: string;
}

/**
 * Most issues a validation problem lists; `errorCount` still counts them all. A body of 60,000 unknown keys would
 * otherwise be answered with a document larger than the request.
 */
export const MAX_LISTED_ISSUES = 20;

/** Longest detail, pointer or issue message in a validation problem: keys and values are the caller's, of any size. */
export const MAX_ISSUE_TEXT_LENGTH = 200;

function clipped(text: string): string {
  return text.length <= MAX_ISSUE_TEXT_LENGTH ? text : `${text.slice(0, MAX_ISSUE_TEXT_LENGTH - 1)}…`;
}

/** The request was readable but its path, query or body broke the schema. */
export class ValidationError extends DomainError {
  override readonly name: string = 'ValidationError';
  readonly code = 'validation-failed';
  readonly title = 'Validation failed';
  constructor(
    detail: string,
    readonly issues: readonly ValidationIssue[],
    readonly location: 'path' | 'query' | 'body',
  ) {
    const listed = issues.slice(0, MAX_LISTED_ISSUES).map((issue) => ({ pointer: clipped(issue.pointer), message: clipped(issue.message) }));
    super(clipped(detail), { errors: listed, errorCount: issues.length });
  }
}

/** No valid credential came with the request. */
export class AuthenticationError extends DomainError {
  override readonly name: string = 'AuthenticationError';
  readonly code = 'unauthenticated';
  readonly title = 'Authentication required';
}

/** The credential is valid but does not allow this action on this tenant. */
export class ForbiddenError extends DomainError {
  override readonly name: string = 'ForbiddenError';
  readonly code = 'forbidden';
  readonly title = 'Forbidden';
}

/** The tenant is suspended: only reading its own record is allowed. */
export class TenantSuspendedError extends DomainError {
  override readonly name: string = 'TenantSuspendedError';
  readonly code = 'tenant-suspended';
  readonly title = 'Tenant suspended';
}

/**
 * The tenant is moving to another region (`region`): its data can be read, but no change is taken until the move ends
 * (the old region then answers 421 with the new endpoint). `retryAfterSeconds` becomes the Retry-After header.
 */
export class TenantMovingError extends DomainError {
  override readonly name: string = 'TenantMovingError';
  readonly code = 'tenant-moving';
  readonly title = 'Tenant moving to another region';
  /** A move of a small tenant takes about 30 seconds: its clients are told to come back after that. */
  constructor(detail: string, region: string, retryAfterSeconds = 30) {
    super(detail, { region, retryAfterSeconds });
  }
}

/** The addressed thing does not exist, or exists for another tenant (indistinguishable on purpose). */
export class NotFoundError extends DomainError {
  override readonly name: string = 'NotFoundError';
  readonly code = 'not-found';
  readonly title = 'Not found';
}

/** No route matches the method and path. */
export class RouteNotFoundError extends DomainError {
  override readonly name: string = 'RouteNotFoundError';
  readonly code = 'route-not-found';
  readonly title = 'No such route';
}

/** The state of the target does not allow the change (duplicate slug, illegal transition, ...). */
export class ConflictError extends DomainError {
  override readonly name: string = 'ConflictError';
  readonly code = 'conflict';
  readonly title = 'Conflict';
}

/** A tenant lifecycle change that is not allowed from the tenant's current status (suspend a deleted tenant, ...). */
export class IllegalTransitionError extends DomainError {
  override readonly name: string = 'IllegalTransitionError';
  readonly code = 'illegal-transition';
  readonly title = 'Illegal lifecycle transition';
  constructor(detail: string, from: string, event: string) {
    super(detail, { tenantStatus: from, event });
  }
}

/** The tenant exists but cannot serve its users now (being provisioned, failed, being offboarded). */
export class TenantUnavailableError extends DomainError {
  override readonly name: string = 'TenantUnavailableError';
  readonly code = 'tenant-unavailable';
  readonly title = 'Tenant unavailable';
}

/** A one-time secret (invitation code) that was valid once has been used, revoked or has expired. */
export class GoneError extends DomainError {
  override readonly name: string = 'GoneError';
  readonly code = 'gone';
  readonly title = 'No longer available';
}

/** `If-Match` named a version that is no longer current. */
export class PreconditionFailedError extends DomainError {
  override readonly name: string = 'PreconditionFailedError';
  readonly code = 'precondition-failed';
  readonly title = 'Precondition failed';
}

/** The identity provider (the tenant's user pool) refused or failed a change the request needs; safe to retry. */
export class IdentityProviderError extends DomainError {
  override readonly name: string = 'IdentityProviderError';
  readonly code = 'identity-provider-failed';
  readonly title = 'Identity provider failed';
}

/**
 * Mail the request exists to send could not be sent (the sender's SES identity is unverified, SES refused or
 * failed): what the request would have created is undone, and the problem says so.
 */
export class MailNotSentError extends DomainError {
  override readonly name: string = 'MailNotSentError';
  readonly code = 'mail-not-sent';
  readonly title = 'Mail not sent';
}

/** A plan limit would be exceeded. */
export class QuotaExceededError extends DomainError {
  override readonly name: string = 'QuotaExceededError';
  readonly code = 'quota-exceeded';
  readonly title = 'Quota exceeded';
}

/** The request names a model outside the tenant's plan; `allowedModels` lists the plan's. */
export class ModelNotAllowedError extends DomainError {
  override readonly name: string = 'ModelNotAllowedError';
  readonly code = 'model-not-allowed';
  readonly title = 'Model not allowed by the plan';
  constructor(detail: string, extensions: { readonly modelId: string; readonly plan: string; readonly allowedModels: readonly string[] }) {
    super(detail, { ...extensions });
  }
}

/**
 * The tenant's (or an agent's, or an API key's) spend budget for the period cannot cover the call or run asked for,
 * and its policy says block; `budget` names the budget, its amount and what is committed of it.
 */
export class BudgetExhaustedError extends DomainError {
  override readonly name: string = 'BudgetExhaustedError';
  readonly code = 'budget-exhausted';
  readonly title = 'Budget exhausted';
}

/** Too many requests for the tenant's usage plan. */
export class RateLimitedError extends DomainError {
  override readonly name: string = 'RateLimitedError';
  readonly code = 'rate-limited';
  readonly title = 'Too many requests';
}

/** The tenant is homed in another region; `endpoint` names the API that serves it. */
export class WrongRegionError extends DomainError {
  override readonly name: string = 'WrongRegionError';
  readonly code = 'wrong-region';
  readonly title = 'Tenant served by another region';
  constructor(detail: string, region: string, endpoint: string | undefined) {
    super(detail, { region, endpoint });
  }
}

/** A payment names another currency than the invoice it pays; `expected` and `received` name both. */
export class CurrencyMismatchError extends DomainError {
  override readonly name: string = 'CurrencyMismatchError';
  readonly code = 'currency-mismatch';
  readonly title = 'Currency mismatch';
}

/** A successful payment for another amount than the invoice's total; `expected` and `received` name both. */
export class AmountMismatchError extends DomainError {
  override readonly name: string = 'AmountMismatchError';
  readonly code = 'amount-mismatch';
  readonly title = 'Amount mismatch';
}

/** A payment provider's webhook whose signature does not verify (wrong secret, altered body, too old). */
export class WebhookSignatureError extends DomainError {
  override readonly name: string = 'WebhookSignatureError';
  readonly code = 'webhook-signature-invalid';
  readonly title = 'Webhook signature invalid';
}
