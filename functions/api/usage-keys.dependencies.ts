import type { ApiGatewayUsageKeyBinding } from '../billing/usage-key.api-gateway';
import { onFirstUse } from '../core/on-first-use';

/**
 * A region's usage keys and plans through its API Gateway API (`endpoint`: the local gateway's management port),
 * built at first use: the API Gateway client loads only in instances that bind, make or release a key.
 */
export function apiGatewayUsageKeysOf(stage: string, region: string, endpoint?: string): ApiGatewayUsageKeyBinding {
  return onFirstUse(() => {
    const { APIGatewayClient } = require('@aws-sdk/client-api-gateway') as typeof import('@aws-sdk/client-api-gateway');
    const { ApiGatewayUsageKeyBinding } = require('../billing/usage-key.api-gateway') as typeof import('../billing/usage-key.api-gateway');
    return new ApiGatewayUsageKeyBinding({ client: new APIGatewayClient({ region, maxAttempts: 3, ...(endpoint ? { endpoint } : {}) }), stage });
  });
}
