/**
 * The value of a tenant's API Gateway API key, which binds the tenant to its plan's usage plan. The REST API takes
 * API keys from the authorizer (`usageIdentifierKey`), never from a request header, so this value is an identifier
 * for metering and throttling, not a credential: a caller who knows it gains nothing. Deriving it from stage and
 * tenant lets the authorizer name a tenant's key without a lookup; the tenant stack creates the key with it.
 */
export function usageIdentifierKey(stage: string, tenantId: string): string {
  return `agent-platform-${stage}-usage-${tenantId}`;
}

/**
 * The value of the platform's API key, which meters platform admins' requests in the platform usage plan: every
 * authorized method requires a key, and platform admins act for the platform, not within a tenant's plan. It can
 * never equal a tenant's key (those continue `-usage-` after the stage).
 */
export function platformUsageKey(stage: string): string {
  return `agent-platform-${stage}-platform-usage`;
}

/**
 * The value of the API key that meters requests of tenants homed in another region, which the platform answers with
 * 421 and the tenant's region. A tenant's own key exists only where its stack is deployed (and where a migration made
 * it), and API Gateway refuses a request whose key does not exist with 403 before any function runs: the 421 needs a
 * key that every region's stage has. Its own usage plan keeps such misdirected traffic from eating into the platform
 * admins' throttle.
 */
export function redirectUsageKey(stage: string): string {
  return `agent-platform-${stage}-redirect-usage`;
}

/**
 * The usage keys the authorizer names: a tenant's for its users and API keys, the platform's for platform admins,
 * the redirect key for principals of tenants homed in another region.
 */
export interface UsageKeys {
  tenant(tenantId: string): string;
  readonly platform: string;
  readonly redirect: string;
}

/** The usage keys of a stage. */
export function usageKeysOf(stage: string): UsageKeys {
  return { tenant: (tenantId) => usageIdentifierKey(stage, tenantId), platform: platformUsageKey(stage), redirect: redirectUsageKey(stage) };
}

/** The name of a tenant's API key in its region (API key names are unique per account and region). */
export function tenantApiKeyName(stage: string, tenantId: string): string {
  return `agent-platform-${stage}-tenant-${tenantId}`;
}

/** The name of a plan's usage plan in a region (the region stack creates one per plan of the catalogue). */
export function usagePlanName(stage: string, plan: string): string {
  return `agent-platform-${stage}-${plan}`;
}
