import { DomainError } from '../core/errors';
import { idempotencyOf, parseIfMatch, type IdempotencyRequest, type IfMatch } from '../core/request-conventions';
import type { OperationRequest, OperationResult } from '../core/http';
import type { MutationExecutor, StoredResponse } from './mutation.executor';

/** Who changes what, read once from the request: what every service mutation needs besides its input. */
export interface MutationContext {
  readonly tenantId: string;
  /** `<principalType>:<principalId>` of the verified caller. */
  readonly actor: string;
  /** The member the caller acts for (see AuthContext.memberId); absent for platform admins. */
  readonly memberId?: string;
  readonly requestId: string;
  readonly idempotency?: IdempotencyRequest;
  readonly ifMatch?: IfMatch;
}

/** The result of a mutating service call: the response to send, and whether it is the replay of an earlier one. */
export interface MutationResult {
  readonly response: StoredResponse;
  readonly replayed: boolean;
}

/** Turns what a service made into the HTTP response that is sent and stored with the Idempotency-Key. */
export type Presenter<T> = (value: T) => StoredResponse;

/** The mutation context of a request on `/v1/tenants/{tenantId}/…`. */
export function mutationContextOf(request: OperationRequest<{ tenantId: string }, unknown, unknown>): MutationContext {
  const auth = request.auth;
  const idempotency = idempotencyOf(request);
  const ifMatch = parseIfMatch(request.headers);
  return {
    tenantId: request.path.tenantId,
    actor: auth ? `${auth.principalType}:${auth.principalId}` : 'anonymous',
    requestId: request.requestId,
    ...(auth?.memberId ? { memberId: auth.memberId } : {}),
    ...(idempotency ? { idempotency } : {}),
    ...(ifMatch ? { ifMatch } : {}),
  };
}

/**
 * Runs a mutation that reads before it writes. When it fails with a domain error (404, 412…) and carries an
 * Idempotency-Key whose record exists, the failure is the retry of a request that already succeeded: the stored
 * response is returned instead.
 */
export async function withReplay(
  executor: Pick<MutationExecutor, 'findReplay'>,
  context: MutationContext,
  run: () => Promise<MutationResult>,
): Promise<MutationResult> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof DomainError) || !context.idempotency) throw error;
    const response = await executor.findReplay(context.tenantId, context.idempotency);
    if (!response) throw error;
    return { response, replayed: true };
  }
}

/** The operation result of a mutation result; replays say so in a header. */
export function toOperationResult({ response, replayed }: MutationResult): OperationResult {
  return {
    status: response.status,
    body: response.body,
    headers: { ...response.headers, ...(replayed ? { 'idempotent-replayed': 'true' } : {}) },
  };
}
