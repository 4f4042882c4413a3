/**
 * The value of a tenant's API Gateway API key, which binds the tenant to its plan's usage plan. The REST API takes
 * API keys from the authorizer (`usageIdentifierKey`), never from a request header, so this value is an identifier
 * for metering and throttling, not a credential: a caller who knows it gains nothing. Deriving it from stage and
 * tenant lets the authorizer name a tenant's key without a lookup; the tenant stack creates the key with it.
 */
export function usageIdentifierKey(stage: string, tenantId: string): string {
  return `agent-platform-${stage}-usage-${tenantId}`;
}
