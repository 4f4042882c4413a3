import { createHash } from 'node:crypto';
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

const regionSchema = z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'must be an AWS region name such as eu-central-1');

/** An OAuth redirect URL: https, or http on localhost only (Cognito refuses other plain-http URLs). */
export const redirectUrlSchema = z.url({ protocol: /^https?$/ }).refine((url) => {
  const { protocol, hostname } = new URL(url);
  return protocol === 'https:' || hostname === 'localhost';
}, 'must be an https URL (http only for localhost)');

const hostNameSchema = z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, 'must be a lower-case DNS name');

/** Cognito hosted UI domain prefixes: lower-case letters, digits and dashes, without the words Cognito reserves. */
export const domainPrefixSchema = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,40}[a-z0-9])?$/, 'must be 1-42 lower-case letters, digits or inner dashes')
  .refine((prefix) => !/aws|amazon|cognito/.test(prefix), 'must not contain aws, amazon or cognito (reserved by Cognito)');

/**
 * What is wrong with a whole Cognito hosted UI domain prefix by Cognito's rules (1-63 lower-case letters, digits and
 * inner dashes, none of the words Cognito reserves), or undefined when nothing is.
 */
export function cognitoDomainPrefixProblem(prefix: string): string | undefined {
  if (prefix.length > 63) return `the hosted UI domain prefix ${prefix} is longer than Cognito's 63 characters`;
  if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(prefix)) return `the hosted UI domain prefix ${prefix} must be lower-case letters, digits and inner dashes`;
  if (/aws|amazon|cognito/.test(prefix)) return `the hosted UI domain prefix ${prefix} contains a word Cognito reserves (aws, amazon, cognito)`;
  return undefined;
}

/**
 * The default first part of the hosted UI domains: `ap-` and a short hash of account and stage. Domain prefixes are
 * global per region across all AWS accounts, so a readable fixed default would collide with every other deployment
 * of this code; the hash is stable for one account and stage, and tells nothing about either.
 */
export function defaultAuthDomainPrefix(account: string | undefined, stage: string): string {
  return `ap-${createHash('sha256')
    .update(`${account ?? 'any-account'}/${stage}`)
    .digest('hex')
    .slice(0, 10)}`;
}

/** The mail of the platform (invitations): the sender and the SES identity that proves it, one per region. */
const mailSchema = z.strictObject({
  /** Sender address of invitations. */
  from: z.email('must be an e-mail address'),
  /**
   * What SES verifies: the sender's whole domain (DKIM; the usual choice) or the single address (SES mails it a link).
   * @default 'domain'
   */
  identity: z.enum(['domain', 'address']).default('domain'),
  /**
   * Route 53 public hosted zone of the sender's domain: the DKIM records are then published by the region stacks.
   * @default - the DKIM records are outputs of each region stack, to publish by hand
   */
  hostedZone: z.strictObject({ id: z.string().regex(/^Z[A-Z0-9]{1,31}$/, 'must be a Route 53 hosted zone id'), name: hostNameSchema }).optional(),
});

const branchSchema = z
  .string()
  .regex(/^[\w./-]{1,100}$/, 'must be a branch name')
  .default('main');

/** Where the fleet pipeline takes the repository from. */
const pipelineSourceSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('codeconnections'),
    /** The connection (GitHub, GitLab, Bitbucket) made once in the console. */
    connectionArn: z
      .string()
      .regex(/^arn:[a-z-]+:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection\/[\w-]+$/, 'must be a CodeConnections connection ARN'),
    /** `owner/name` of the repository. */
    repository: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/name'),
    branch: branchSchema,
  }),
  z.strictObject({
    kind: z.literal('codecommit'),
    repositoryName: z.string().regex(/^[\w.-]{1,100}$/, 'must be a CodeCommit repository name'),
    branch: branchSchema,
  }),
  z.strictObject({
    kind: z.literal('s3'),
    /** A versioned bucket of the pipeline's account and home region holding the repository as a zip. */
    bucketName: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
    objectKey: z.string().min(1).max(1024),
  }),
]);

/** One platform the fleet pipeline deploys, in order: a stage name and, optionally, its own account. */
const pipelineEnvironmentSchema = z.strictObject({
  /** The platform's stage (`staging`, `prod`): its stack and resource names, as `stage` names the default one. */
  stage: z.string().regex(/^[a-z][a-z0-9-]{1,15}$/, 'must be 2-16 lower-case letters, digits or dashes, starting with a letter'),
  /**
   * Account of the environment (bootstrapped with `--trust` of the pipeline's account).
   * @default the platform's account
   */
  account: z
    .string()
    .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
    .optional(),
  /**
   * A person approves in the pipeline before anything of this environment changes.
   * @default true for a stage named prod or production, else false
   */
  approval: z.boolean().optional(),
});

