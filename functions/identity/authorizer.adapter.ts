import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { AuthenticationError } from '../core/errors';
import type { Logger } from '../core/logger';
import { encodeAuthContext, type AuthContext } from '../core/auth-context';
import type { RouteAccess } from '../core/route';
import { denyAll, movedTenantPolicy, principalPolicy } from './authorizer-policy';
import type { AuthorizerDecision, AuthorizerService } from './authorizer.service';
import { TokenRejectedError } from './token-verifier';
import type { UsageKeys } from './usage-identifier';

/** A Lambda REQUEST authorizer as API Gateway (and the local gateway) calls it. */
export type Authorizer = (event: APIGatewayRequestAuthorizerEvent, context?: Context) => Promise<APIGatewayAuthorizerResult>;

export type AuthorizerLogger = Pick<Logger, 'debug' | 'info' | 'warn'>;

/**
 * Speaks API Gateway's authorizer protocol for the service: 401 by throwing `Unauthorized`, 403 by a Deny of the
 * whole stage, else an Allow of every method the principal may call (API Gateway caches it per credential and
 * evaluates it against each later request) with the encoded AuthContext. One log line per decision, with the tenant
 * and the reason; never the credential.
 */
export function apiGatewayAuthorizer(
  service: Pick<AuthorizerService, 'authorize'>,
  logger: AuthorizerLogger,
  /** The routes the API serves: the Allow covers those the principal's roles may call. */
  routes: readonly RouteAccess[],
  /**
   * The usage-plan keys: tenant principals' requests are metered and throttled by their tenant's plan, platform
   * admins' by the platform usage plan, those of tenants homed in another region by the redirect plan. Every
   * authorized method requires a key in AWS.
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
      const { principal, reason } = decision;
      logger.info('request denied', {
        ...request,
        reason,
        principalType: principal.principalType,
        principalId: principal.principalId,
        tenantId: principal.tenantId,
      });
      return { principalId: principal.principalId, policyDocument: denyAll(event.methodArn) };
    }

    const { context, homedIn } = decision;
    logger.debug('request allowed', {
      ...request,
      principalType: context.principalType,
      principalId: context.principalId,
      tenantId: context.tenantId,
      ...(homedIn ? { homedIn } : {}),
    });
    // Platform admins act for the platform, not within a tenant's plan; a tenant homed elsewhere has no key here.
    const usageKey = usageKeyOf(context, homedIn, usageKeys);
    return {
      principalId: context.principalId,
      policyDocument:
        homedIn && context.tenantId ? movedTenantPolicy(event.methodArn, context.tenantId, routes) : principalPolicy(event.methodArn, context, routes),
      context: encodeAuthContext(context),
      ...(usageKey ? { usageIdentifierKey: usageKey } : {}),
    };
  };
}

/** The usage key API Gateway meters an allowed request by: one that exists in this region's stage. */
function usageKeyOf(context: AuthContext, homedIn: string | undefined, usageKeys: UsageKeys | undefined): string | undefined {
  if (!usageKeys) return undefined;
  if (context.principalType === 'platform-admin') return usageKeys.platform;
  if (homedIn) return usageKeys.redirect;
  return context.tenantId ? usageKeys.tenant(context.tenantId) : undefined;
}
