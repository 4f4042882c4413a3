/**
 * Limits per client (source IP), beside the plan catalogue's limits per tenant: the one source of the numbers that
 * the region's WAF web ACL (lib/) and the local gateway's client throttle (local/) enforce. Tenants' usage plans
 * meter requests the authorizer accepted; these bound what arrives before or without a tenant (public routes,
 * rejected credentials, floods), so anonymous traffic cannot use up the stage throttle that tenants share.
 */

/** The evaluation windows a WAF rate-based rule can count over, in seconds. */
export const RATE_WINDOW_SECONDS = [60, 120, 300, 600] as const;
export type RateWindowSeconds = (typeof RATE_WINDOW_SECONDS)[number];

/** WAF's smallest rate-based limit. */
export const MIN_RATE_LIMIT = 10;

/** At most `requests` per `windowSeconds` from one client. */
export interface ClientLimit {
  readonly requests: number;
  readonly windowSeconds: RateWindowSeconds;
}

export interface ClientLimits {
  /** Every API request of a client, whatever it is. */
  readonly anyRequest: ClientLimit;
  /** Requests to public routes (health, OpenAPI document, discovery, invitation accept): no credential, no plan. */
  readonly publicRoutes: ClientLimit;
  /**
   * Requests to authenticated routes that are refused (401/403). WAF sees a request before API Gateway answers it,
   * so in AWS this limit applies to the requests sure to be refused: those without `Authorization`, the header
   * every credential travels in. Bad credentials there count against `anyRequest`.
   */
  readonly rejected: ClientLimit;
}

export const CLIENT_LIMITS: ClientLimits = {
  // 100 requests/s on average per address: above what one machine client of an enterprise plan sends from one
  // address in practice, far below what a flood needs to matter.
  anyRequest: { requests: 30_000, windowSeconds: 300 },
  // One request/s on average: a login screen calls discovery once per sign-in, monitors poll health every few seconds.
  publicRoutes: { requests: 300, windowSeconds: 300 },
  // A misconfigured client retrying a bad key is stopped within seconds; a person mistyping is not.
  rejected: { requests: 100, windowSeconds: 300 },
};

/** What a client past a limit is told (the `detail` of its 429 problem), locally and by WAF alike. */
export const CLIENT_LIMIT_DETAILS: Readonly<Record<keyof ClientLimits, string>> = {
  anyRequest: 'this client sent too many requests',
  publicRoutes: 'this client sent too many requests to public routes',
  rejected: 'this client sent too many requests that were refused',
};

/** Throws when a limit cannot be enforced by WAF (too low, not a whole number, unsupported window). */
export function checkClientLimits(limits: ClientLimits): ClientLimits {
  for (const [name, limit] of Object.entries(limits) as [string, ClientLimit][]) {
    if (!Number.isInteger(limit.requests) || limit.requests < MIN_RATE_LIMIT) {
      throw new RangeError(`client limit ${name}: requests must be an integer of at least ${MIN_RATE_LIMIT}, not ${limit.requests}`);
    }
    if (!(RATE_WINDOW_SECONDS as readonly number[]).includes(limit.windowSeconds)) {
      throw new RangeError(`client limit ${name}: windowSeconds must be one of ${RATE_WINDOW_SECONDS.join(', ')}, not ${limit.windowSeconds}`);
    }
  }
  return limits;
}
