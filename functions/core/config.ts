import * as z from './zod';

/**
 * The revocation bound: how long a credential's authorizer answer lives in API Gateway's cache (the REST API's
 * authorizer TTL, set from this in lib/) and in the local gateway's (ACCESS_CACHE_SECONDS).
 */
export const ACCESS_CACHE_DEFAULT_SECONDS = 5;

/**
 * The variables every function shares. Each layer above adds its own (isolation, lifecycle, data regions); the
 * composition roots (functions/api/runtime-config.ts) assemble the whole runtime configuration.
 */
export const coreEnvShape = {
  /** Region the function runs in; set by Lambda, by the local gateway locally. */
  AWS_REGION: z.string().check(z.minLength(1)),
  /** The region's single table. */
  TABLE_NAME: z.string().check(z.minLength(1)),
  /** DynamoDB endpoint override (DynamoDB Local); absent in AWS. */
  DYNAMODB_ENDPOINT: z.optional(z.url()),
  /** Deployment stage, e.g. `dev`, `prod`, `local`. */
  STAGE: z._default(z.string().check(z.minLength(1)), 'dev'),
  /** JSON map of region → regional API base URL, used for 421 answers and discovery. */
  REGION_ENDPOINTS: z.pipe(
    z._default(z.string(), '{}'),
    z.transform((text: string, ctx) => {
      try {
        return z.record(z.string(), z.string()).parse(JSON.parse(text));
      } catch {
        ctx.issues.push({ code: 'custom', message: 'REGION_ENDPOINTS must be a JSON object of region to URL', input: text });
        return z.NEVER;
      }
    }),
  ),
  /**
   * Domain under which tenants are addressed by subdomain (`<slug>.<API_BASE_DOMAIN>`); absent when subdomains are
   * not used. The host equal to it names no tenant.
   */
  API_BASE_DOMAIN: z.optional(
    z.string().check(z.toLowerCase(), z.regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, 'API_BASE_DOMAIN must be a host name')),
  ),
  /**
   * Model provider of workflow runs: `bedrock` (Amazon Bedrock) or `local` (deterministic, no network).
   * @default `local` on the local stage, `bedrock` elsewhere (see models/model-provider.factory.ts)
   */
  MODEL_PROVIDER: z.optional(z.enum(['bedrock', 'local'])),
  /**
   * How long the authorizer's answer for one credential is reused (API Gateway's authorizer result cache, keyed by
   * the Authorization header; the local gateway's emulation of it): the bound within which a role change, a removal
   * or an API key's revocation holds for tokens and keys already issued. 0 calls the authorizer for every request.
   */
  ACCESS_CACHE_SECONDS: z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(30)), ACCESS_CACHE_DEFAULT_SECONDS),
  /**
   * How long a route group's tenant gate may reuse a tenant's directory entry (status, home region): the bound within
   * which a suspension, an offboarding or a region move holds for the tenant's own users. A container that changes
   * an entry (the tenants group) invalidates its own copy at once.
   */
  DIRECTORY_CACHE_SECONDS: z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(60)), 5),
  /** Powertools log level. */
  LOG_LEVEL: z._default(z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']), 'INFO'),
};

const coreEnvSchema = z.object(coreEnvShape);

/** The shared variables, parsed. */
export type CoreConfig = z.infer<typeof coreEnvSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Parses the environment with a schema; throws a ConfigError naming every bad variable. */
export function parseEnvironment<S extends z.core.$ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const result = z.safeParse(schema, env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'env'}: ${issue.message}`);
    throw new ConfigError(`invalid runtime configuration: ${problems.join('; ')}`);
  }
  return result.data;
}
