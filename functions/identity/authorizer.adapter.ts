import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { AuthenticationError } from '../core/errors';
import type { Logger } from '../core/logger';
import { encodeAuthContext } from '../core/auth-context';
import type { AuthorizerDecision, AuthorizerService } from './authorizer.service';
import { TokenRejectedError } from './token-verifier';
import type { UsageKeys } from './usage-identifier';

/** A Lambda REQUEST authorizer as API Gateway (and the local gateway) calls it. */
export type Authorizer = (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

export type AuthorizerLogger = Pick<Logger, 'debug' | 'info' | 'warn'>;

function policy(effect: 'Allow' | 'Deny', methodArn: string): APIGatewayAuthorizerResult['policyDocument'] {
  return { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: methodArn }] };
}

/**
 * Speaks API Gateway's authorizer protocol for the service: 401 by throwing `Unauthorized`, 403 by a Deny policy,
 * Allow for the called method only with the encoded AuthContext. One log line per decision, with the tenant and
 * the reason; never the credential.
 */
export function apiGatewayAuthorizer(
  service: Pick<AuthorizerService, 'authorize'>,
  logger: AuthorizerLogger,
  /**
   * The usage-plan keys: tenant principals' requests are metered and throttled by their tenant's plan, platform
   * admins' by the platform usage plan. Every authorized method requires a key in AWS.
   */
  usageKeys?: UsageKeys,
): Authorizer {
  return async (event) => {
    const request = { route: `${event.httpMethod} ${event.resource}`, requestId: event.requestContext?.requestId };
    let decision: AuthorizerDecision;
    try {
      decision = await service.authorize(event);
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      const rejection =
        error instanceof TokenRejectedError
          ? {
              reason: error.reason,
              joseCode: error.joseCode,
              tenantId: error.registration?.kind === 'tenant' ? error.registration.tenantId : undefined,
            }
          : {};
      logger.info('request unauthenticated', { ...request, detail: error.message, ...rejection });
      throw new Error('Unauthorized');
    }

    if (decision.effect === 'Deny') {
      const { principal, reason, signals } = decision;
      const log = reason === 'tenant-mismatch' || reason === 'conflicting-tenant-signals' ? logger.warn : logger.info;
      log.call(logger, 'request denied', {
        ...request,
        reason,
        principalType: principal.principalType,
        principalId: principal.principalId,
        tenantId: principal.tenantId,
        signals,
      });
      return { principalId: principal.principalId, policyDocument: policy('Deny', event.methodArn) };
    }

    const { context } = decision;
    logger.debug('request allowed', {
      ...request,
      principalType: context.principalType,
      principalId: context.principalId,
      tenantId: context.tenantId,
    });
    // Platform admins act for the platform, not within a tenant's plan.
    const usageKey = context.principalType === 'platform-admin' ? usageKeys?.platform : context.tenantId && usageKeys?.tenant(context.tenantId);
    return {
      principalId: context.principalId,
      policyDocument: policy('Allow', event.methodArn),
      context: encodeAuthContext(context),
      ...(usageKey ? { usageIdentifierKey: usageKey } : {}),
    };
  };
}
