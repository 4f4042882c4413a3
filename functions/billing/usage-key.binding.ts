import * as z from '../core/zod';
import type { PlanId } from './plan.catalogue';

/**
 * Moves a tenant's usage key (its API Gateway API key, named by the authorizer) into the usage plan of a plan, so
 * that the new plan's throttle and daily quota apply from the next request on, without redeploying the tenant's
 * stack. Idempotent: binding a key to the plan it is in changes nothing.
 */
export interface UsageKeyBinding {
  bind(tenantId: string, plan: PlanId): Promise<void>;
}

/**
 * Makes sure a tenant's usage key exists in a region and is in its plan's usage plan there: what a migration does in
 * its target region, where the tenant's stack has not made the key. Idempotent: a key that exists is only bound.
 */
export interface UsageKeyProvisioning {
  ensure(tenantId: string, plan: PlanId): Promise<void>;
}

/**
 * Deletes a tenant's usage key that a migration made in a region (tagged MIGRATION_KEY_TAG), so that the tenant's
 * stack, deployed there afterwards, can make its own: API Gateway keeps key values unique per region. A key that a
 * stack made is never deleted. True when a key was deleted.
 */
export interface UsageKeyRelease {
  releaseMigrationKey(tenantId: string): Promise<boolean>;
}

/** The tag of the keys a migration makes (and the only keys a release deletes). */
export const MIGRATION_KEY_TAG = { key: 'agent-platform:made-by', value: 'migration' } as const;

/** Environment of the functions that change a tenant's plan, spread into the runtime config schema. */
export const usageKeyEnvShape = {
  /**
   * How plan changes move usage keys: `api-gateway`, through the region's API Gateway API, where the usage plans are
   * found by name (functions/identity/usage-identifier.ts). Functions that change plans need it; a plan change is
   * refused (and changes nothing) without it.
   */
  USAGE_KEY_BINDING: z.optional(z.enum(['api-gateway'])),
  /**
   * How the registrar of a region releases the usage keys migrations made there, before a tenant stack makes its own
   * (`Custom::UsageKeyRelease`): `api-gateway`, through the region's API Gateway API. Only the region stacks'
   * registrars have it.
   */
  USAGE_KEY_RELEASE: z.optional(z.enum(['api-gateway'])),
  /** API Gateway management endpoint override (the local gateway's); absent in AWS. */
  APIGATEWAY_ENDPOINT: z.optional(z.url()),
  /**
   * JSON: the API Gateway management endpoint override of every region (the local gateway's ports), for the functions
   * that run migrations and make the tenant's key in the target region; absent in AWS.
   */
  APIGATEWAY_ENDPOINTS: z.pipe(
    z.optional(z.string()),
    z.transform((text: string | undefined, ctx) => {
      if (text === undefined || text === '') return {};
      try {
        return z.record(z.string(), z.url()).parse(JSON.parse(text));
      } catch {
        ctx.issues.push({ code: 'custom', message: 'APIGATEWAY_ENDPOINTS must be a JSON object of region to URL', input: text });
        return z.NEVER;
      }
    }),
  ),
};
