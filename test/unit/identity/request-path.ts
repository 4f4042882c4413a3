import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import type { AuthContext } from '../../../functions/core/auth-context';
import { createGroupHandler, type Operation, type TenantGate } from '../../../functions/core/http';
import { createLogger } from '../../../functions/core/logger';
import type { RouteDefinition } from '../../../functions/core/route';
import type { TenantSignalOptions } from '../../../functions/core/tenant-signals';
import { apiGatewayAuthorizer } from '../../../functions/identity/authorizer.adapter';
import type { AuthorizerService } from '../../../functions/identity/authorizer.service';
import { policyAllows } from '../../../local/authorizer-policy';
import { lambdaContext } from '../../support/rest-event';

/** How a request ended on the request path: its status and, when served, the caller the operation saw. */
export interface Outcome {
  readonly status: number;
  readonly auth?: AuthContext;
  /** The problem document of a refusal by the handler. */
  readonly problem?: Record<string, unknown>;
}

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined };

/**
 * The whole request path as API Gateway and a route group run it: the REQUEST authorizer (401 when it throws), its
 * policy evaluated against the request's method ARN (403), then the group handler's middleware (role per route,
 * tenant signals, 403) and an operation that answers with the caller it was given. `authorize` stands for API
 * Gateway's cached result: passing the result of an earlier credential-only call shows that a cached answer decides
 * the same as a fresh one.
 */
export function requestPath(
  service: Pick<AuthorizerService, 'authorize'>,
  routes: readonly RouteDefinition[],
  tenantSignals: TenantSignalOptions = {},
  tenantGate?: TenantGate,
) {
  const authorizer = apiGatewayAuthorizer(service, silent, routes);
  const operations: Record<string, Operation> = Object.fromEntries(routes.map((route) => [route.operationId, async ({ auth }) => ({ body: { auth } })]));
  const handler = createGroupHandler({ logger: createLogger('request-path-test', 'ERROR'), routes, operations, tenantSignals, tenantGate });
  return async (event: APIGatewayRequestAuthorizerEvent): Promise<Outcome> => {
    const result = await authorizer(event).catch((error: Error) => {
      if (error.message === 'Unauthorized') return undefined;
      throw error;
    });
    if (!result) return { status: 401 };
    if (!policyAllows(result.policyDocument, event.methodArn)) return { status: 403 };
    const proxy = {
      ...event,
      body: null,
      isBase64Encoded: false,
      requestContext: { ...event.requestContext, authorizer: { ...result.context, principalId: result.principalId } },
    } as unknown as APIGatewayProxyEvent;
    const response = await handler(proxy, lambdaContext());
    if (response.statusCode === 200) return { status: 200, auth: (JSON.parse(response.body) as { auth: AuthContext }).auth };
    return { status: response.statusCode, problem: JSON.parse(response.body) as Record<string, unknown> };
  };
}