/** The fleet pipeline (lib/stacks/pipeline-stack.ts), deployed with `npx cdk deploy --app "npx tsx bin/pipeline.ts"`. */
const pipelineSchema = z.strictObject({
  source: pipelineSourceSchema,
  /**
   * The platforms it deploys, in order; each gets region stacks, then its control plane, then its tenants in waves.
   * @default one environment: the platform's own stage
   */
  environments: z.array(pipelineEnvironmentSchema).min(1).optional(),
  /**
   * Tenant stacks per wave: a wave deploys its tenants in parallel, and the next wave starts once all succeeded.
   * @default 10
   */
  tenantWaveSize: z.number().int().min(1).max(50).default(10),
});

/** The sender used when the config names none: a reserved domain that can never be verified (synthesis warns). */
export const PLACEHOLDER_MAIL_FROM = 'no-reply@agent-platform.example';

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
    account: z
      .string()
      .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
      .optional(),
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
     * of a region.
     * @default - `ap-` and a short hash of the account and stage (defaultAuthDomainPrefix)
     */
    authDomainPrefix: domainPrefixSchema.optional(),
    /**
     * Invitation mail: sender and SES identity (lib/constructs/mail-identity.ts), in every region.
     * @default sender no-reply@agent-platform.example, which no one can verify: set it before a real deployment
     */
    mail: mailSchema.default({ from: PLACEHOLDER_MAIL_FROM, identity: 'domain' }),
    /**
     * Browser origins allowed to call the regional APIs with credentials (CORS): exact origins, never `*`.
     * @default - the origins of the console's callback URLs
     */
    corsOrigins: z.array(z.string().regex(CORS_ORIGIN, 'must be an exact origin such as https://console.example.com')).optional(),
    /**
     * Operators' e-mail addresses, subscribed to the alarm topic of every region (each must confirm once).
     * @default none: alarms notify the topic, whose subscriptions are then managed outside the app
     */
    alarmEmails: z.array(z.email('must be an e-mail address')).default([]),
    /**
     * Qualifier of the CDK bootstrap stacks the onboarding pipeline deploys tenant stacks through.
     * @default 'hnb659fds' (the CDK default)
     */
    bootstrapQualifier: z
      .string()
      .regex(/^[a-z0-9]{1,10}$/, 'must be 1-10 lower-case letters or digits')
      .default('hnb659fds'),
    /**
     * The fleet pipeline: source repository, the platforms it deploys in order, tenant wave size.
     * @default - no pipeline: stacks are deployed with `cdk deploy`
     */
    pipeline: pipelineSchema.optional(),
  })
  .superRefine((config, ctx) => {
    if (!config.regions.includes(config.homeRegion)) {
      ctx.addIssue({
        code: 'custom',
        path: ['homeRegion'],
        message: `must be one of the residency regions ${JSON.stringify(config.regions)}`,
      });
    }
    const stages = (config.pipeline?.environments ?? []).map((environment) => environment.stage);
    if (new Set(stages).size !== stages.length) {
      ctx.addIssue({ code: 'custom', path: ['pipeline', 'environments'], message: 'must not name a stage twice' });
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

export type PipelineConfig = NonNullable<z.infer<typeof platformConfigSchema>['pipeline']>;
export type PipelineEnvironment = z.infer<typeof pipelineEnvironmentSchema>;

/** The parsed config: every default applied, the hosted UI domain prefix included. */
export type PlatformConfig = Omit<z.infer<typeof platformConfigSchema>, 'authDomainPrefix'> & { readonly authDomainPrefix: string };

export interface PlatformConfigEnvironment {
  /**
   * The account the CDK CLI's credentials belong to (`CDK_DEFAULT_ACCOUNT`): with `account` unset, it makes the
   * default hosted UI domain prefix unique per account.
   * @default - none: the default prefix is then derived from the stage alone
   */
  readonly defaultAccount?: string;
}

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
export function parsePlatformConfig(raw: unknown, environment: PlatformConfigEnvironment = {}): PlatformConfig {
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
  const config = result.data;
  return { ...config, authDomainPrefix: config.authDomainPrefix ?? defaultAuthDomainPrefix(config.account ?? environment.defaultAccount, config.stage) };
}
