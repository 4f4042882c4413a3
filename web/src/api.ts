import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from '../../local/api-client/api-schema';

/** Shapes of the API, generated from its OpenAPI document: none is written by hand here. */
export type Schemas = components['schemas'];
export type Problem = Schemas['Problem'] & { readonly errors?: readonly { readonly pointer: string; readonly message: string }[] };
export type Api = Client<paths>;

/** An API problem (or a failure to reach the API, told in the same shape) that pages show with its `code`. */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.title}: ${problem.detail} (${problem.code})`);
  }
}

/** A problem the console tells itself (the API not reached, or not asked yet), in the shape of the API's own. */
export function consoleProblem(status: number, title: string, detail: string, code: string): ProblemError {
  return new ProblemError({ type: 'about:blank', title, status, detail, code: code as Problem['code'] });
}

function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && typeof (value as Problem).code === 'string' && typeof (value as Problem).status === 'number';
}

/** A client of the API at `baseUrl` that sends the bearer token `token()` gives, when there is one. */
export function createApi(baseUrl: string, token: () => Promise<string | undefined>): Api {
  const client = createClient<paths>({ baseUrl });
  client.use({
    async onRequest({ request }) {
      const bearer = await token();
      if (bearer) request.headers.set('authorization', `Bearer ${bearer}`);
      return request;
    },
  });
  return client;
}

/** Dispatched on `window` when the API answers `tenant-suspended`. */
export const TENANT_SUSPENDED_EVENT = 'console:tenant-suspended';

/** The data of an answer, or a ProblemError: for a problem body, a network failure or an unexpected status. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (error) {
    throw consoleProblem(503, 'The API could not be reached', error instanceof Error ? error.message : String(error), 'network-error');
  }
  if (result.response.ok) return result.data as T;
  if (isProblem(result.error)) {
    // Any page may be the first to learn that the tenant is suspended: the shell then shows that instead.
    if (result.error.code === 'tenant-suspended') dispatchEvent(new Event(TENANT_SUSPENDED_EVENT));
    throw new ProblemError(result.error);
  }
  throw consoleProblem(
    result.response.status,
    result.response.statusText || 'Request failed',
    `the API answered ${result.response.status}`,
    'unexpected-answer',
  );
}

/** A fresh Idempotency-Key for one user action (a double click or a retry does the work once). */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}
