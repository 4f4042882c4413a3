import { z } from 'zod';
import { ORIGIN as CORS_ORIGIN } from '../functions/core/cors';

/**
 * Platform configuration of the CDK app, read from the CDK context key `platform` (cdk.json, or
 * `cdk synth -c platform='{"stage":"prod",...}'`). Parsed once in bin/app.ts; a bad value fails synth with the
 * value in the message instead of failing a deployment later.
 */
export const PLATFORM_CONTEXT_KEY = 'platform';

/** Residency regions served when the context names none. */
export const DEFAULT_REGIONS = ['eu-central-1', 'us-east-1'] as const;

const regionSchema = z
  .string()
  .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'must be an AWS region name such as eu-central-1');

/** An OAuth redirect URL: https, or http on localhost only (Cognito refuses other plain-http URLs). */
export const redirectUrlSchema = z
  .url({ protocol: /^https?$/ })
  .refine((url) => {
    const { protocol, hostname } = new URL(url);
    return protocol === 'https:' || hostname === 'localhost';
  }, 'must be an https URL (http only for localhost)');

/** Cognito hosted UI domain prefixes: lower-case letters, digits and dashes, without the words Cognito reserves. */
export const domainPrefixSchema = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,40}[a-z0-9])?$/, 'must be 1-42 lower-case letters, digits or inner dashes')
  .refine((prefix) => !/aws|amazon|cognito/.test(prefix), 'must not contain aws, amazon or cognito (reserved by Cognito)');

const hostNameSchema = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, 'must be a lower-case DNS name');

export const platformConfigSchema = z
  .strictObject({
    /**
     * Deployment stage (`dev`, `prod`, ...): part of stack names and the API Gateway stage name.
     * @default 'dev'
     */
    stage: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,15}$/, 'must be 2-16 lower-case letters, digits or dashes, starting with a letter')
      .default('dev'),
    /**
     * Home (control-plane) region: where the platform-admin pool and the global tenant directory live.
     * @default 'eu-central-1'
     */
    homeRegion: regionSchema.default('eu-central-1'),
    /**
     * Residency regions: one RegionStack (table, API, functions) each. Tenant data never leaves its region.
     * @default ['eu-central-1', 'us-east-1']
     */
    regions: z
      .array(regionSchema)
      .min(1, 'must name at least one residency region')
      .default([...DEFAULT_REGIONS])
      .refine((regions) => new Set(regions).size === regions.length, 'must not name a region twice'),
    /**
     * AWS account to deploy to; stacks are account-agnostic when absent (the CLI's credentials decide).
     * @default - account-agnostic
     */
    account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id').optional(),
    /**
     * Base domain under which tenants are addressed by subdomain (`<slug>.<apiBaseDomain>`).
     * @default - tenants are not addressed by subdomain
     */
    apiBaseDomain: hostNameSchema.optional(),
    /**
     * Public base URL of each region's API (custom domains), given to every function as REGION_ENDPOINTS for
     * 421 answers and discovery. A region missing here is known by its execute-api URL in its own stack only:
     * CloudFormation cannot reference another region's stack.
     * @default - each region knows only its own execute-api URL
     */
    regionEndpoints: z.record(regionSchema, z.url({ protocol: /^https$/, error: 'must be an https URL' })).optional(),
    /**
     * The console's OAuth redirect URLs: those of the platform-admin app client, and of a tenant's app client when
     * its manifest names none.
     * @default the local console: callback http://localhost:3000/auth/callback, sign-out http://localhost:3000/
     */
    console: z
      .strictObject({
        callbackUrls: z.array(redirectUrlSchema).min(1, 'must name at least one callback URL'),
        logoutUrls: z.array(redirectUrlSchema).default([]),
      })
      .default({ callbackUrls: ['http://localhost:3000/auth/callback'], logoutUrls: ['http://localhost:3000/'] }),
    /**
     * First part of the Cognito hosted UI domains (`<prefix>-<stage>-<slug>.auth.<region>.amazoncognito.com` for a
     * tenant, `<prefix>-admin-<stage>` for the platform admins). Domain prefixes are unique across all AWS accounts
     * of a region: pick one of your own.
     * @default 'agent-platform'
     */
    authDomainPrefix: domainPrefixSchema.default('agent-platform'),
    /**
     * Browser origins allowed to call the regional APIs with credentials (CORS): exact origins, never `*`.
     * @default - the origins of the console's callback URLs
     */
    corsOrigins: z.array(z.string().regex(CORS_ORIGIN, 'must be an exact origin such as https://console.example.com')).optional(),
    /**
     * Qualifier of the CDK bootstrap stacks the onboarding pipeline deploys tenant stacks through.
     * @default 'hnb659fds' (the CDK default)
     */
    /**
     * Operators' e-mail addresses, subscribed to the alarm topic of every region (each must confirm once).
     * @default none: alarms notify the topic, whose subscriptions are then managed outside the app
     */
    alarmEmails: z.array(z.email('must be an e-mail address')).default([]),
    bootstrapQualifier: z.string().regex(/^[a-z0-9]{1,10}$/, 'must be 1-10 lower-case letters or digits').default('hnb659fds'),
  })
  .superRefine((config, ctx) => {
    if (!config.regions.includes(config.homeRegion)) {
      ctx.addIssue({
        code: 'custom',
        path: ['homeRegion'],
        message: `must be one of the residency regions ${JSON.stringify(config.regions)}`,
      });
    }
    for (const region of Object.keys(config.regionEndpoints ?? {})) {
      if (!config.regions.includes(region)) {
        ctx.addIssue({
          code: 'custom',
          path: ['regionEndpoints', region],
          message: `names a region that is not a residency region ${JSON.stringify(config.regions)}`,
        });
      }
    }
  });

export type PlatformConfig = z.infer<typeof platformConfigSchema>;

export class PlatformConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlatformConfigError';
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * Parses the platform configuration. `raw` is the value of the context key: an object (cdk.json), a JSON string
 * (`-c platform=...` on the command line) or undefined (all defaults). Throws a PlatformConfigError naming every
 * bad field with the value it had.
 */
export function parsePlatformConfig(raw: unknown): PlatformConfig {
  let input = raw ?? {};
  if (typeof input === 'string') {
    try {
      input = JSON.parse(input);
    } catch {
      throw new PlatformConfigError(`invalid platform config: context '${PLATFORM_CONTEXT_KEY}' is not JSON: ${input}`);
    }
  }
  const result = platformConfigSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join('.') : PLATFORM_CONTEXT_KEY;
      const value = issue.code === 'unrecognized_keys' ? issue.keys : valueAt(input, issue.path);
      return `${where} ${issue.message} (got ${JSON.stringify(value)})`;
    });
    throw new PlatformConfigError(`invalid platform config in context '${PLATFORM_CONTEXT_KEY}': ${problems.join('; ')}`);
  }
  return result.data;
}
