import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { METRIC_NAMES, METRIC_PROPERTIES } from '../core/metric-names';
import { platformMetrics, recordMetric } from '../core/telemetry';

type Authorizer = (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

const denies = (result: APIGatewayAuthorizerResult) => result.policyDocument.Statement.some((statement) => statement.Effect === 'Deny');

/**
 * Counts the authorizer's refusals (401 by `Unauthorized`, 403 by a Deny policy) in `AuthorizerDenials`, one EMF
 * line per refusal with the request id; allowed requests are counted by the route group that serves them.
 */
export function observedAuthorizer(authorizer: Authorizer): Authorizer {
  const deny = (event: APIGatewayRequestAuthorizerEvent, kind: '401' | '403') => {
    try {
      platformMetrics.addMetadata(METRIC_PROPERTIES.requestId, event.requestContext?.requestId ?? 'unknown');
      platformMetrics.addMetadata(METRIC_PROPERTIES.status, kind);
      recordMetric(METRIC_NAMES.authorizerDenials);
      platformMetrics.publishStoredMetrics();
    } catch {
      // Telemetry must never change a decision.
    }
  };
  return async (event) => {
    let result: APIGatewayAuthorizerResult;
    try {
      result = await authorizer(event);
    } catch (error) {
      if (error instanceof Error && error.message === 'Unauthorized') deny(event, '401');
      throw error;
    }
    if (denies(result)) deny(event, '403');
    return result;
  };
}
