import { TENANT_PATH_PARAMETER, type RouteDefinition } from '../core/route';

/**
 * The problems each route can answer, by status, derived from what the route is (its access, parameters, body,
 * method) plus the few domain rules only some routes have. The contract test holds every answer of every route to
 * this list, so a code a route really answers cannot stay undocumented.
 */

type ProblemCodes = Map<number, Set<string>>;

function add(codes: ProblemCodes, status: number, ...values: string[]): void {
  const set = codes.get(status) ?? new Set<string>();
  for (const value of values) set.add(value);
  codes.set(status, set);
}

/** Domain rules of single routes (quota counters, plan models, lifecycle transitions, the identity provider). */
const ROUTE_SPECIFIC: Readonly<Record<string, ReadonlyArray<readonly [number, string]>>> = {
  // Tenants are onboarded and listed in the control plane's region; the others answer 421 with its endpoint.
  createTenant: [
    [409, 'conflict'],
    [421, 'wrong-region'],
  ],
  listTenants: [[421, 'wrong-region']],
  updateTenant: [[409, 'illegal-transition']],
  suspendTenant: [[409, 'illegal-transition']],
  reactivateTenant: [[409, 'illegal-transition']],
  retryTenantProvisioning: [[409, 'illegal-transition']],
  offboardTenant: [[409, 'illegal-transition']],
  changeUserRole: [[503, 'identity-provider-failed']],
  removeUser: [[503, 'identity-provider-failed']],
  createInvitation: [
    [409, 'conflict'],
    [429, 'quota-exceeded'],
    [503, 'mail-not-sent'],
  ],
  acceptInvitation: [
    // The invitation's tenant must take new users: not suspended, nor provisioning, failed or offboarding.
    [403, 'tenant-suspended'],
    [403, 'tenant-unavailable'],
    [404, 'not-found'],
    [409, 'conflict'],
    [410, 'gone'],
    // An invitation is accepted in its tenant's region.
    [421, 'wrong-region'],
    [503, 'identity-provider-failed'],
    [503, 'tenant-moving'],
  ],
  createApiKey: [[429, 'quota-exceeded']],
  recordInvoicePayment: [
    [422, 'currency-mismatch'],
    [422, 'amount-mismatch'],
  ],
  receiveStripeWebhook: [
    [400, 'webhook-signature-invalid'],
    [404, 'not-found'],
    [422, 'currency-mismatch'],
    [422, 'amount-mismatch'],
    // While a migration moves the event's tenant: Stripe sends the event again.
    [503, 'tenant-moving'],
  ],
  createAgent: [
    [422, 'model-not-allowed'],
    [429, 'quota-exceeded'],
  ],
  updateAgent: [[422, 'model-not-allowed']],
  deleteAgent: [[409, 'conflict']],
  createMemory: [[429, 'quota-exceeded']],
  createWorkflow: [
    [422, 'validation-failed'],
    [429, 'quota-exceeded'],
  ],
  updateWorkflow: [[422, 'validation-failed']],
  startWorkflowRun: [
    [402, 'budget-exhausted'],
    [409, 'conflict'],
    [429, 'quota-exceeded'],
  ],
  setBudget: [[422, 'model-not-allowed']],
  setModelPolicy: [[422, 'model-not-allowed']],
  createModelCredential: [[409, 'conflict']],
};

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Status → the problem codes the route may answer with it. */
export function problemCodesOf(route: RouteDefinition): ReadonlyMap<number, ReadonlySet<string>> {
  const codes: ProblemCodes = new Map();
  const pathParams = Object.keys((route.request.path as { shape?: object } | undefined)?.shape ?? {});
  if (route.request.path || route.request.query) add(codes, 400, 'validation-failed');
  if (route.request.body) {
    add(codes, 400, 'malformed-request');
    add(codes, 413, 'request-too-large');
    add(codes, 415, 'unsupported-media-type');
    add(codes, 422, 'validation-failed');
  }
  if (route.access !== 'public') {
    add(codes, 401, 'unauthenticated');
    add(codes, 403, 'forbidden');
  }
  if (pathParams.includes(TENANT_PATH_PARAMETER)) {
    add(codes, 403, 'tenant-unavailable');
    if (!route.allowedWhenSuspended) add(codes, 403, 'tenant-suspended');
    add(codes, 404, 'not-found');
    add(codes, 421, 'wrong-region');
    // A migration holds the tenant's writes in its old region until the cut-over.
    if (MUTATING.has(route.method)) add(codes, 503, 'tenant-moving');
  }
  if (pathParams.some((name) => name !== TENANT_PATH_PARAMETER)) add(codes, 404, 'not-found');
  if (MUTATING.has(route.method) && route.access !== 'public') {
    // Idempotency-Key and If-Match headers: a malformed one is a 400, a stale If-Match a 412, a reused key a 409.
    add(codes, 400, 'malformed-request');
    add(codes, 409, 'conflict');
    if (route.method !== 'POST' || pathParams.length > 1) add(codes, 412, 'precondition-failed');
  }
  for (const [status, code] of ROUTE_SPECIFIC[route.operationId] ?? []) add(codes, status, code);
  add(codes, 429, 'rate-limited');
  add(codes, 500, 'internal-error');
  // What the gateway answers for any route: a request it refuses for another reason (a URL past its length), a
  // function that failed or answered nothing it can pass on, and one that took longer than the integration timeout.
  add(codes, 400, 'bad-request');
  add(codes, 502, 'upstream-failure');
  add(codes, 504, 'upstream-timeout');
  return codes;
}
