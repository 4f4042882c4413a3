import * as z from 'zod';
import { parseDataRegions } from '../data/data-regions';
import { isolationEnvShape } from '../isolation/isolation.config';
import { lifecycleEnvShape } from '../tenants/lifecycle.config';

/**
 * Runtime configuration of every function, parsed once from the environment at cold start. A missing or bad
 * variable fails the cold start with a message that names it, instead of failing requests later.
 */
export const runtimeConfigSchema = z.object({
  /** Region the function runs in; set by Lambda, by the local gateway locally. */
  AWS_REGION: z.string().min(1),
  /** The region's single table. */
  TABLE_NAME: z.string().min(1),
  /** DynamoDB endpoint override (DynamoDB Local); absent in AWS. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  /** Deployment stage, e.g. `dev`, `prod`, `local`. */
  STAGE: z.string().min(1).default('dev'),
  /** JSON map of region → regional API base URL, used for 421 answers and discovery. */
  REGION_ENDPOINTS: z
    .string()
    .default('{}')
    .transform((text, ctx) => {
      try {
        return z.record(z.string(), z.string()).parse(JSON.parse(text));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'REGION_ENDPOINTS must be a JSON object of region to URL' });
        return z.NEVER;
      }
    }),
  /**
   * Domain under which tenants are addressed by subdomain (`<slug>.<API_BASE_DOMAIN>`); absent when subdomains are
   * not used. The host equal to it names no tenant.
   */
  API_BASE_DOMAIN: z
    .string()
    .toLowerCase()
    .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, 'API_BASE_DOMAIN must be a host name')
    .optional(),
  /**
   * Model provider of workflow runs: `bedrock` (Amazon Bedrock) or `local` (deterministic, no network).
   * @default `local` on the local stage, `bedrock` elsewhere (see models/model-provider.factory.ts)
   */
  MODEL_PROVIDER: z.enum(['bedrock', 'local']).optional(),
  ...lifecycleEnvShape,
  ...isolationEnvShape,
  // Only functions that sign list cursors need it; the cursor codec fails their cold start when it is missing.
  CURSOR_SECRET: isolationEnvShape.CURSOR_SECRET.optional(),
  /** JSON: the table and data roles of every other region this function reaches (see data/data-regions.ts). */
  DATA_REGIONS: z
    .string()
    .optional()
    .transform((text, ctx) => {
      try {
        return parseDataRegions(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  /**
   * How long the authorizer may reuse a member record it read (role and membership of a tenant user, owner of an
   * API key): the bound within which a role change or removal holds for tokens and keys already issued.
   */
  ACCESS_CACHE_SECONDS: z.coerce.number().int().min(0).max(30).default(5),
  /**
   * How long a route group's tenant gate may reuse a tenant's directory entry (status, home region): the bound within
   * which a suspension, an offboarding or a region move holds for the tenant's own users. The tenants, users and
   * api-keys groups, which change those entries, always read it.
   */
  DIRECTORY_CACHE_SECONDS: z.coerce.number().int().min(0).max(60).default(5),
  /** Powertools log level. */
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
});

export type RuntimeConfig = z.infer<typeof runtimeConfigSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws a ConfigError naming every bad variable. */
export function parseRuntimeConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const result = runtimeConfigSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'env'}: ${issue.message}`);
    throw new ConfigError(`invalid runtime configuration: ${problems.join('; ')}`);
  }
  return result.data;
}

let cached: RuntimeConfig | undefined;

/** The configuration of this process, parsed on first use. */
export function runtimeConfig(): RuntimeConfig {
  cached ??= parseRuntimeConfig();
  return cached;
}
