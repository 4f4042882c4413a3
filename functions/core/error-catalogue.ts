import { GATEWAY_PROBLEMS } from './gateway-problems';

/** One stable problem `code` of the API: the statuses it comes with and what it means for a client. */
export interface ErrorCodeEntry {
  readonly code: string;
  readonly statuses: readonly number[];
  readonly title: string;
  readonly meaning: string;
  /** What a client should do about it. */
  readonly action: string;
}

/**
 * Every `code` a problem document of this API can carry, served at `GET /v1/errors` and written into the OpenAPI
 * document. A test holds it to the domain errors and the gateway problem table, so a new code cannot go unlisted.
 */
export const ERROR_CATALOGUE: readonly ErrorCodeEntry[] = [
  {
    code: 'malformed-request',
    statuses: [400],
    title: 'Malformed request',
    meaning: 'The request could not be read: body not JSON, or a bad If-Match or Idempotency-Key header.',
    action: 'Fix the request; do not retry it as is.',
  },
  {
    code: 'validation-failed',
    statuses: [400, 422],
    title: 'Validation failed',
    meaning: 'A path or query parameter (400) or the body (422) breaks the schema; `errors` lists the fields.',
    action: 'Fix the listed fields.',
  },
  {
    code: 'bad-request',
    statuses: [400],
    title: 'Bad request',
    meaning: 'The gateway refused the request for another reason, such as a URL longer than 10,240 characters.',
    action: 'Fix the request.',
  },
  {
    code: 'unauthenticated',
    statuses: [401],
    title: 'Authentication required',
    meaning: 'No valid bearer token or API key came with the request.',
    action: 'Sign in again, or send a valid API key as Authorization: ApiKey <key>.',
  },
  {
    code: 'forbidden',
    statuses: [403],
    title: 'Forbidden',
    meaning: 'The credential is valid but its role or tenant does not allow this request.',
    action: 'Use a credential with the needed role.',
  },
  {
    code: 'tenant-suspended',
    statuses: [403],
    title: 'Tenant suspended',
    meaning: 'The tenant is suspended: only reading its own record is allowed.',
    action: 'Contact the platform operator.',
  },
  {
    code: 'tenant-unavailable',
    statuses: [403],
    title: 'Tenant unavailable',
    meaning: 'The tenant is being provisioned, failed provisioning or is being offboarded.',
    action: 'Retry once the tenant is ACTIVE.',
  },
  {
    code: 'not-found',
    statuses: [404],
    title: 'Not found',
    meaning: 'The addressed resource does not exist (or belongs to another tenant).',
    action: 'Check the identifiers.',
  },
  {
    code: 'route-not-found',
    statuses: [404],
    title: 'No such route',
    meaning: 'No route matches this method and path.',
    action: 'Check the method and path against this document.',
  },
  {
    code: 'conflict',
    statuses: [409],
    title: 'Conflict',
    meaning: 'The state of the target does not allow the change (duplicate, still in use, Idempotency-Key reused for another request).',
    action: 'Read the resource and decide again.',
  },
  {
    code: 'illegal-transition',
    statuses: [409],
    title: 'Illegal lifecycle transition',
    meaning: 'The tenant lifecycle does not allow this step from its current status.',
    action: 'Read the tenant status first.',
  },
  {
    code: 'currency-mismatch',
    statuses: [422],
    title: 'Currency mismatch',
    meaning: 'A payment names another currency than the invoice it pays (`expected`, `received`); nothing was recorded.',
    action: 'Record the payment in the currency of the invoice.',
  },
  {
    code: 'amount-mismatch',
    statuses: [422],
    title: 'Amount mismatch',
    meaning: "A successful payment's amount differs from the invoice's total (`expected`, `received`); nothing was recorded.",
    action: 'Record the amount actually paid against the right invoice, in minor units.',
  },
  {
    code: 'webhook-signature-invalid',
    statuses: [400],
    title: 'Webhook signature invalid',
    meaning: "A payment provider's webhook did not verify against the configured signing secret (altered body, wrong secret or too old); nothing was applied.",
    action: "Check the endpoint's signing secret in the provider and in the platform's configuration; the provider retries the delivery.",
  },
  {
    code: 'budget-exhausted',
    statuses: [402],
    title: 'Budget exhausted',
    meaning:
      "The spend budget of the period (the tenant's, an agent's or an API key's; `budget` in the body) cannot cover the run or model call, and its policy blocks.",
    action: 'Raise the budget, or wait for the next period.',
  },
  {
    code: 'gone',
    statuses: [410],
    title: 'No longer available',
    meaning: 'A one-time secret (invitation code) was used, revoked or has expired.',
    action: 'Ask for a new invitation.',
  },
  {
    code: 'precondition-failed',
    statuses: [412],
    title: 'Precondition failed',
    meaning: 'If-Match names a version that is no longer current.',
    action: 'Read the resource again and retry with its new ETag.',
  },
  {
    code: 'request-too-large',
    statuses: [413],
    title: 'Request too large',
    meaning: 'The body is larger than the gateway takes.',
    action: 'Send a smaller body.',
  },
  {
    code: 'unsupported-media-type',
    statuses: [415],
    title: 'Unsupported media type',
    meaning: 'The body is not sent as application/json.',
    action: 'Send Content-Type: application/json.',
  },
  {
    code: 'wrong-region',
    statuses: [421],
    title: 'Tenant served by another region',
    meaning: 'The tenant is homed in another region; `endpoint` names its API.',
    action: 'Send the request to `endpoint`.',
  },
  {
    code: 'model-not-allowed',
    statuses: [422],
    title: 'Model not allowed by the plan',
    meaning: "The model is not on the tenant's plan; `allowedModels` lists the plan's.",
    action: 'Pick one of `allowedModels` or change plan.',
  },
  {
    code: 'rate-limited',
    statuses: [429],
    title: 'Too many requests',
    meaning: "A rate limit (the plan's rate or daily quota, or a per-client limit) is reached.",
    action: 'Retry after Retry-After seconds.',
  },
  {
    code: 'quota-exceeded',
    statuses: [429],
    title: 'Quota exceeded',
    meaning: 'A plan limit (agents, memories, runs per month, ...) would be exceeded.',
    action: 'Delete something or change plan.',
  },
  {
    code: 'internal-error',
    statuses: [500],
    title: 'Internal error',
    meaning: 'The request failed on our side; it has been logged.',
    action: 'Retry later with the same Idempotency-Key; quote the request id to support.',
  },
  {
    code: 'upstream-failure',
    statuses: [502],
    title: 'Upstream failure',
    meaning: 'The function behind the gateway failed.',
    action: 'Retry later with the same Idempotency-Key.',
  },
  {
    code: 'identity-provider-failed',
    statuses: [503],
    title: 'Identity provider failed',
    meaning: "The tenant's user pool refused or failed a change the request needs.",
    action: 'Retry; it is safe.',
  },
  {
    code: 'tenant-moving',
    statuses: [503],
    title: 'Tenant moving to another region',
    meaning: 'A migration is moving the tenant to `region`: its data can be read, but no change is taken until the move ends.',
    action: 'Retry after Retry-After seconds; once the move is done this region answers 421 with the new endpoint.',
  },
  {
    code: 'mail-not-sent',
    statuses: [503],
    title: 'Mail not sent',
    meaning: 'The invitation mail could not be sent (the sender is not verified in SES, or SES refused it); the invitation was revoked, nothing else changed.',
    action: 'Retry later; if it persists the platform operator must verify the mail sender (docs/troubleshooting.md).',
  },
  {
    code: 'upstream-timeout',
    statuses: [504],
    title: 'Upstream timeout',
    meaning: 'The request took too long; it may have been carried out.',
    action: 'Retry with the same Idempotency-Key.',
  },
];

const BY_CODE = new Map(ERROR_CATALOGUE.map((entry) => [entry.code, entry]));

/** The catalogue entry of a code; throws for a code that is not listed (a test keeps them all listed). */
export function errorCodeEntry(code: string): ErrorCodeEntry {
  const entry = BY_CODE.get(code);
  if (!entry) throw new Error(`problem code ${code} is not in the error catalogue`);
  return entry;
}

/** Every code the gateway problem table uses: all in the catalogue by construction of the test. */
export const GATEWAY_CODES: readonly string[] = [...new Set(Object.values(GATEWAY_PROBLEMS).map((spec) => spec.code))];
